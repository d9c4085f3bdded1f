/// A request Tocsin sends to the PBX (ECMA-354 session services and the ECMA-323 services an
/// escalation call needs), or Tocsin's answer to a server's `SystemStatus`. `document(in:)` writes
/// it in a dialect's shape, children in schema order, without pretty-printing.
public enum CSTARequest: Sendable, Hashable {
    case startApplicationSession(applicationID: String?, login: CSTALogin, requestedSessionDuration: Int)
    case resetApplicationSessionTimer(sessionID: String?, requestedSessionDuration: Int)
    case stopApplicationSession(sessionID: String?)
    case monitorStart(device: String)
    case monitorStop(crossRefID: String)
    case makeCall(callingDevice: String, calledDirectoryNumber: String)
    case clearConnection(CSTAConnectionID)
    case clearCall(CSTAConnectionID)
    case snapshotDevice(device: String)
    /// Not a request: the answer to the server's `SystemStatus`, sent with the server's invoke ID.
    case systemStatusResponse

    /// The root element's name.
    public var name: String {
        switch self {
        case .startApplicationSession: "StartApplicationSession"
        case .resetApplicationSessionTimer: "ResetApplicationSessionTimer"
        case .stopApplicationSession: "StopApplicationSession"
        case .monitorStart: "MonitorStart"
        case .monitorStop: "MonitorStop"
        case .makeCall: "MakeCall"
        case .clearConnection: "ClearConnection"
        case .clearCall: "ClearCall"
        case .snapshotDevice: "SnapshotDevice"
        case .systemStatusResponse: "SystemStatusResponse"
        }
    }

    /// The names of the positive answers to this request. A `CSTAErrorCode` may answer any of them.
    var positiveResponseNames: [String] {
        switch self {
        case .startApplicationSession, .resetApplicationSessionTimer, .stopApplicationSession: [name + "PosResponse"]
        case .systemStatusResponse: []
        default: [name + "Response"]
        }
    }

    /// The ECSS-10 sample's filter with one change: `failed` is reported (false), because a busy or
    /// unreachable callee is an outcome Tocsin must see (csta.md §4). `true` filters an event out.
    static let monitorFilter: [(String, Bool)] = [
        ("bridged", true), ("callCleared", false), ("conferenced", false), ("connectionCleared", false),
        ("delivered", false), ("digitsDialed", true), ("diverted", true), ("established", false),
        ("failed", false), ("held", true), ("networkCapabilitiesChanged", true), ("networkReached", true),
        ("offered", true), ("originated", false), ("queued", true), ("retrieved", true),
        ("serviceInitiated", false), ("transferred", false),
    ]

    public func document(in dialect: CSTADialect) -> [UInt8] {
        var writer = CSTAXMLWriter(declaration: dialect.writesXMLDeclaration)
        let number: [(String, String)] = dialect.writesTypeOfNumber ? [("typeOfNumber", "dialingNumber")] : []
        switch self {
        case .startApplicationSession(let applicationID, let login, let duration):
            writer.open(name, namespace: dialect.sessionNamespace)
            writer.open("applicationInfo")
            if let applicationID { writer.element("applicationID", applicationID) }
            login.write(to: &writer)
            writer.close("applicationInfo")
            if let version = dialect.protocolVersion {
                writer.open("requestedProtocolVersions")
                writer.element("protocolVersion", version)
                writer.close("requestedProtocolVersions")
            }
            writer.element("requestedSessionDuration", String(duration))
            writer.close(name)
        case .resetApplicationSessionTimer(let sessionID, let duration):
            writer.open(name, namespace: dialect.sessionNamespace)
            if dialect.resetCarriesSessionID, let sessionID { writer.element("sessionID", sessionID) }
            writer.element("requestedSessionDuration", String(duration))
            writer.close(name)
        case .stopApplicationSession(let sessionID):
            writer.open(name, namespace: dialect.sessionNamespace)
            if let sessionID { writer.element("sessionID", sessionID) }
            writer.open("sessionEndReason")
            writer.element("definedEndReason", "normal")
            writer.close("sessionEndReason")
            writer.close(name)
        case .monitorStart(let device):
            writer.open(name, namespace: dialect.cstaNamespace)
            writer.open("monitorObject")
            writer.element("deviceObject", device, attributes: number)
            writer.close("monitorObject")
            if dialect.writesMonitorFilter {
                writer.open("requestedMonitorFilter")
                writer.open("callcontrol")
                for (event, filtered) in Self.monitorFilter { writer.element(event, filtered ? "true" : "false") }
                writer.close("callcontrol")
                writer.close("requestedMonitorFilter")
            }
            writer.close(name)
        case .monitorStop(let crossRefID):
            writer.open(name, namespace: dialect.cstaNamespace)
            writer.element("monitorCrossRefID", crossRefID)
            writer.close(name)
        case .makeCall(let calling, let called):
            writer.open(name, namespace: dialect.cstaNamespace)
            writer.element("callingDevice", calling, attributes: number)
            writer.element("calledDirectoryNumber", called, attributes: number)
            if let autoOriginate = dialect.autoOriginate { writer.element("autoOriginate", autoOriginate.rawValue) }
            writer.close(name)
        case .clearConnection(let connection):
            writer.open(name, namespace: dialect.cstaNamespace)
            Self.write(connection, as: "connectionToBeCleared", dialect: dialect, to: &writer)
            writer.close(name)
        case .clearCall(let connection):
            writer.open(name, namespace: dialect.cstaNamespace)
            Self.write(connection, as: "callToBeCleared", dialect: dialect, to: &writer)
            writer.close(name)
        case .snapshotDevice(let device):
            writer.open(name, namespace: dialect.cstaNamespace)
            writer.element("snapshotObject", device + (dialect.snapshotDeviceSuffix ?? ""), attributes: number)
            writer.close(name)
        case .systemStatusResponse:
            writer.empty(name, namespace: dialect.cstaNamespace)
        }
        return writer.bytes
    }

    private static func write(_ connection: CSTAConnectionID, as element: String, dialect: CSTADialect, to writer: inout CSTAXMLWriter) {
        writer.open(element)
        if let deviceID = connection.deviceID {
            writer.element(dialect.deviceIDElementName, deviceID,
                           attributes: dialect.writesTypeOfNumber ? [("typeOfNumber", "dialingNumber")] : [])
        }
        if let callID = connection.callID { writer.element("callID", callID) }
        writer.close(element)
    }
}
