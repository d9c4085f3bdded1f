/// How one escalation call through VOIspeed ended.
public enum VOIspeedCallOutcome: Sendable, Hashable, CustomStringConvertible {
    case answered(String)
    case noAnswer(String)
    case failed(String)
    /// Tocsin hung up because the alarm no longer needed the call.
    case cancelled

    public var description: String {
        switch self {
        case .answered(let detail): "answered: \(detail)"
        case .noAnswer(let detail): "no-answer: \(detail)"
        case .failed(let detail): "failed: \(detail)"
        case .cancelled: "cancelled"
        }
    }
}

/// Follows one escalation call from `srv=0` to its outcome, with time passed in.
///
/// The callee is the call's *first* party: the PBX rings `callee` through the configured
/// interface and, once the callee is connected, calls `connectTo` (an announcement or a desk
/// phone) by its routing. That is the order of the seed's own example, where the A.N.S. "call
/// answered" event names the first number as `connected_number`, and it makes the PBX's
/// `timeout` ("the maximum time to wait for the call to be connected") the callee's ringing time.
///
/// The call's state comes from polling the current calls (`srv=3&info=7`) and, when the PBX sends
/// them, from A.N.S. events:
///
/// - **answered**: the call's row is connected (the busy state) or held (only a connected call
///   can be held or queued), or the PBX is already calling `connectTo` (it does that only after
///   the callee is connected), or a final "call answered" event for the callee;
/// - **no answer**: Tocsin's deadline (`noAnswerAfter` from the PBX's answer to `srv=0`) passes
///   first, and the call is cleared with `srv=1`; or the call leaves the list without having
///   been answered; or a timeout event says nobody answered;
/// - **failed**: the PBX refuses `srv=0` or cannot be asked; the call never shows up in the list;
///   the polls keep failing, so Tocsin has lost sight of the call (it is cleared); an outgoing
///   call event reports busy, unreachable or refused;
/// - **cancelled**: the alarm no longer needs the call. A cancellation while `srv=0` is still
///   out waits for its answer, so the call can be cleared by its id.
///
/// An unknown status is never taken for an answer: a false "answered" would stop the chain, a
/// false "no answer" only calls the next number.
public struct VOIspeedCallWatch<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public struct Settings: Sendable, Hashable {
        /// The pause between two polls of the current calls.
        public var pollInterval: Duration
        /// Failed polls in a row after which the call is given up as lost from sight.
        public var pollFailureLimit: Int
        /// Polls in a row that do not list a call never seen, after which it counts as not
        /// having got through. The PBX lists a call as soon as it answers `srv=0`; a few polls
        /// allow for a PBX that is slower than that.
        public var unseenPollLimit: Int
        /// Added to `noAnswerAfter` for the PBX's own `timeout`, so Tocsin's clearing is the rule
        /// and the PBX's limit only the backstop for when Tocsin cannot clear.
        public var pbxTimeoutMargin: Duration

        public init(pollInterval: Duration = .seconds(1), pollFailureLimit: Int = 3, unseenPollLimit: Int = 3, pbxTimeoutMargin: Duration = .seconds(5)) {
            self.pollInterval = max(pollInterval, .milliseconds(10))
            self.pollFailureLimit = max(1, pollFailureLimit)
            self.unseenPollLimit = max(1, unseenPollLimit)
            self.pbxTimeoutMargin = pbxTimeoutMargin
        }
    }

    /// What the watch asks of the dialer next.
    public enum Step: Sendable, Hashable {
        /// Send `srv=0` with this request, then report its answer with `placed`.
        case place(VOIspeedRequest)
        /// Poll the current calls at this instant, then report with `polled`. The last poll is at
        /// the deadline: one look before clearing, so an answer in the last second counts.
        case poll(at: Instant)
        /// Send `srv=1` for the call, then report the outcome.
        case clear(callID: String, then: VOIspeedCallOutcome)
        /// Report the outcome; nothing is left to clear.
        case finish(VOIspeedCallOutcome)
        /// Nothing to do until the exchange in flight answers.
        case wait
    }

    private enum Phase: Sendable, Hashable {
        case placing
        case watching(callID: String)
        case done(VOIspeedCallOutcome)
    }

    public let callee: String
    public let connectTo: String
    public let interface: VOIspeedInterface?
    public let noAnswerAfter: Duration
    public let settings: Settings
    private var phase: Phase = .placing
    private var cancelRequested = false
    public private(set) var deadline: Instant?
    private var placedAt: Instant?
    private var lastStatus: VOIspeedCallStatus?
    private var failedPolls = 0
    private var unseenPolls = 0

    public init(callee: String, connectTo: String, interface: VOIspeedInterface?, noAnswerAfter: Duration, settings: Settings = Settings()) {
        self.callee = callee
        self.connectTo = connectTo
        self.interface = interface
        self.noAnswerAfter = noAnswerAfter
        self.settings = settings
    }

    /// `srv=0` for this call. The PBX's `timeout` is whole seconds, rounded up, plus the margin.
    public var request: VOIspeedRequest {
        let seconds = Self.wholeSecondsRoundedUp(noAnswerAfter + settings.pbxTimeoutMargin)
        return .placeCall(firstNumber: callee, secondNumber: connectTo, firstInterface: interface, timeoutSeconds: max(1, seconds))
    }

    /// The call's id once the PBX has named it.
    public var callID: String? {
        if case .watching(let id) = phase { return id }
        return nil
    }

    public var outcome: VOIspeedCallOutcome? {
        if case .done(let outcome) = phase { return outcome }
        return nil
    }

    public mutating func start() -> Step {
        .place(request)
    }

    /// The answer to `srv=0` (or why there was none).
    public mutating func placed(_ result: Result<VOIspeedAnswer, VOIspeedFault>, at now: Instant) -> Step {
        guard case .placing = phase else { return .wait }
        let answer: VOIspeedAnswer
        switch result {
        case .failure(let fault):
            // Without an answer there is no call id: if the PBX did place the call, its own
            // timeout ends it.
            return finish(cancelRequested ? .cancelled : .failed("the call to \(callee) could not be placed: \(fault)"))
        case .success(let success):
            answer = success
        }
        if let refusal = answer.refusal(of: .placeCall, peer: "the PBX") {
            return finish(cancelRequested ? .cancelled : .failed("\(refusal)"))
        }
        guard let id = answer.callID else {
            let given = answer.keywords["call_id"].map { "call_id=\(VOIspeedText.quoted($0)), which is not a call id" } ?? "no call_id"
            return finish(cancelRequested ? .cancelled : .failed(
                "the PBX placed the call to \(callee) (result=0) but gave \(given); it cannot be followed or cleared and rings until the PBX's own timeout"))
        }
        phase = .watching(callID: id)
        placedAt = now
        deadline = now.advanced(by: noAnswerAfter)
        if cancelRequested { return clear(.cancelled) }
        return .poll(at: nextPoll(after: now))
    }

    /// The answer to `srv=3&info=7` (or why there was none).
    public mutating func polled(_ answer: Result<VOIspeedCallList, VOIspeedFault>, at now: Instant) -> Step {
        guard case .watching(let id) = phase, let deadline else { return terminalStep }
        if cancelRequested { return clear(.cancelled) }
        let list: VOIspeedCallList
        switch answer {
        case .failure(let fault):
            failedPolls += 1
            if failedPolls >= settings.pollFailureLimit {
                return clear(.failed("Tocsin lost sight of call \(id) to \(callee): \(failedPolls) polls in a row failed, the last with: \(fault)"))
            }
            if now >= deadline {
                return clear(.noAnswer("call \(id) to \(callee) was not seen answered within \(Self.seconds(noAnswerAfter)) (the last poll failed: \(fault)); Tocsin cleared it"))
            }
            return .poll(at: nextPoll(after: now))
        case .success(let success):
            list = success
            failedPolls = 0
        }
        guard let row = list.call(id: id) else {
            if let lastStatus {
                return finish(.noAnswer("call \(id) to \(callee) ended without an answer (last seen \(lastStatus))"))
            }
            unseenPolls += 1
            if unseenPolls >= settings.unseenPollLimit {
                return finish(.failed("the PBX never listed call \(id) to \(callee) among its current calls: it did not get through (busy, unreachable or refused)"))
            }
            if now >= deadline {
                return clear(.noAnswer("call \(id) to \(callee) was never listed by the PBX within \(Self.seconds(noAnswerAfter)); Tocsin cleared it"))
            }
            return .poll(at: nextPoll(after: now))
        }
        lastStatus = row.status
        switch row.status {
        case .connected, .held:
            return finish(.answered("call \(id) to \(callee) answered after \(elapsed(at: now)) (\(row.status))"))
        case .ended:
            return finish(.noAnswer("call \(id) to \(callee) ended without an answer (\(row.status))"))
        case .setup, .ringing, .unknown:
            if !connectTo.isEmpty, connectTo != callee, row.calledParty == connectTo {
                return finish(.answered("call \(id) to \(callee) answered after \(elapsed(at: now)): the PBX is now calling \(connectTo) (\(row.status))"))
            }
        }
        if now >= deadline {
            return clear(.noAnswer("call \(id) to \(callee) rang \(Self.seconds(noAnswerAfter)) without an answer (last seen \(row.status)); Tocsin cleared it"))
        }
        return .poll(at: nextPoll(after: now))
    }

    /// An A.N.S. event. Returns nil when it is not about this call or changes nothing.
    public mutating func received(_ event: VOIspeedEvent, at now: Instant) -> Step? {
        guard case .watching(let id) = phase, event.callID == id else { return nil }
        if cancelRequested { return clear(.cancelled) }
        switch event.kind {
        case .callAnswered:
            // A provisional answer, or one for the second party (connectTo), is not the callee's.
            guard event.isFinal, event.routingResult == nil || event.routingResult == .ok else { return nil }
            if let number = event.connectedNumber, number != callee { return nil }
            return finish(.answered("call \(id) to \(callee) answered after \(elapsed(at: now)) (A.N.S. call answered event)"))
        case .outgoingCall:
            guard let result = event.routingResult, result != .ok, result.rawValue != 11, event.parameters["called"] == callee else { return nil }
            return clear(.failed("call \(id) to \(callee) did not get through: \(result) (A.N.S. outgoing call event)"))
        case .timeout:
            guard event.info == "1", lastStatus.map(Self.isAnswered) != true else { return nil }
            return finish(.noAnswer("call \(id) to \(callee): nobody answered (A.N.S. timeout event)"))
        case .incomingDisconnect, .outgoingDisconnect:
            guard lastStatus.map(Self.isAnswered) != true else { return nil }
            return finish(.noAnswer("call \(id) to \(callee) was disconnected before an answer (A.N.S. disconnect event)"))
        default:
            return nil
        }
    }

    /// The alarm no longer needs the call. Returns `wait` while `srv=0` is still out (the answer
    /// then leads to the clearing), and nil once the outcome is known.
    public mutating func cancelled(at now: Instant) -> Step? {
        switch phase {
        case .placing:
            cancelRequested = true
            return .wait
        case .watching:
            cancelRequested = true
            return clear(.cancelled)
        case .done:
            return nil
        }
    }

    /// When the dialer should wake next, given the watch asked for a poll at `at`.
    private func nextPoll(after now: Instant) -> Instant {
        guard let deadline else { return now.advanced(by: settings.pollInterval) }
        let next = now.advanced(by: settings.pollInterval)
        return next < deadline ? next : deadline
    }

    private var terminalStep: Step {
        if case .done(let outcome) = phase { return .finish(outcome) }
        return .wait
    }

    private mutating func finish(_ outcome: VOIspeedCallOutcome) -> Step {
        phase = .done(outcome)
        return .finish(outcome)
    }

    private mutating func clear(_ outcome: VOIspeedCallOutcome) -> Step {
        guard case .watching(let id) = phase else { return finish(outcome) }
        phase = .done(outcome)
        return .clear(callID: id, then: outcome)
    }

    private func elapsed(at now: Instant) -> String {
        guard let placedAt else { return "0 s" }
        return Self.seconds(placedAt.duration(to: now))
    }

    private static func isAnswered(_ status: VOIspeedCallStatus) -> Bool {
        switch status {
        case .connected, .held: true
        default: false
        }
    }

    static func wholeSecondsRoundedUp(_ duration: Duration) -> Int {
        let parts = duration.components
        return Int(parts.seconds) + (parts.attoseconds > 0 ? 1 : 0)
    }

    /// `30 s`, `1.5 s`
    static func seconds(_ duration: Duration) -> String {
        let parts = duration.components
        let tenths = parts.attoseconds / 100_000_000_000_000_000
        return tenths == 0 ? "\(parts.seconds) s" : "\(parts.seconds).\(tenths) s"
    }
}
