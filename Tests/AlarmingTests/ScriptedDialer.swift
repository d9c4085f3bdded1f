import Alarming
import Synchronization
import Testing

/// An escalation dialer whose outcomes a test scripts per number. A `.hold` step rings until the
/// test answers it or the calling task is cancelled, which ends the call as `cancelled` the way a
/// real dialer clears a ringing call.
final class ScriptedDialer: EscalationDialer {
    enum Step: Sendable {
        case outcome(CallOutcome)
        case hold
    }

    struct Call: Sendable, Hashable {
        var number: String
        var noAnswerAfter: Duration
    }

    private struct State {
        var scripts: [String: [Step]] = [:]
        var calls: [Call] = []
        var cleared: [String] = []
        var held: [String: CheckedContinuation<CallOutcome, Never>] = [:]
        var cancelledBeforeHold: Set<String> = []
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let name = "scripted"
    private let state = Mutex(State())

    static let busy = CallOutcome.failed(detail: "busy")
    static let ringing = CallOutcome.noAnswer(detail: "not answered within 20 s")

    /// The next outcomes for a number; once used up the number does not answer.
    func script(_ number: String, _ steps: Step...) {
        state.withLock { $0.scripts[number, default: []] += steps }
    }

    var calls: [Call] { state.withLock { $0.calls } }
    /// Numbers whose ringing call was cleared by cancellation, in order.
    var cleared: [String] { state.withLock { $0.cleared } }

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

    func answer(_ number: String, with outcome: CallOutcome) {
        guard let held = state.withLock({ $0.held.removeValue(forKey: number) }) else {
            Issue.record("no call to \(number) is ringing")
            return
        }
        held.resume(returning: outcome)
    }

    func placeCall(from callingDevice: String?, to number: String, noAnswerAfter: Duration) async -> CallOutcome {
        let step = state.withLock { state -> Step in
            guard var steps = state.scripts[number], !steps.isEmpty else { return .outcome(Self.ringing) }
            let step = steps.removeFirst()
            state.scripts[number] = steps
            return step
        }
        switch step {
        case .outcome(let outcome):
            record(Call(number: number, noAnswerAfter: noAnswerAfter))
            return outcome
        case .hold:
            return await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let cancelled = state.withLock { state -> Bool in
                        if state.cancelledBeforeHold.remove(number) != nil { return true }
                        state.held[number] = continuation
                        return false
                    }
                    record(Call(number: number, noAnswerAfter: noAnswerAfter))
                    if cancelled { continuation.resume(returning: .cancelled) }
                }
            } onCancel: {
                let held = state.withLock { state -> CheckedContinuation<CallOutcome, Never>? in
                    state.cleared.append(number)
                    if let held = state.held.removeValue(forKey: number) { return held }
                    state.cancelledBeforeHold.insert(number)
                    return nil
                }
                held?.resume(returning: .cancelled)
            }
        }
    }

    private func record(_ call: Call) {
        let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.calls.append(call)
            let count = state.calls.count
            let due = state.waiters.filter { $0.count <= count }.map(\.continuation)
            state.waiters.removeAll { $0.count <= count }
            return due
        }
        for waiter in due { waiter.resume() }
    }
}
