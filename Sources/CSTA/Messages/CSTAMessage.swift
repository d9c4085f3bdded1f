/// A message received from the PBX, decoded by its root element's local name. Names Tocsin does not
/// use become `unknown`, which the session logs and otherwise ignores: new event types must never
/// cost the link.
public enum CSTAMessage: Sendable, Hashable {
    case startApplicationSessionPosResponse(sessionID: String, actualProtocolVersion: String?, actualSessionDuration: Int?)
    case startApplicationSessionNegResponse(CSTASessionError)
    case resetApplicationSessionTimerPosResponse(actualSessionDuration: Int?)
    case resetApplicationSessionTimerNegResponse(CSTASessionError)
    case stopApplicationSessionPosResponse
    case stopApplicationSessionNegResponse(CSTASessionError)
    /// The server ended the session (`sessionTimerExpired`, `resourceLimitation` or a server text).
    case applicationSessionTerminated(sessionID: String?, reason: String?)
    case monitorStartResponse(monitorCrossRefID: String)
    case monitorStopResponse
    /// `callingDevice`: the calling device's connection of the new call.
    case makeCallResponse(CSTAConnectionID?)
    case clearConnectionResponse
    case clearCallResponse
    case snapshotDeviceResponse([CSTASnapshotCall])
    case errorCode(CSTAErrorCode)
    /// A server request (OpenScape sends it on connect and periodically): answer it.
    case systemStatus(status: String?)
    case event(CSTACallEvent)
    case unknown(name: String)

    /// The root element's local name as received.
    public var name: String {
        switch self {
        case .startApplicationSessionPosResponse: "StartApplicationSessionPosResponse"
        case .startApplicationSessionNegResponse: "StartApplicationSessionNegResponse"
        case .resetApplicationSessionTimerPosResponse: "ResetApplicationSessionTimerPosResponse"
        case .resetApplicationSessionTimerNegResponse: "ResetApplicationSessionTimerNegResponse"
        case .stopApplicationSessionPosResponse: "StopApplicationSessionPosResponse"
        case .stopApplicationSessionNegResponse: "StopApplicationSessionNegResponse"
        case .applicationSessionTerminated: "ApplicationSessionTerminated"
        case .monitorStartResponse: "MonitorStartResponse"
        case .monitorStopResponse: "MonitorStopResponse"
        case .makeCallResponse: "MakeCallResponse"
        case .clearConnectionResponse: "ClearConnectionResponse"
        case .clearCallResponse: "ClearCallResponse"
        case .snapshotDeviceResponse: "SnapshotDeviceResponse"
        case .errorCode: "CSTAErrorCode"
        case .systemStatus: "SystemStatus"
        case .event(let event): event.kind.rawValue
        case .unknown(let name): name
        }
    }

    /// Whether this answers one of Tocsin's requests (and so must be correlated with one).
    public var isResponse: Bool {
        switch self {
        case .applicationSessionTerminated, .systemStatus, .event, .unknown: false
        default: true
        }
    }

    /// Decodes a document already read into a tree.
    public init(_ root: CSTAElement) throws(CSTADecodingError) {
        let name = root.name
        if let kind = CSTACallEvent.Kind.allCases.first(where: { CSTAElement.sameName($0.rawValue, name) }) {
            self = .event(CSTACallEvent(kind: kind, root))
            return
        }
        switch name.lowercased() {
        case "startapplicationsessionposresponse":
            guard let sessionID = root.value(of: "sessionID") else {
                throw .missingField(message: name, path: "sessionID")
            }
            self = .startApplicationSessionPosResponse(
                sessionID: sessionID,
                actualProtocolVersion: root.value(of: "actualProtocolVersion"),
                actualSessionDuration: root.value(of: "actualSessionDuration").flatMap(Self.seconds)
            )
        case "startapplicationsessionnegresponse":
            self = .startApplicationSessionNegResponse(CSTASessionError(root))
        case "resetapplicationsessiontimerposresponse":
            self = .resetApplicationSessionTimerPosResponse(actualSessionDuration: root.value(of: "actualSessionDuration").flatMap(Self.seconds))
        case "resetapplicationsessiontimernegresponse":
            self = .resetApplicationSessionTimerNegResponse(CSTASessionError(root))
        case "stopapplicationsessionposresponse":
            self = .stopApplicationSessionPosResponse
        case "stopapplicationsessionnegresponse":
            self = .stopApplicationSessionNegResponse(CSTASessionError(root))
        case "applicationsessionterminated":
            let reason = root.child("sessionTermReason").flatMap { $0.children.first?.value ?? $0.value }
            self = .applicationSessionTerminated(sessionID: root.value(of: "sessionID"), reason: reason)
        case "monitorstartresponse":
            guard let crossRefID = root.value(of: "monitorCrossRefID") else {
                throw .missingField(message: name, path: "monitorCrossRefID")
            }
            self = .monitorStartResponse(monitorCrossRefID: crossRefID)
        case "monitorstopresponse":
            self = .monitorStopResponse
        case "makecallresponse":
            self = .makeCallResponse(CSTAConnectionID(root.child("callingDevice")))
        case "clearconnectionresponse":
            self = .clearConnectionResponse
        case "clearcallresponse":
            self = .clearCallResponse
        case "snapshotdeviceresponse":
            self = .snapshotDeviceResponse(CSTASnapshotCall.calls(in: root))
        case "cstaerrorcode":
            self = .errorCode(CSTAErrorCode(root))
        case "systemstatus":
            self = .systemStatus(status: root.value(of: "systemStatus"))
        default:
            self = .unknown(name: name)
        }
    }

    /// Reads a document's bytes with a hardened reader and decodes it.
    public init(document: [UInt8], reader: CSTAXMLReader = CSTAXMLReader()) throws(CSTADecodingError) {
        try self.init(try reader.read(document))
    }

    // Durations are whole seconds; Uni-tel writes them as strings, and a negative or absurd value
    // is treated as absent so that the requested duration applies.
    private static func seconds(_ text: String) -> Int? {
        guard let value = Int(text), value > 0, value <= 86_400 * 7 else { return nil }
        return value
    }
}
