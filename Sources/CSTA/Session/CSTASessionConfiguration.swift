/// What the session machine needs to know about one PBX link.
public struct CSTASessionConfiguration: Sendable, Hashable {
    public var dialect: CSTADialect
    public var login: CSTALogin
    /// `applicationInfo/applicationID`; ECSS-10's sample sends one, Uni-tel's none.
    public var applicationID: String?
    /// The devices MakeCall originates from. Each is monitored, so its calls' events are seen, and
    /// searched with SnapshotDevice after every session start. They should be dedicated to Tocsin
    /// (a virtual extension or an IVR port): calls found on them that Tocsin does not follow are
    /// cleared.
    public var callingDevices: [String]
    /// Seconds asked for in StartApplicationSession and ResetApplicationSessionTimer. The server's
    /// `actualSessionDuration` is what counts (Uni-tel granted 20 s for 60).
    public var requestedSessionDuration: Int
    /// The session is refreshed after this fraction of the granted duration.
    public var refreshFraction: Double
    /// A request not answered within this time (5–10 s) takes the link down.
    public var requestTimeout: Duration
    /// Reconnect delays: the first, doubled after each failure up to the maximum, and back to the
    /// first once the link has been up.
    public var initialReconnectDelay: Duration
    public var maximumReconnectDelay: Duration
    /// Whether calls found by SnapshotDevice after a session start are cleared.
    public var clearsLeftoverCalls: Bool
    /// How long an answered call is followed after its outcome.
    public var answeredCallRetention: Duration

    public init(
        dialect: CSTADialect,
        login: CSTALogin,
        applicationID: String? = nil,
        callingDevices: [String],
        requestedSessionDuration: Int = 300,
        refreshFraction: Double = 0.5,
        requestTimeout: Duration = .seconds(8),
        initialReconnectDelay: Duration = .seconds(1),
        maximumReconnectDelay: Duration = .seconds(30),
        clearsLeftoverCalls: Bool = true,
        answeredCallRetention: Duration = .seconds(3600)
    ) {
        self.dialect = dialect
        self.login = login
        self.applicationID = applicationID
        self.callingDevices = callingDevices
        self.requestedSessionDuration = requestedSessionDuration
        self.refreshFraction = refreshFraction
        self.requestTimeout = requestTimeout
        self.initialReconnectDelay = initialReconnectDelay
        self.maximumReconnectDelay = maximumReconnectDelay
        self.clearsLeftoverCalls = clearsLeftoverCalls
        self.answeredCallRetention = answeredCallRetention
    }

    /// Eltex ECSS-10 with its `SessionLoginInfo` login.
    public static func eltexECSS10(userName: String, password: String, callingDevices: [String]) -> CSTASessionConfiguration {
        CSTASessionConfiguration(dialect: .eltexECSS10, login: .eltex(userName: userName, password: password),
                                 applicationID: "Tocsin", callingDevices: callingDevices)
    }

    /// Uni-tel with its `vendorData` login.
    public static func uniTel(userID: String, password: String, pbxDomain: String, callingDevices: [String]) -> CSTASessionConfiguration {
        CSTASessionConfiguration(dialect: .uniTel(pbxDomain: pbxDomain),
                                 login: .uniTel(userID: userID, password: password, pbxDomain: pbxDomain),
                                 callingDevices: callingDevices, requestedSessionDuration: 60)
    }
}
