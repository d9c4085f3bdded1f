// `VOIspeedDialer` places escalation calls through a VOIspeed PBX for the alarm core: `srv=0`
// rings the callee (first party) and then connects them to `connectTo`, `srv=3&info=7` is polled
// for the call's state, and `srv=1` clears a call nobody answered in time or the alarm no longer
// needs. The decisions are `VOIspeedCallWatch`'s; this file only carries them out with the real
// clock. A.N.S. events, when the PBX sends them, reach the call through `receive(_:)`.

import Alarming
import Logging
import Synchronization
import VOIspeed

public final class VOIspeedDialer: EscalationDialer {
    /// `[voispeed]`'s call keys.
    public struct Settings: Sendable, Hashable {
        /// `second_number`: where the callee is put through once they answer (an announcement,
        /// the ward's desk phone).
        public var connectTo: String
        /// `first_interface`: how the PBX reaches the callees; nil leaves it to the PBX (IVR).
        public var interface: VOIspeedInterface?
        public var watch: VOIspeedCallWatch<ContinuousClock.Instant>.Settings
        /// Tries of `srv=1` when the PBX does not answer it.
        public var clearAttempts: Int
        public var clearRetryDelay: Duration

        public init(connectTo: String, interface: VOIspeedInterface? = .sip, watch: VOIspeedCallWatch<ContinuousClock.Instant>.Settings = .init(),
                    clearAttempts: Int = 3, clearRetryDelay: Duration = .milliseconds(500)) {
            self.connectTo = connectTo
            self.interface = interface
            self.watch = watch
            self.clearAttempts = max(1, clearAttempts)
            self.clearRetryDelay = clearRetryDelay
        }
    }

    public let name = "voispeed"
    public let settings: Settings
    private let pbx: VOIspeedPBX
    private let logger: Logger
    /// The calls being watched, by the PBX's call id, for the A.N.S. events.
    private let inboxes = Mutex<[String: CallInbox]>([:])

    public init(pbx: VOIspeedPBX, settings: Settings, logger: Logger) {
        self.pbx = pbx
        self.settings = settings
        self.logger = logger
    }

    /// Calls being watched now.
    public var callsInProgress: Int { inboxes.withLock { $0.count } }

    public func placeCall(from callingDevice: String?, to number: String, noAnswerAfter: Duration) async -> CallOutcome {
        let inbox = CallInbox()
        let watch = VOIspeedCallWatch<ContinuousClock.Instant>(
            callee: number, connectTo: callingDevice ?? settings.connectTo, interface: settings.interface,
            noAnswerAfter: noAnswerAfter, settings: settings.watch)
        // The exchanges run in a task of their own: the caller's cancellation (an acknowledgement)
        // must not abort the request that clears the call.
        let running = Task { await self.follow(watch, inbox: inbox) }
        let outcome = await withTaskCancellationHandler {
            await running.value
        } onCancel: {
            inbox.cancel()
        }
        pbx.count(Self.counter(outcome))
        return Self.callOutcome(outcome)
    }

    /// An A.N.S. event from the PBX; one about no call in progress is dropped.
    public func receive(_ event: VOIspeedEvent) {
        guard let id = event.callID, let inbox = inboxes.withLock({ $0[id] }) else { return }
        inbox.deliver(event)
    }

    private func follow(_ watch: VOIspeedCallWatch<ContinuousClock.Instant>, inbox: CallInbox) async -> VOIspeedCallOutcome {
        var watch = watch
        let callee = watch.callee
        pbx.count("calls")
        var step = watch.start()
        var registeredID: String?
        defer {
            if let registeredID { inboxes.withLock { _ = $0.removeValue(forKey: registeredID) } }
        }
        while true {
            switch step {
            case .place(let request):
                logger.info("placing a VOIspeed escalation call", metadata: ["pbx": "\(pbx.settings.name)", "callee": "\(callee)", "query": "\(request.query)"])
                let placed = await pbx.send(request)
                if inbox.isCancelled { _ = watch.cancelled(at: .now) }
                step = watch.placed(placed, at: .now)
                if let id = watch.callID {
                    registeredID = id
                    inboxes.withLock { $0[id] = inbox }
                }
            case .poll(let at):
                switch await inbox.wait(until: at) {
                case .cancelled:
                    // Watching, so the watch asks for the clearing; the fallback only keeps a
                    // watch that already has its outcome from waiting again.
                    step = watch.cancelled(at: .now) ?? .finish(watch.outcome ?? .cancelled)
                case .events(let events):
                    for event in events {
                        if let next = watch.received(event, at: .now) {
                            step = next
                            break
                        }
                    }
                case .time:
                    let calls = await pbx.currentCalls()
                    if inbox.isCancelled, let next = watch.cancelled(at: .now) {
                        step = next
                    } else {
                        step = watch.polled(calls, at: .now)
                    }
                }
            case .clear(let id, let outcome):
                await clear(id, callee: callee)
                return outcome
            case .finish(let outcome):
                return outcome
            case .wait:
                // Only a cancellation while placing waits, and `placed` always moves on.
                return .failed("the call to \(callee) stalled in Tocsin (no step after placing it)")
            }
        }
    }

    /// `srv=1`, tried again while the PBX does not answer; `result=7` (call ID not found) means the
    /// call is already gone, which is what was wanted.
    private func clear(_ id: String, callee: String) async {
        for attempt in 1...settings.clearAttempts {
            let result = await pbx.send(.disconnectCall(callID: id))
            switch result {
            case .success(let answer) where answer.result == .ok || answer.result == .callIDNotFound:
                pbx.count("cleared")
                logger.info("cleared a VOIspeed call", metadata: ["call": "\(id)", "callee": "\(callee)", "result": "\(answer.result)"])
                return
            case .success(let answer):
                logger.warning("the VOIspeed PBX refused to clear a call; it ends at the PBX's own timeout", metadata: [
                    "call": "\(id)", "callee": "\(callee)", "result": "\(answer.result)",
                ])
                return
            case .failure(let fault) where fault.isRetryable && attempt < settings.clearAttempts:
                try? await Task.sleep(for: settings.clearRetryDelay)
            case .failure(let fault):
                logger.warning("a VOIspeed call could not be cleared; it ends at the PBX's own timeout", metadata: [
                    "call": "\(id)", "callee": "\(callee)", "fault": "\(fault)",
                ])
                return
            }
        }
    }

    static func counter(_ outcome: VOIspeedCallOutcome) -> String {
        switch outcome {
        case .answered: "answered"
        case .noAnswer: "no-answer"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    /// The alarm core's words for the watch's outcomes.
    static func callOutcome(_ outcome: VOIspeedCallOutcome) -> CallOutcome {
        switch outcome {
        case .answered(let detail): .answered(detail: detail)
        case .noAnswer(let detail): .noAnswer(detail: detail)
        case .failed(let detail): .failed(detail: detail)
        case .cancelled: .cancelled
        }
    }
}

/// What wakes a call's loop besides its timer: a cancellation, or A.N.S. events.
final class CallInbox: Sendable {
    enum Wake: Sendable {
        case time
        case cancelled
        case events([VOIspeedEvent])
    }

    private struct State {
        var cancelled = false
        var events: [VOIspeedEvent] = []
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func cancel() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.cancelled = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func deliver(_ event: VOIspeedEvent) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.events.append(event)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns at `deadline`, or sooner for a cancellation or events.
    func wait(until deadline: ContinuousClock.Instant) async -> Wake {
        if let wake = pending() { return wake }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            group.addTask { await self.signalled() }
            await group.next()
            group.cancelAll()
        }
        return pending() ?? .time
    }

    private func pending() -> Wake? {
        state.withLock { state in
            if state.cancelled { return .cancelled }
            if !state.events.isEmpty {
                defer { state.events.removeAll() }
                return .events(state.events)
            }
            return nil
        }
    }

    /// Waits until `cancel` or `deliver` is called; returns at once when either already was, or
    /// when the waiting task is cancelled (the timer won).
    private func signalled() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    // Checked under the lock: a task cancellation that came before the waiter is
                    // stored is seen here, one that comes after finds the waiter stored.
                    if state.cancelled || !state.events.isEmpty || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
