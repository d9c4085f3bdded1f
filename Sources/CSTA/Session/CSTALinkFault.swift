/// Why the CSTA link is down or was closed. Each is named so that an integrator can act on it:
/// credentials, a device number, an unreachable PBX, a PBX that stopped answering.
public enum CSTALinkFault: Error, Sendable, Hashable, CustomStringConvertible {
    /// The TCP or TLS connection could not be opened (the service's own words).
    case connectFailed(String)
    /// The peer closed the connection, or it broke.
    case connectionLost(String)
    /// The byte stream went out of sync; the connection is closed rather than resynchronised.
    case framing(CSTAFramingError)
    /// StartApplicationSession was refused (NegResponse or CSTAErrorCode).
    case sessionRefused(String)
    /// ResetApplicationSessionTimer was refused: the session is dead.
    case sessionRefreshRefused(String)
    /// The server sent ApplicationSessionTerminated.
    case sessionTerminated(reason: String?)
    /// MonitorStart on a calling device was refused, so its calls could not be followed.
    case monitorRefused(device: String, CSTAErrorCode)
    /// A request got no answer in time; the PBX is not to be trusted with the next one.
    case requestTimedOut(request: String, after: Duration)
    /// The answer does not fit the request it was matched with.
    case unexpectedResponse(request: String, received: String)
    /// All 9,998 request invoke IDs are outstanding: the PBX answers nothing.
    case invokeIDsExhausted(request: String)
    /// The link is not up (not yet connected, or waiting to reconnect).
    case notConnected
    /// Tocsin stopped the client.
    case stopped

    public var description: String {
        switch self {
        case .connectFailed(let reason): "could not connect to the PBX: \(reason)"
        case .connectionLost(let reason): "connection to the PBX lost: \(reason)"
        case .framing(let error): error.description
        case .sessionRefused(let reason): "PBX refused StartApplicationSession: \(reason)"
        case .sessionRefreshRefused(let reason): "PBX refused ResetApplicationSessionTimer: \(reason)"
        case .sessionTerminated(let reason): "PBX terminated the application session" + (reason.map { " (\($0))" } ?? "")
        case .monitorRefused(let device, let error): "PBX refused MonitorStart on calling device \(device): \(error)"
        case .requestTimedOut(let request, let after): "PBX did not answer \(request) within \(after)"
        case .unexpectedResponse(let request, let received): "PBX answered \(request) with \(received)"
        case .invokeIDsExhausted(let request): "\(request) not sent: all 9998 invoke IDs are waiting for an answer"
        case .notConnected: "CSTA link is not up"
        case .stopped: "CSTA client stopped"
        }
    }
}
