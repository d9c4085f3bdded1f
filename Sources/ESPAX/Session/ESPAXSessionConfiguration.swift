/// The settings one ESPA-X session runs with. The defaults follow espax.md §8 and §12.
public struct ESPAXSessionConfiguration: Sendable, Hashable {
    /// How Tocsin names itself in `RSP.LOGIN` and `IND.ERROR`.
    public var server: ESPAXServerIdentity
    /// A logged-in session with no heartbeat (or, see `anyRequestIsLiveness`, no request) for this
    /// long is closed. 70 s covers the tetronik (55 s), ESP32 (50 s) and Icinga (5 s) clients with
    /// Callisto's advised 20 % margin.
    public var heartbeatInterval: Duration
    /// A connection that has not logged in this long after connecting is closed, so idle sockets
    /// cannot pile up.
    public var loginTimeout: Duration
    /// Largest frame accepted, header included; larger ones close the connection with 600.
    public var maximumMessageSize: Int
    /// Callisto's two texts disagree on what keeps a session alive (espax.md §8); by default any
    /// request carrying the right sessionID does, not only `REQ.HEARTBEAT`.
    public var anyRequestIsLiveness: Bool
    /// Frames that may arrive while the credential check runs; they are answered once it is
    /// decided. More than this closes the connection.
    public var maximumFramesDuringLogin: Int

    public init(
        server: ESPAXServerIdentity = ESPAXServerIdentity(),
        heartbeatInterval: Duration = .seconds(70),
        loginTimeout: Duration = .seconds(30),
        maximumMessageSize: Int = EXFrameDecoder.defaultMaximumMessageSize,
        anyRequestIsLiveness: Bool = true,
        maximumFramesDuringLogin: Int = 16
    ) {
        self.server = server
        self.heartbeatInterval = heartbeatInterval
        self.loginTimeout = loginTimeout
        self.maximumMessageSize = maximumMessageSize
        self.anyRequestIsLiveness = anyRequestIsLiveness
        self.maximumFramesDuringLogin = maximumFramesDuringLogin
    }
}
