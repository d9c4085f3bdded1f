/// One A.N.S. (Activity Notification System) callback: the PBX calls a configured URL with the
/// event in its query, such as
/// `key=8765&event=5&datetime=20060201171529343&interface=ISDN&call_id=12345&result=0&final=1&connected_number=02189655`.
/// Tocsin reads the call events that tell an escalation call's fate sooner than a poll can.
public struct VOIspeedEvent: Sendable, Hashable {
    /// The `event` parameter (0 to 24 in the seed).
    public enum Kind: Sendable, Hashable {
        case userLogin, userLogout, incomingCall, callRouting, outgoingCall, callAnswered
        case incomingDisconnect, outgoingDisconnect, callTransfer, dtmf, ivrNavigation, infoIndication
        case timeout, callProgress, incomingSMS, callsLimitExceeded, infoElement, hold, numberChange
        case pbxStatus, routeStatus, userListChange, groupListChange, routeListChange, playbackEnd
        case other(Int)

        private static let ordered: [Kind] = [
            .userLogin, .userLogout, .incomingCall, .callRouting, .outgoingCall, .callAnswered,
            .incomingDisconnect, .outgoingDisconnect, .callTransfer, .dtmf, .ivrNavigation, .infoIndication,
            .timeout, .callProgress, .incomingSMS, .callsLimitExceeded, .infoElement, .hold, .numberChange,
            .pbxStatus, .routeStatus, .userListChange, .groupListChange, .routeListChange, .playbackEnd,
        ]

        public init(code: Int) {
            self = Self.ordered.indices.contains(code) ? Self.ordered[code] : .other(code)
        }
    }

    public var kind: Kind
    /// `key`: the PBX's running number of its events.
    public var key: String
    public var pbxID: String
    public var callID: String?
    /// Every parameter as received, decoded; the first of a repeated name counts.
    public var parameters: [String: String]

    public init(kind: Kind, key: String = "", pbxID: String = "", callID: String? = nil, parameters: [String: String] = [:]) {
        self.kind = kind
        self.key = key
        self.pbxID = pbxID
        self.callID = callID
        self.parameters = parameters
    }

    /// Why a callback query is not an A.N.S. event.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case tooLarge(Int)
        case missingEvent
        case badEvent(String)

        public var description: String {
            switch self {
            case .tooLarge(let size): "the callback query is \(size) bytes; an A.N.S. event is far smaller"
            case .missingEvent: "the callback query has no event parameter"
            case .badEvent(let text): "event=\(VOIspeedText.quoted(text)) is not an A.N.S. event number"
            }
        }
    }

    public static let queryLimit = 8192

    /// Reads the query string of a callback (without the `?`).
    public static func parse(query: Substring) throws(ParseError) -> VOIspeedEvent {
        guard query.utf8.count <= queryLimit else { throw .tooLarge(query.utf8.count) }
        var parameters: [String: String] = [:]
        for (name, value) in VOIspeedQueryEncoding.pairs(of: query) where parameters[name.lowercased()] == nil {
            parameters[name.lowercased()] = value
        }
        guard let eventText = parameters["event"] else { throw .missingEvent }
        guard eventText.utf8.count <= 4, let code = Int(eventText), code >= 0 else { throw .badEvent(eventText) }
        let callID = parameters["call_id"].flatMap { VOIspeedAnswer.isCallID($0) ? $0 : nil }
        return VOIspeedEvent(kind: Kind(code: code), key: parameters["key"] ?? "", pbxID: parameters["pbx_id"] ?? "",
                             callID: callID, parameters: parameters)
    }

    /// `result` of the call routing, outgoing call and call answered events.
    public var routingResult: VOIspeedRoutingResult? {
        parameters["result"].flatMap(Int.init).map(VOIspeedRoutingResult.init(rawValue:))
    }

    /// `final=1` marks a call answered event as final, `0` as provisional.
    public var isFinal: Bool { parameters["final"] == "1" }

    public var connectedNumber: String? { parameters["connected_number"].flatMap { $0.isEmpty ? nil : $0 } }

    /// `info` of a timeout event: 0 stream lost, 1 nobody answered, 2 failure, 3 transfer time over.
    public var info: String? { parameters["info"] }
}

/// The `result` of the call routing, outgoing call and call answered events.
public struct VOIspeedRoutingResult: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let ok = Self(rawValue: 0)

    public var meaning: String {
        switch rawValue {
        case 0: "OK"
        case 2: "no free resources"
        case 3: "destination unreachable"
        case 4: "busy"
        case 5: "call refused"
        case 7: "timeout"
        case 8: "service not enabled for this user"
        case 11: "playing message"
        default: "an undocumented routing result"
        }
    }

    public var description: String { "result=\(rawValue) (\(meaning))" }
}
