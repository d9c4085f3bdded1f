#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the session asks its caller to do, in order. The caller writes `send` frames in the order
/// given, performs the requests, and after `close` writes what was sent before it and then closes
/// the connection.
public enum ESPAXAction: Sendable, Hashable {
    /// Write this message. `headerNumber` goes in bytes 6–9.
    case send(ESPAXServerMessage, headerNumber: UInt32)
    /// Check these credentials (against the caller's stored hashes), then call
    /// `ESPAXSession.completeLogin(_:at:sessionID:)` with the verdict. The caller may delay the
    /// verdict to slow down repeated failures from one address.
    case checkCredentials(ESPAXLoginRequest)
    /// Journal an alarm for this `REQ.P-START` (or refuse it with 450 when its `CP-PR-REF` is still
    /// running for this client, or with the unknown-group policy), then send `RSP.P-START` through
    /// `context`.
    case startProcess(ESPAXProcessStartRequest, ESPAXRequestContext)
    /// End the selected process (`Client`) and answer `RSP.P-STOP` 200, or 410 when it is unknown
    /// or already ended.
    case stopProcess(ESPAXProcessSelector, ESPAXRequestContext)
    /// Answer `RSP.P-GETSTAT` 200, then one `IND.P-STATUS` per matching process and `IND.P-SYNC`.
    case queryProcesses(ESPAXProcessQuery, ESPAXRequestContext)
    /// Flush what was sent and close the connection; log `reason`.
    case close(ESPAXCloseReason)

    /// The frame to write for a `send`, nil for every other action.
    public func frame(timestamp: Date? = nil) -> EXFrame? {
        guard case .send(let message, let number) = self else { return nil }
        return message.frame(timestamp: timestamp, headerNumber: number)
    }
}

/// Who asked, so that the caller can answer a request it performs later.
public struct ESPAXRequestContext: Sendable, Hashable {
    public var invokeID: UInt64
    public var sessionID: String
    /// `LI-CLIENT` of the session: duplicates of `CP-PR-REF` are judged per client.
    public var client: String
    public var user: String

    public init(invokeID: UInt64, sessionID: String, client: String, user: String) {
        self.invokeID = invokeID
        self.sessionID = sessionID
        self.client = client
        self.user = user
    }

    /// The response header for this request.
    public func response(_ code: ESPAXResponseCode, info: String? = nil) -> ESPAXResponse {
        ESPAXResponse(invokeID: invokeID, sessionID: sessionID, code: code, info: info)
    }

    /// `RSP.P-START` for this request. `tan` is the alarm id; send 0 when no alarm was made.
    public func processStartResponse(
        _ code: ESPAXResponseCode, reference: String?, tan: UInt64, info: String? = nil, load: ESPAXLoad? = nil
    ) -> ESPAXAction {
        .send(.processStartResponse(response(code, info: info), reference: reference, tan: tan, load: load),
              headerNumber: EXFrame.headerNumber(forInvokeID: invokeID))
    }

    public func processStopResponse(_ code: ESPAXResponseCode, info: String? = nil) -> ESPAXAction {
        .send(.processStopResponse(response(code, info: info)), headerNumber: EXFrame.headerNumber(forInvokeID: invokeID))
    }

    public func processGetStatResponse(_ code: ESPAXResponseCode, info: String? = nil) -> ESPAXAction {
        .send(.processGetStatResponse(response(code, info: info)), headerNumber: EXFrame.headerNumber(forInvokeID: invokeID))
    }
}

/// Why the session asked for the connection to be closed.
public enum ESPAXCloseReason: Sendable, Hashable, CustomStringConvertible {
    case logout
    case badCredentials(client: String, user: String)
    case loginRefused(ESPAXResponseCode, info: String)
    case framingError(EXFramingError)
    case heartbeatExpired(silentFor: Duration, limit: Duration)
    case loginTimeout(after: Duration)
    case tooManyFramesDuringLogin(limit: Int)
    case shutdown(ESPAXShutdownReason)

    public var description: String {
        switch self {
        case .logout: "client logged out"
        case .badCredentials(let client, let user): "bad credentials for client '\(client)', user '\(user)'"
        case .loginRefused(let code, let info): "login refused with \(code.rawValue) \(code.reason): \(info)"
        case .framingError(let error): error.description
        case .heartbeatExpired(let silent, let limit): "no heartbeat for \(silent), over the configured heartbeat interval of \(limit)"
        case .loginTimeout(let after): "no successful REQ.LOGIN within \(after) of connecting"
        case .tooManyFramesDuringLogin(let limit): "more than \(limit) messages sent before RSP.LOGIN"
        case .shutdown(let reason): "server shutting down (\(reason.rawValue))"
        }
    }
}

/// The caller's answer to `checkCredentials`.
public enum ESPAXLoginVerdict: Sendable, Hashable {
    case accepted
    /// Unknown client or user, or a wrong password: `RSP.LOGIN` 401, then close.
    case badCredentials
    /// Refused for another reason, for example 503 when the client already has its maximum number
    /// of sessions: `RSP.LOGIN` with that code, then close.
    case refused(ESPAXResponseCode, info: String)
}
