/// How far an escalation call has come. `finished` is reported exactly once per call and carries
/// its outcome; the states before it are progress for the alarm's history.
public enum CSTACallState: Sendable, Hashable {
    /// MakeCall is on the wire (or queued behind Uni-tel's one outstanding request).
    case dialling
    /// The PBX accepted MakeCall; this is the calling device's connection.
    case originated(CSTAConnectionID)
    /// The called party is alerting (DeliveredEvent); the no-answer timer restarts here.
    case ringing(alertingDevice: String?)
    case finished(CSTACallOutcome)
}

/// How an escalation call ended.
public enum CSTACallOutcome: Sendable, Hashable, CustomStringConvertible {
    /// The called party answered (EstablishedEvent from a device other than the calling device).
    case answered(answeringDevice: String?)
    case failed(CSTACallFailure)
    case noAnswer(CSTANoAnswerReason)
    /// Tocsin hung up first (`hangUp`), for example because the alarm was acknowledged elsewhere.
    case cancelled

    public var description: String {
        switch self {
        case .answered(let device): "answered" + (device.map { " by \(CSTADevice.number(of: $0))" } ?? "")
        case .failed(let failure): "failed: \(failure)"
        case .noAnswer(let reason): "no answer: \(reason)"
        case .cancelled: "cancelled by Tocsin"
        }
    }
}

public enum CSTACallFailure: Sendable, Hashable, CustomStringConvertible {
    /// The PBX refused MakeCall (for example `operation invalidCalledDeviceID`).
    case refused(CSTAErrorCode)
    /// A FailedEvent, with its cause (`busy`, `destNotObtainable`, …).
    case failedEvent(cause: String?)
    /// Cleared before being answered with a cause that means failure (`busy`, …). Uni-tel has no
    /// FailedEvent, so this is how it reports a busy callee.
    case clearedBeforeAnswer(cause: String)
    /// The link was down when the call was placed, or was lost before an outcome was seen.
    case linkDown(CSTALinkFault)
    /// The calling device is not among the configured monitored devices, so its events would
    /// never be seen.
    case callingDeviceNotMonitored(String)
    /// A call with this token is already being tracked.
    case duplicateToken
    /// The MakeCall document could not be framed.
    case notSent(CSTAFramingError)

    public var description: String {
        switch self {
        case .refused(let error): "PBX refused MakeCall: \(error)"
        case .failedEvent(let cause): "FailedEvent" + (cause.map { " (\($0))" } ?? "")
        case .clearedBeforeAnswer(let cause): "cleared before answer (\(cause))"
        case .linkDown(let fault): "CSTA link down: \(fault)"
        case .callingDeviceNotMonitored(let device): "calling device \(device) is not a monitored device; add it to the CSTA calling devices"
        case .duplicateToken: "a call with the same token is already in progress"
        case .notSent(let error): error.description
        }
    }
}

public enum CSTANoAnswerReason: Sendable, Hashable, CustomStringConvertible {
    /// Tocsin's own no-answer timer expired; the call was then cleared.
    case timerExpired(after: Duration)
    /// The call was cleared without being answered, with a cause that is not a failure
    /// (`normalClearing`, `callNotAnswered`, …).
    case clearedWithoutAnswer(cause: String?)

    public var description: String {
        switch self {
        case .timerExpired(let after): "not answered within \(after)"
        case .clearedWithoutAnswer(let cause): "cleared without answer" + (cause.map { " (\($0))" } ?? "")
        }
    }
}
