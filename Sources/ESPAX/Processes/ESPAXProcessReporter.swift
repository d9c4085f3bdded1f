#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decides, for one process and the session that started it, which indications the client gets in
/// each reporting mode. It remembers whether `IND.P-ENDED` was already sent, so a client never gets
/// two for one process (in callisto mode the alarm outlives its reported end).
///
/// - callisto: `started` → `IND.P-STARTED Active`; `.dispatched` → `IND.P-ENDED Finished` with
///   `SP-RESULT None` (`Failure` with `Negative` when no destination took it); destination outcomes
///   send nothing; `.ended` sends `IND.P-ENDED` only if the end was not reported yet (for example a
///   `REQ.P-STOP` before the pushes were out gives `Client`).
/// - tracked: `started` → `IND.P-STARTED Active`; each destination outcome → `IND.P-EVENT`
///   (`Reached` when a device took it, `Accepted` when a person acknowledged, `Not reached` when it
///   failed); `.dispatched` sends nothing; `.ended` → `IND.P-ENDED` with the alarm's end reason and
///   `SP-RESULT` `Positive confirmed` (acknowledged), `Positive` (delivered, not acknowledged) or
///   `Negative` (nothing delivered).
public struct ESPAXProcessReporter: Sendable, Hashable {
    public let mode: ESPAXReportingMode
    public let sessionID: String
    public let process: ESPAXProcessIdentity
    public private(set) var hasReportedEnd = false

    public init(mode: ESPAXReportingMode, sessionID: String, process: ESPAXProcessIdentity) {
        self.mode = mode
        self.sessionID = sessionID
        self.process = process
    }

    /// `IND.P-STARTED`, sent right after `RSP.P-START` 200.
    public func started(created: Date?) -> [ESPAXServerMessage] {
        [.processStarted(ESPAXProcessStarted(sessionID: sessionID, process: process, created: created, status: .active))]
    }

    /// The indications for one change, in order; empty when this mode tells the client nothing.
    public mutating func report(_ change: ESPAXProcessChange, at time: Date?) -> [ESPAXServerMessage] {
        guard !hasReportedEnd else { return [] }
        switch (mode, change) {
        case (.callisto, .dispatched(let anyAccepted)):
            return [ended(anyAccepted ? .finished : .failure, result: anyAccepted ? .none : .negative, info: nil, at: time)]
        case (.callisto, .destination):
            return []
        case (.callisto, .ended(let reason, _, _, let info)):
            return [ended(reason, result: .none, info: info, at: time)]
        case (.tracked, .dispatched):
            return []
        case (.tracked, .destination(let destination)):
            let result: ESPAXEventResult = switch destination.outcome {
            case .accepted: .reached
            case .acknowledged: .accepted
            case .failed: .notReached
            }
            return [.processEvent(ESPAXProcessEvent(
                sessionID: sessionID, reference: process.reference, tan: process.tan,
                networkNumber: destination.number, networkName: destination.name,
                direction: .outbound, status: .completed, result: result))]
        case (.tracked, .ended(let reason, let acknowledged, let anyAccepted, let info)):
            let result: ESPAXProcessResult = acknowledged ? .positiveConfirmed : (anyAccepted ? .positive : .negative)
            return [ended(reason, result: result, info: info, at: time)]
        }
    }

    /// `IND.P-STATUS` for a `REQ.P-GETSTAT`. A process whose end was reported is `Postprocessing`
    /// to the client even while its alarm is still open.
    public func status(created: Date?, acknowledged: Bool) -> ESPAXServerMessage {
        .processStatus(ESPAXProcessStatusReport(
            sessionID: sessionID, process: process, created: created,
            status: hasReportedEnd ? .postprocessing : .active,
            result: acknowledged ? .positiveConfirmed : .none, answersGetStat: true))
    }

    private mutating func ended(_ reason: ESPAXEndReason, result: ESPAXProcessResult, info: String?, at time: Date?) -> ESPAXServerMessage {
        hasReportedEnd = true
        return .processEnded(ESPAXProcessEnded(sessionID: sessionID, process: process, created: time,
                                               endReason: reason, endInfo: info, result: result))
    }
}
