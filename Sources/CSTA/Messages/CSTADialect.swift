/// How one PBX family speaks CSTA: the framing, the namespaces, the login, and the quirks the
/// session machine must respect. `eltexECSS10` and `uniTel` are the two targeted dialects
/// (csta.md §6, §7); every property can be changed for a PBX that behaves slightly differently.
public struct CSTADialect: Sendable, Hashable {
    public enum Framing: String, Sendable, Hashable {
        /// ECMA-323 Annex J.2: an 8-byte header with length and invoke ID.
        case annexJ
        /// One document per NUL-terminated piece, without invoke IDs.
        case nulDelimited
    }

    public var name: String
    public var framing: Framing
    /// Default namespace on ECMA-354 session messages; nil writes none.
    public var sessionNamespace: String?
    /// Default namespace on ECMA-323 messages; nil writes none.
    public var cstaNamespace: String?
    /// The CSTA edition asked for in `requestedProtocolVersions`; nil leaves the element out.
    public var protocolVersion: String?
    /// Whether documents start with `<?xml version="1.0" encoding="UTF-8"?>`.
    public var writesXMLDeclaration: Bool
    /// Whether device numbers carry `typeOfNumber="dialingNumber"` (ECSS-10 does).
    public var writesTypeOfNumber: Bool
    /// The element name used for a connection's device: ECSS-10 writes `deviceID`, Uni-tel's
    /// ClearConnection example `deviceId`. Reading accepts both.
    public var deviceIDElementName: String
    /// Whether `ResetApplicationSessionTimer` names the session (Uni-tel's example does not).
    public var resetCarriesSessionID: Bool
    /// `autoOriginate` on MakeCall, so that the calling device is connected without someone
    /// lifting its handset; nil leaves the element out.
    public var autoOriginate: AutoOriginate?
    /// Whether MonitorStart carries the event filter written by `CSTARequest` (which reports every
    /// call-control event the tracker uses); when false the server default applies.
    public var writesMonitorFilter: Bool
    /// At most this many requests on the wire at once; nil for no limit. Uni-tel's stream carries
    /// no invoke IDs, so responses are matched by order and only one may be outstanding.
    public var maximumOutstandingRequests: Int?
    /// Appended to the device number in SnapshotDevice (Uni-tel wants `123@<pbxDomain>`).
    public var snapshotDeviceSuffix: String?
    /// Whether the PBX reports busy and unreachable with a FailedEvent. Uni-tel lists none, so a
    /// ConnectionCleared without Established is the only sign there.
    public var sendsFailedEvent: Bool

    public enum AutoOriginate: String, Sendable, Hashable {
        case prompt
        case doNotPrompt
    }

    public static let ecma354Namespace = "http://www.ecma-international.org/standards/ecma-354/appl_session"
    public static let ecma323Ed3Namespace = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"

    public init(
        name: String, framing: Framing, sessionNamespace: String?, cstaNamespace: String?, protocolVersion: String?,
        writesXMLDeclaration: Bool, writesTypeOfNumber: Bool, deviceIDElementName: String, resetCarriesSessionID: Bool,
        autoOriginate: AutoOriginate?, writesMonitorFilter: Bool, maximumOutstandingRequests: Int?,
        snapshotDeviceSuffix: String?, sendsFailedEvent: Bool
    ) {
        self.name = name
        self.framing = framing
        self.sessionNamespace = sessionNamespace
        self.cstaNamespace = cstaNamespace
        self.protocolVersion = protocolVersion
        self.writesXMLDeclaration = writesXMLDeclaration
        self.writesTypeOfNumber = writesTypeOfNumber
        self.deviceIDElementName = deviceIDElementName
        self.resetCarriesSessionID = resetCarriesSessionID
        self.autoOriginate = autoOriginate
        self.writesMonitorFilter = writesMonitorFilter
        self.maximumOutstandingRequests = maximumOutstandingRequests
        self.snapshotDeviceSuffix = snapshotDeviceSuffix
        self.sendsFailedEvent = sendsFailedEvent
    }

    /// Eltex ECSS-10: Annex J.2 over TCP (4721) or TLS (4722), ECMA-323 ed3 with namespaces,
    /// `typeOfNumber="dialingNumber"`. Whether it honours `autoOriginate` is unknown (csta.md §10),
    /// so it is left out as in Eltex's own sample.
    public static let eltexECSS10 = CSTADialect(
        name: "Eltex ECSS-10", framing: .annexJ,
        sessionNamespace: ecma354Namespace, cstaNamespace: ecma323Ed3Namespace, protocolVersion: ecma323Ed3Namespace,
        writesXMLDeclaration: true, writesTypeOfNumber: true, deviceIDElementName: "deviceID",
        resetCarriesSessionID: true, autoOriginate: nil, writesMonitorFilter: true,
        maximumOutstandingRequests: nil, snapshotDeviceSuffix: nil, sendsFailedEvent: true
    )

    /// Uni-tel: NUL-delimited XML over TCP (7001), no namespaces, no invoke IDs, one request at a
    /// time, `autoOriginate=doNotPrompt` as in its examples, SnapshotDevice on `123@<pbxDomain>`.
    public static func uniTel(pbxDomain: String) -> CSTADialect {
        CSTADialect(
            name: "Uni-tel", framing: .nulDelimited,
            sessionNamespace: nil, cstaNamespace: nil, protocolVersion: nil,
            writesXMLDeclaration: false, writesTypeOfNumber: false, deviceIDElementName: "deviceId",
            resetCarriesSessionID: false, autoOriginate: .doNotPrompt, writesMonitorFilter: false,
            maximumOutstandingRequests: 1, snapshotDeviceSuffix: "@" + pbxDomain, sendsFailedEvent: false
        )
    }
}
