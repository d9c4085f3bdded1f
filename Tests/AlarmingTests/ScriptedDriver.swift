import Alarming
import Synchronization
import Testing

/// A delivery driver whose answers a test scripts per phone. Each call is recorded; a `.hold` step
/// keeps the attempt open until the test releases it, as a phone that has not answered yet.
final class ScriptedDriver: DeliveryDriver {
    enum Step: Sendable {
        case answer(DeliveryOutcome)
        /// Waits for `release`; a cancelled attempt ends as `cancelled`.
        case hold
        /// Waits for `release` even when cancelled, as a driver whose answer is already on its way.
        case holdThroughCancellation
    }

    struct Call: Sendable, Hashable, CustomStringConvertible {
        var alarmID: AlarmID
        var phoneID: Int64
        var attempt: Int
        var repetition: Int

        var description: String { "alarm \(alarmID) phone \(phoneID) attempt \(attempt) repetition \(repetition)" }
    }

    private struct State {
        var scripts: [Int64: [Step]] = [:]
        var calls: [Call] = []
        var held: [Int64: CheckedContinuation<DeliveryOutcome, Never>] = [:]
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var cancelledHolds: Set<Int64> = []
    }

    let name: String
    let retryPolicy: RetryPolicy
    private let state = Mutex(State())

    static let ok = DeliveryOutcome.accepted(detail: "HTTP 200")
    static let busy = DeliveryOutcome.failed(reason: "HTTP 503 Service Unavailable", retryable: true)
    static let gone = DeliveryOutcome.failed(reason: "HTTP 404 Not Found", retryable: false)
    static let cancelled = DeliveryOutcome.failed(reason: "cancelled", retryable: true)

    init(name: String = "test", retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(500), maxBackoff: .seconds(8))) {
        self.name = name
        self.retryPolicy = retryPolicy
    }

    /// The next answers for a phone; once they are used up it answers `ok`.
    func script(_ phoneID: Int64, _ steps: [Step]) {
        state.withLock { $0.scripts[phoneID, default: []] += steps }
    }

    func script(_ phoneID: Int64, _ outcomes: DeliveryOutcome...) {
        script(phoneID, outcomes.map { .answer($0) })
    }

    var calls: [Call] { state.withLock { $0.calls } }

    /// Returns once `count` calls have been made in all.
    func waitForCalls(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.calls.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Answers the held attempt of a phone.
    func release(_ phoneID: Int64, with outcome: DeliveryOutcome = ScriptedDriver.ok) {
        guard let held = state.withLock({ $0.held.removeValue(forKey: phoneID) }) else {
            Issue.record("phone \(phoneID) has no held attempt")
            return
        }
        held.resume(returning: outcome)
    }

    func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome {
        let phoneID = request.destination.phoneID
        let call = Call(alarmID: request.alarm.id, phoneID: phoneID, attempt: request.attempt, repetition: request.repetition)
        let step = state.withLock { state -> Step in
            state.calls.append(call)
            guard var steps = state.scripts[phoneID], !steps.isEmpty else { return .answer(Self.ok) }
            let step = steps.removeFirst()
            state.scripts[phoneID] = steps
            return step
        }
        switch step {
        case .answer(let outcome):
            wakeWaiters()
            return outcome
        case .holdThroughCancellation:
            return await withCheckedContinuation { continuation in
                state.withLock { $0.held[phoneID] = continuation }
                wakeWaiters()
            }
        case .hold:
            // Cancellation (a shutdown) answers a held attempt the way a real driver's cancelled
            // request would end.
            return await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let cancelled = state.withLock { state -> Bool in
                        if state.cancelledHolds.remove(phoneID) != nil { return true }
                        state.held[phoneID] = continuation
                        return false
                    }
                    if cancelled { continuation.resume(returning: Self.cancelled) }
                    wakeWaiters()
                }
            } onCancel: {
                let held = state.withLock { state -> CheckedContinuation<DeliveryOutcome, Never>? in
                    if let held = state.held.removeValue(forKey: phoneID) { return held }
                    state.cancelledHolds.insert(phoneID)
                    return nil
                }
                held?.resume(returning: Self.cancelled)
            }
        }
    }

    private func wakeWaiters() {
        let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let count = state.calls.count
            let due = state.waiters.filter { $0.count <= count }.map(\.continuation)
            state.waiters.removeAll { $0.count <= count }
            return due
        }
        for waiter in due { waiter.resume() }
    }
}
