// ESPAXServer owns ESPA-X on the network: the TCP and TLS listeners (`ESPAXListener`), one NIO
// handler per connection driving the pure `ESPAXSession`, the connection and per-client session
// caps, slowing down repeated login failures, turning `REQ.P-START`/`P-STOP`/`P-GETSTAT` into
// `AlarmService` calls, and reporting each process's alarm events back to its session. The
// protocol itself (framing, XML, the session machine) lives in `ESPAX`; alarm policy in `Alarming`.

import ESPAX

/// What the listener runs with, as `[espax]` in `tocsin.toml` sets it.
public struct ESPAXListenerSettings: Sendable, Hashable {
    public var host: String
    /// Plain TCP port; 0 asks the system for a free port (tests).
    public var port: Int
    /// The TLS port, or nil for no TLS listener. 0 asks the system for a free port.
    public var tlsPort: Int?
    /// PEM certificate chain and private key for the TLS listener.
    public var certificatePath: String?
    public var privateKeyPath: String?
    /// Connections open at once, logged in or not. When full, a new connection pushes out the
    /// oldest one that has not logged in yet, so idle or slow sockets cannot lock clients out.
    public var maximumConnections: Int
    /// Logged-in sessions of one client (`LI-CLIENT`) at once; redundant clients need two.
    public var maximumSessionsPerClient: Int
    public var session: ESPAXSessionConfiguration
    public var reportingMode: ESPAXReportingMode
    /// Delay before answering a login from an address after its first failure; it doubles with
    /// each further failure up to `maximumLoginDelay`, and is forgotten after a success.
    public var loginFailureDelay: Duration
    public var maximumLoginDelay: Duration

    public init(
        host: String = "0.0.0.0", port: Int = 2023, tlsPort: Int? = nil,
        certificatePath: String? = nil, privateKeyPath: String? = nil,
        maximumConnections: Int = 100, maximumSessionsPerClient: Int = 2,
        session: ESPAXSessionConfiguration = ESPAXSessionConfiguration(),
        reportingMode: ESPAXReportingMode = .callisto,
        loginFailureDelay: Duration = .seconds(1), maximumLoginDelay: Duration = .seconds(16)
    ) {
        self.host = host
        self.port = port
        self.tlsPort = tlsPort
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.maximumConnections = maximumConnections
        self.maximumSessionsPerClient = maximumSessionsPerClient
        self.session = session
        self.reportingMode = reportingMode
        self.loginFailureDelay = loginFailureDelay
        self.maximumLoginDelay = maximumLoginDelay
    }
}
