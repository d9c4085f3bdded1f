#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every message the Tocsin server sends, as values, and their XML. Each case writes exactly the
/// elements the XSD requires for it, so whatever the caller puts in, the document validates:
/// `SP-PR-TAN` is on every `RSP.P-START` (0 when no process was made, because the Icinga client reads
/// it before the code), `RSP-INFO` is on every `RSP.LOGIN` and `RSP.LOGOUT`, `SP-RESULT` is on every
/// `IND.P-ENDED` and `SS-RESULT` on every `IND.P-EVENT` (the tetronik client crashes without them),
/// and `sessionID` is on every indication except `IND.ERROR`, whose schema allows no attribute.
public enum ESPAXServerMessage: Sendable, Hashable {
    case loginResponse(ESPAXResponse, server: ESPAXServerIdentity)
    case heartbeatResponse(ESPAXResponse)
    case logoutResponse(ESPAXResponse)
    case conditionResponse(ESPAXResponse, condition: ESPAXServerCondition)
    case parametersResponse(ESPAXResponse)
    case processStartResponse(ESPAXResponse, reference: String?, tan: UInt64, load: ESPAXLoad?)
    case processStopResponse(ESPAXResponse)
    case processGetStatResponse(ESPAXResponse)
    case systemIndication(sessionID: String, condition: ESPAXServerCondition)
    case shutdown(sessionID: String, reason: ESPAXShutdownReason, mode: ESPAXShutdownMode)
    case processStarted(ESPAXProcessStarted)
    case processEvent(ESPAXProcessEvent)
    case processEnded(ESPAXProcessEnded)
    case processStatus(ESPAXProcessStatusReport)
    case processSync(sessionID: String)
    case error(server: String, code: ESPAXResponseCode, info: String?)

    /// The message element's name on the wire.
    public var name: String {
        switch self {
        case .loginResponse: "RSP.LOGIN"
        case .heartbeatResponse: "RSP.HEARTBEAT"
        case .logoutResponse: "RSP.LOGOUT"
        case .conditionResponse: "RSP.S-CONDITION"
        case .parametersResponse: "RSP.S-PARAMETERS"
        case .processStartResponse: "RSP.P-START"
        case .processStopResponse: "RSP.P-STOP"
        case .processGetStatResponse: "RSP.P-GETSTAT"
        case .systemIndication: "IND.S-SYSTEM"
        case .shutdown: "CMD.SHUTDOWN"
        case .processStarted: "IND.P-STARTED"
        case .processEvent: "IND.P-EVENT"
        case .processEnded: "IND.P-ENDED"
        case .processStatus: "IND.P-STATUS"
        case .processSync: "IND.P-SYNC"
        case .error: "IND.ERROR"
        }
    }

    /// The response part of an `RSP.*`; nil for indications and commands.
    public var response: ESPAXResponse? {
        switch self {
        case .loginResponse(let response, _), .heartbeatResponse(let response), .logoutResponse(let response),
             .conditionResponse(let response, _), .parametersResponse(let response),
             .processStartResponse(let response, _, _, _), .processStopResponse(let response),
             .processGetStatResponse(let response):
            response
        default:
            nil
        }
    }

    /// What goes in header bytes 6–9: the low 32 bits of a response's invokeID, 0 otherwise.
    public var headerNumber: UInt32 {
        response.map { EXFrame.headerNumber(forInvokeID: $0.invokeID) } ?? 0
    }

    /// The XML document. `timestamp` fills the root's optional `timestamp` attribute.
    public func xml(timestamp: Date? = nil) -> String {
        var writer = ESPAXXMLWriter()
        let element = name
        switch self {
        case .loginResponse(let response, let server):
            writer.open(message: element, attributes: response.attributes, timestamp: timestamp)
            writer.field("LI-SERVER", server.name)
            writer.field("LI-SERVERSW", server.software)
            writer.code(response)
            writer.field("RSP-INFO", response.requiredInfo)
        case .heartbeatResponse(let response), .parametersResponse(let response),
             .processStopResponse(let response), .processGetStatResponse(let response):
            writer.open(message: element, attributes: response.attributes, timestamp: timestamp)
            writer.code(response)
            writer.field("RSP-INFO", response.info)
        case .logoutResponse(let response):
            writer.open(message: element, attributes: response.attributes, timestamp: timestamp)
            writer.code(response)
            writer.field("RSP-INFO", response.requiredInfo)
        case .conditionResponse(let response, let condition):
            writer.open(message: element, attributes: response.attributes, timestamp: timestamp)
            writer.code(response)
            writer.field("RSP-INFO", response.info)
            writer.condition(condition)
        case .processStartResponse(let response, let reference, let tan, let load):
            writer.open(message: element, attributes: response.attributes, timestamp: timestamp)
            writer.code(response)
            writer.field("RSP-INFO", response.info)
            writer.field("CP-PR-REF", reference)
            writer.field("SP-PR-TAN", String(tan))
            writer.field("S-LOAD", load?.rawValue)
        case .systemIndication(let sessionID, let condition):
            writer.open(message: element, attributes: [("sessionID", sessionID)], timestamp: timestamp)
            writer.condition(condition)
        case .shutdown(let sessionID, let reason, let mode):
            writer.open(message: element, attributes: [("sessionID", sessionID)], timestamp: timestamp)
            writer.field("SD-REASON", reason.rawValue)
            writer.field("SD-MODE", mode.rawValue)
        case .processStarted(let started):
            writer.open(message: element, attributes: [("sessionID", started.sessionID)], timestamp: timestamp)
            writer.process(started.process)
            writer.field("SP-PR-NAME", started.name)
            writer.field("SP-CREATED", started.created.map(ESPAXTimestamp.string(from:)))
            writer.field("SP-STATUS", started.status.rawValue)
        case .processEvent(let event):
            writer.open(message: element, attributes: [("sessionID", event.sessionID)], timestamp: timestamp)
            writer.field("CP-PR-REF", event.reference)
            writer.field("SP-PR-TAN", String(event.tan))
            writer.field("SS-NETW-NO", event.networkNumber)
            writer.field("SS-NETW-NAME", event.networkName)
            writer.field("SS-SBSCRID", event.subscriberID)
            writer.field("SS-SBSCRNO", event.subscriberNumber)
            writer.field("SS-SBSCRDATA", event.subscriberData)
            writer.field("SS-KEY", event.key)
            writer.field("SS-DIRECTION", event.direction.rawValue)
            writer.field("SS-STATUS", event.status.rawValue)
            writer.field("SS-RESULT", event.result.rawValue)
        case .processEnded(let ended):
            writer.open(message: element, attributes: [("sessionID", ended.sessionID)], timestamp: timestamp)
            writer.process(ended.process)
            writer.field("SP-PR-NAME", ended.name)
            writer.field("SP-CREATED", ended.created.map(ESPAXTimestamp.string(from:)))
            writer.field("SP-ENDINFO", ended.endInfo)
            writer.field("SP-ENDREASON", ended.endReason.rawValue)
            writer.field("SP-RESULT", ended.result.rawValue)
        case .processStatus(let report):
            writer.open(message: element, attributes: [("sessionID", report.sessionID)], timestamp: timestamp)
            writer.field("CP-PR-REF", report.process.reference)
            writer.field("CP-GROUPID", report.process.groupID)
            writer.field("CP-PHONENO", report.process.phoneNumber)
            writer.field("CP-CBCKNO", report.callbackNumber)
            writer.field("SP-PR-TAN", String(report.process.tan))
            writer.field("SP-PR-NAME", report.name)
            writer.field("SP-CREATED", report.created.map(ESPAXTimestamp.string(from:)))
            writer.field("SP-STATUS", report.status.rawValue)
            writer.field("SP-RESULT", report.result.rawValue)
            writer.field("SP-GETSTAT", report.answersGetStat.map { $0 ? "true" : "false" })
        case .processSync(let sessionID):
            writer.open(message: element, attributes: [("sessionID", sessionID)], timestamp: timestamp)
        case .error(let server, let code, let info):
            writer.open(message: element, attributes: [], timestamp: timestamp)
            writer.field("LI-SERVER", server)
            writer.field("RSP-CODE", String(code.rawValue))
            writer.field("RSP-REASON", code.reason)
            writer.field("RSP-INFO", info)
        }
        writer.close(message: element)
        return writer.output
    }

    /// The message framed for the wire, with `headerNumber` in bytes 6–9 unless told otherwise
    /// (an `IND.ERROR` answering a request echoes that request's header number).
    public func frame(timestamp: Date? = nil, headerNumber: UInt32? = nil) -> EXFrame {
        EXFrame(number: headerNumber ?? self.headerNumber, body: Array(xml(timestamp: timestamp).utf8))
    }
}

/// The common part of every `RSP.*`.
public struct ESPAXResponse: Sendable, Hashable {
    /// Echoed from the request, the full 64 bits.
    public var invokeID: UInt64
    /// The session's ID; before login, what the client sent, or `ESPAXResponse.noSession`.
    public var sessionID: String
    public var code: ESPAXResponseCode
    /// `RSP-INFO`, free text for the integrator (at most 256 characters are sent).
    public var info: String?

    /// The `sessionID` put on responses when there is no session yet: the XSD requires the
    /// attribute on every response, including a refused `RSP.LOGIN`.
    public static let noSession = "none"

    public init(invokeID: UInt64, sessionID: String, code: ESPAXResponseCode, info: String? = nil) {
        self.invokeID = invokeID
        self.sessionID = sessionID
        self.code = code
        self.info = info
    }

    var attributes: [(String, String?)] { [("invokeID", String(invokeID)), ("sessionID", sessionID)] }

    /// `RSP-INFO` where the XSD requires it: the reason text stands in when no info was given.
    var requiredInfo: String {
        if let info, ESPAXXMLWriter.conformingValue(info, for: "RSP-INFO") != nil { return info }
        return code.reason
    }
}

/// How Tocsin names itself in `RSP.LOGIN` and `IND.ERROR`.
public struct ESPAXServerIdentity: Sendable, Hashable {
    /// `LI-SERVER`, 1–30 characters.
    public var name: String
    /// `LI-SERVERSW`, 1–30 characters. The tetronik client only accepts servers whose software
    /// starts with `DAKS-Pro`, `eco-`, `med-` or `alert-` (espax.md §10): configure it accordingly
    /// where that client is used.
    public var software: String

    public init(name: String = "Tocsin", software: String = "Tocsin 1.0") {
        self.name = name
        self.software = software
    }
}

/// What `RSP.S-CONDITION` and `IND.S-SYSTEM` report.
public struct ESPAXServerCondition: Sendable, Hashable {
    public var health: ESPAXHealth
    public var hotStandby: Bool?
    public var load: ESPAXLoad?

    public init(health: ESPAXHealth = .ok, hotStandby: Bool? = false, load: ESPAXLoad? = .normal) {
        self.health = health
        self.hotStandby = hotStandby
        self.load = load
    }
}

/// The fields by which clients match indications to their processes. The tetronik client matches
/// on `CP-PR-REF`, `SP-PR-TAN` and `CP-GROUPID` or `CP-PHONENO` together, so all are echoed.
public struct ESPAXProcessIdentity: Sendable, Hashable {
    public var reference: String?
    public var tan: UInt64
    public var groupID: String?
    public var phoneNumber: String?

    public init(reference: String?, tan: UInt64, groupID: String? = nil, phoneNumber: String? = nil) {
        self.reference = reference
        self.tan = tan
        self.groupID = groupID
        self.phoneNumber = phoneNumber
    }
}

/// `IND.P-STARTED`.
public struct ESPAXProcessStarted: Sendable, Hashable {
    public var sessionID: String
    public var process: ESPAXProcessIdentity
    public var name: String?
    public var created: Date?
    public var status: ESPAXProcessStatus

    public init(sessionID: String, process: ESPAXProcessIdentity, name: String? = nil, created: Date? = nil, status: ESPAXProcessStatus = .active) {
        self.sessionID = sessionID
        self.process = process
        self.name = name
        self.created = created
        self.status = status
    }
}

/// `IND.P-EVENT`: what happened at one destination.
public struct ESPAXProcessEvent: Sendable, Hashable {
    public var sessionID: String
    public var reference: String?
    public var tan: UInt64
    /// `SS-NETW-NO`: the destination's number (digits, `*`, `#`, at most 16).
    public var networkNumber: String?
    /// `SS-NETW-NAME`: the destination's name (at most 24 characters).
    public var networkName: String?
    public var subscriberID: String?
    public var subscriberNumber: String?
    public var subscriberData: String?
    public var key: String?
    public var direction: ESPAXEventDirection
    public var status: ESPAXEventStatus
    public var result: ESPAXEventResult

    public init(
        sessionID: String, reference: String?, tan: UInt64,
        networkNumber: String? = nil, networkName: String? = nil,
        subscriberID: String? = nil, subscriberNumber: String? = nil, subscriberData: String? = nil, key: String? = nil,
        direction: ESPAXEventDirection = .outbound, status: ESPAXEventStatus = .completed, result: ESPAXEventResult
    ) {
        self.sessionID = sessionID
        self.reference = reference
        self.tan = tan
        self.networkNumber = networkNumber
        self.networkName = networkName
        self.subscriberID = subscriberID
        self.subscriberNumber = subscriberNumber
        self.subscriberData = subscriberData
        self.key = key
        self.direction = direction
        self.status = status
        self.result = result
    }
}

/// `IND.P-ENDED`.
public struct ESPAXProcessEnded: Sendable, Hashable {
    public var sessionID: String
    public var process: ESPAXProcessIdentity
    public var name: String?
    public var created: Date?
    public var endReason: ESPAXEndReason
    public var endInfo: String?
    public var result: ESPAXProcessResult

    public init(
        sessionID: String, process: ESPAXProcessIdentity, name: String? = nil, created: Date? = nil,
        endReason: ESPAXEndReason, endInfo: String? = nil, result: ESPAXProcessResult = .none
    ) {
        self.sessionID = sessionID
        self.process = process
        self.name = name
        self.created = created
        self.endReason = endReason
        self.endInfo = endInfo
        self.result = result
    }
}

/// `IND.P-STATUS`, one per process matching a `REQ.P-GETSTAT`.
public struct ESPAXProcessStatusReport: Sendable, Hashable {
    public var sessionID: String
    public var process: ESPAXProcessIdentity
    public var callbackNumber: String?
    public var name: String?
    public var created: Date?
    public var status: ESPAXProcessStatus
    public var result: ESPAXProcessResult
    /// `SP-GETSTAT`: true when the report answers a `REQ.P-GETSTAT`.
    public var answersGetStat: Bool?

    public init(
        sessionID: String, process: ESPAXProcessIdentity, callbackNumber: String? = nil, name: String? = nil,
        created: Date? = nil, status: ESPAXProcessStatus, result: ESPAXProcessResult = .none, answersGetStat: Bool? = true
    ) {
        self.sessionID = sessionID
        self.process = process
        self.callbackNumber = callbackNumber
        self.name = name
        self.created = created
        self.status = status
        self.result = result
        self.answersGetStat = answersGetStat
    }
}

extension ESPAXXMLWriter {
    mutating func code(_ response: ESPAXResponse) {
        field("RSP-CODE", String(response.code.rawValue))
        field("RSP-REASON", response.code.reason)
    }

    mutating func condition(_ condition: ESPAXServerCondition) {
        field("S-HEALTH", condition.health.rawValue)
        field("S-HOTSTBY", condition.hotStandby.map { $0 ? "true" : "false" })
        field("S-LOAD", condition.load?.rawValue)
    }

    mutating func process(_ process: ESPAXProcessIdentity) {
        field("CP-PR-REF", process.reference)
        field("CP-GROUPID", process.groupID)
        field("CP-PHONENO", process.phoneNumber)
        field("SP-PR-TAN", String(process.tan))
    }
}
