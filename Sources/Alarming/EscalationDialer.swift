/// The escalation side of a PBX: something that rings a number and says whether a person answered.
/// The CSTA client and the VOIspeed driver implement it; `AlarmService` runs the chain, so that
/// every call and its outcome is journalled in one place.
public protocol EscalationDialer: Sendable {
    /// Names the dialer in logs and in the alarm's history, such as `csta` or `voispeed`.
    var name: String { get }
    /// Places one call and returns when it has an outcome. Never throws for the PBX's failures, and
    /// bounds its own time: a call not answered within `noAnswerAfter` is cleared and ends as
    /// `noAnswer`. When the calling task is cancelled (the alarm was acknowledged elsewhere), the
    /// dialer clears the call, even a ringing one, and returns `cancelled`.
    ///
    /// `callingDevice` nil means the dialer's configured originating device.
    func placeCall(from callingDevice: String?, to number: String, noAnswerAfter: Duration) async -> CallOutcome
}

/// How one escalation call ended.
public enum CallOutcome: Sendable, Hashable, CustomStringConvertible {
    /// A person took the call.
    case answered(detail: String)
    /// It rang (or the callee was away) but nobody answered in time.
    case noAnswer(detail: String)
    /// It could not ring: busy, refused number, PBX link down.
    case failed(detail: String)
    /// Tocsin hung up first because the alarm no longer needed the call.
    case cancelled

    /// The word stored in the journal and shown in REST.
    public var word: String {
        switch self {
        case .answered: "answered"
        case .noAnswer: "no-answer"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    public var detail: String {
        switch self {
        case .answered(let detail), .noAnswer(let detail), .failed(let detail): detail
        case .cancelled: "cleared by Tocsin: the alarm no longer needs the call"
        }
    }

    public var description: String { "\(word): \(detail)" }

    /// Rebuilds an outcome from its stored word and detail.
    public init?(word: String, detail: String) {
        switch word {
        case "answered": self = .answered(detail: detail)
        case "no-answer": self = .noAnswer(detail: detail)
        case "failed": self = .failed(detail: detail)
        case "cancelled": self = .cancelled
        default: return nil
        }
    }
}
