// VOIspeed owns the VOIspeed PBX's HTTP interface, `services.cgi` (seed 004), as pure values: the
// requests Tocsin sends (an SMS with `srv=5`, a call with `srv=0`, the current calls with
// `srv=3&info=7`, a hang-up with `srv=1`) as exact query strings, the `result=N` codes 0 to 45 with
// their meaning and whether trying again can help, the call list the PBX answers, the A.N.S. event
// callbacks, and `VOIspeedCallWatch`, which follows one escalation call from placing it to its
// outcome with time passed in. It does no I/O: the drivers in `Delivery` carry the requests.

/// The `srv` parameter: which service of `services.cgi` a request asks for.
public enum VOIspeedService: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case placeCall = 0
    case disconnectCall = 1
    case recordConversation = 2
    case pbxStatus = 3
    case setUserProperties = 4
    case sendSMS = 5
    case setGroupProperties = 6
    case transferCall = 7
    case conference = 8
    case setIVRMode = 9
    case playback = 10
    case meetingRoom = 11
    case editUser = 12
    case parkCall = 13
    case pickCall = 14
    case smsReport = 15
    case vocalboxMessages = 16
    case callReport = 17
    case editGroup = 18

    /// The seed's words for the service, for logs.
    public var description: String {
        switch self {
        case .placeCall: "place a call between two party numbers"
        case .disconnectCall: "disconnect a call"
        case .recordConversation: "record a conversation"
        case .pbxStatus: "ask information about the PBX status"
        case .setUserProperties: "set the properties of a user"
        case .sendSMS: "send an SMS to a user"
        case .setGroupProperties: "set the properties/members of a group"
        case .transferCall: "execute the transfer between two calls"
        case .conference: "join two calls and carry out a conference"
        case .setIVRMode: "set IVR mode"
        case .playback: "playback an audio message"
        case .meetingRoom: "create/edit/delete a meeting room"
        case .editUser: "add/edit/delete a user"
        case .parkCall: "park/retrieve a call"
        case .pickCall: "pick a call"
        case .smsReport: "get/edit/delete sms report"
        case .vocalboxMessages: "get/edit/delete vocalbox messages"
        case .callReport: "get call report"
        case .editGroup: "add/edit/delete a group"
        }
    }
}

/// The physical interface a call's first party is reached through (`first_interface`). The PBX
/// assumes `IVR` when the parameter is missing.
public enum VOIspeedInterface: String, Sendable, Hashable, CaseIterable {
    case ivr = "IVR"
    case lan = "LAN"
    case sip = "SIP"
    case wan = "WAN"
    case isdn = "ISDN"
    case fax = "FAX"
}

/// How an SMS body's characters become the bytes that are percent-encoded. The seed says only
/// "encoded as % followed by their ascii hex value"; a PBX that reads its parameters as Windows
/// Latin-1 shows UTF-8 accents as two wrong characters, hence the choice.
public enum VOIspeedCharset: String, Sendable, Hashable, CaseIterable {
    case utf8 = "utf-8"
    /// ISO 8859-1; a character outside it is sent as `?`.
    case latin1
}

/// One request to `services.cgi`, built exactly as the seed documents it: parameters in the
/// seed's order, optional ones left out when not given, every value percent-encoded.
public enum VOIspeedRequest: Sendable, Hashable {
    /// `srv=0`: the PBX calls `firstNumber` through `firstInterface` and, once that party is
    /// connected, calls `secondNumber` by its routing. `timeoutSeconds` bounds the wait for the
    /// first party (the PBX's default is 60).
    case placeCall(firstNumber: String, secondNumber: String, firstInterface: VOIspeedInterface?, timeoutSeconds: Int?)
    /// `srv=1&call_id=N`
    case disconnectCall(callID: String)
    /// `srv=3&info=7`: the current calls, one CSV row each.
    case currentCalls
    /// `srv=5`: `recipient` is an extension or a mobile number; `sender` is the sending extension
    /// (the seed's example carries it) and `senderName` the `info` shown as the sender (the PBX's
    /// default is `VOIspeedItd`).
    case sendSMS(recipient: String, body: String, sender: String?, senderName: String?, charset: VOIspeedCharset)

    public var service: VOIspeedService {
        switch self {
        case .placeCall: .placeCall
        case .disconnectCall: .disconnectCall
        case .currentCalls: .pbxStatus
        case .sendSMS: .sendSMS
        }
    }

    /// The parameters in order, values not yet encoded. The SMS body is encoded separately
    /// because its charset is the caller's choice.
    public var parameters: [(name: String, value: String)] {
        switch self {
        case .placeCall(let first, let second, let interface, let timeout):
            var items = [("srv", "0"), ("first_number", first), ("second_number", second)]
            if let interface { items.append(("first_interface", interface.rawValue)) }
            if let timeout { items.append(("timeout", String(timeout))) }
            return items
        case .disconnectCall(let callID):
            return [("srv", "1"), ("call_id", callID)]
        case .currentCalls:
            return [("srv", "3"), ("info", "7")]
        case .sendSMS(let recipient, let body, let sender, let senderName, _):
            var items = [("srv", "5"), ("recipient", recipient), ("body", body)]
            if let sender, !sender.isEmpty { items.append(("sender", sender)) }
            if let senderName, !senderName.isEmpty { items.append(("info", senderName)) }
            return items
        }
    }

    /// The query string, such as `srv=1&call_id=12345`.
    public var query: String {
        let charset: VOIspeedCharset = if case .sendSMS(_, _, _, _, let charset) = self { charset } else { .utf8 }
        return parameters.map { name, value in
            // Only the SMS text can hold characters outside ASCII worth a charset; names and
            // numbers are ASCII, and the sender name follows the body's charset too.
            let encoded = (name == "body" || name == "info") ? VOIspeedQueryEncoding.encode(value, charset: charset) : VOIspeedQueryEncoding.encode(value, charset: .utf8)
            return "\(name)=\(encoded)"
        }.joined(separator: "&")
    }

    /// The full URL: `base` is the PBX's HTTP address, such as `http://192.168.1.65:3541`, with or
    /// without a path prefix; `/services.cgi` and the query are added to it.
    public func url(base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/services.cgi?\(query)"
    }
}
