/// What the session asks its caller (the client service) to do, in order.
public enum CSTAAction<Instant: InstantProtocol>: Sendable, Hashable {
    /// Open the TCP or TLS connection, then report `connected(attempt:at:)` or
    /// `connectFailed(attempt:reason:at:)` with this attempt number.
    case connect(attempt: Int)
    /// Write these bytes (one complete frame) to the connection.
    case send([UInt8])
    /// Close the connection (after writing what was sent before). Do not report it as lost: the
    /// session already knows, and has scheduled what comes next.
    case close(CSTALinkFault)
    /// Call `tick(at:)` at this instant. Replaces any earlier request.
    case scheduleTimer(at: Instant)
    /// The session is established, the monitors run and leftover calls were cleared.
    case linkUp(sessionID: String, sessionDuration: Duration)
    /// The link is down (repeated with the latest reason while reconnecting fails).
    case linkDown(CSTALinkFault)
    case callState(CSTACallToken, CSTACallState)
    /// Log this.
    case notice(CSTANotice)
}
