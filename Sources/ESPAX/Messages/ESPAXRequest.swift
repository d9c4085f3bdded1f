/// The requests a client may send, with their meaning. Reading is lenient (espax.md §10): unknown
/// or mistyped words in cosmetic fields are dropped rather than refused, and over-long text is cut
/// to the XSD's length. Only what the server cannot act on is refused, with a
/// `ESPAXRequestError` that names the field.
public enum ESPAXRequest: Sendable, Hashable {
    case login(ESPAXLoginRequest)
    case heartbeat
    case logout(reason: ESPAXLogoutReason?)
    case condition
    case parameters
    case processStart(ESPAXProcessStartRequest)
    case processStop(ESPAXProcessSelector)
    case processGetStat(ESPAXProcessQuery)

    /// The request message names Tocsin knows, in XSD order.
    public static let names: [String] = [
        "REQ.LOGIN", "REQ.HEARTBEAT", "REQ.LOGOUT", "REQ.S-CONDITION", "REQ.S-PARAMETERS",
        "REQ.P-START", "REQ.P-STOP", "REQ.P-GETSTAT",
    ]

    /// Gives a document its meaning. Returns nil for a name that is not a known request.
    public init?(_ document: ESPAXDocument) throws(ESPAXRequestError) {
        switch document.name {
        case "REQ.LOGIN": self = .login(try ESPAXLoginRequest(document))
        case "REQ.HEARTBEAT": self = .heartbeat
        case "REQ.LOGOUT": self = .logout(reason: document["LO-REASON"].flatMap(ESPAXLogoutReason.init(lenient:)))
        case "REQ.S-CONDITION": self = .condition
        case "REQ.S-PARAMETERS": self = .parameters
        case "REQ.P-START": self = .processStart(try ESPAXProcessStartRequest(document))
        case "REQ.P-STOP": self = .processStop(try ESPAXProcessSelector(document, requireOne: true))
        case "REQ.P-GETSTAT": self = .processGetStat(try ESPAXProcessQuery(document))
        default: return nil
        }
    }
}

/// Why a known request cannot be acted on; answered with `RSP.<same>` 400.
public enum ESPAXRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingField(String)
    case missingOneOf([String])
    case invalidField(String, value: String, expected: String)

    public var description: String {
        switch self {
        case .missingField(let name): "required field \(name) is missing or empty"
        case .missingOneOf(let names): "one of \(names.joined(separator: " or ")) is required"
        case .invalidField(let name, let value, let expected): "field \(name) holds '\(value.truncatedToScalars(40))', expected \(expected)"
        }
    }
}

/// `REQ.LOGIN`. The password is only handed to the caller's credential check, never logged:
/// `description` leaves it out.
public struct ESPAXLoginRequest: Sendable, Hashable, CustomStringConvertible {
    /// `LI-CLIENT`: the client's name, which selects its credentials.
    public var client: String
    public var clientSoftware: String?
    public var user: String
    public var password: String

    public init(client: String, clientSoftware: String? = nil, user: String, password: String) {
        self.client = client
        self.clientSoftware = clientSoftware
        self.user = user
        self.password = password
    }

    init(_ document: ESPAXDocument) throws(ESPAXRequestError) {
        guard let client = document["LI-CLIENT"] else { throw .missingField("LI-CLIENT") }
        guard let user = document["LI-USER"] else { throw .missingField("LI-USER") }
        // The password is not trimmed beyond what the reader does: a blank password is absent.
        guard let password = document["LI-PASSWORD"] else { throw .missingField("LI-PASSWORD") }
        self.init(client: client.truncatedToScalars(30), clientSoftware: document["LI-CLIENTSW"], user: user, password: password)
    }

    public var description: String {
        "REQ.LOGIN client=\(client) software=\(clientSoftware ?? "-") user=\(user)"
    }
}

/// What an alarm from `REQ.P-START` is for: a group (`CP-GROUPID`) or, without one, a single phone
/// (`CP-PHONENO`).
public enum ESPAXProcessTarget: Sendable, Hashable {
    case group(String)
    case phone(String)
}

/// `REQ.P-START`.
public struct ESPAXProcessStartRequest: Sendable, Hashable {
    /// `CP-PR-REF`, cut to its 32 characters so that what is echoed is what is matched.
    public var reference: String?
    /// `CP-GROUPID` as sent, so an unknown group can be named exactly in the technical alarm.
    public var groupID: String?
    /// `CP-PHONENO` as sent.
    public var phoneNumber: String?
    /// `CP-TEXTMSG`, cut to 160 characters (the tetronik client sends up to 250).
    public var text: String?
    public var priority: ESPAXPriority?
    public var signal: ESPAXSignal?
    public var callingNumber: String?
    public var callingName: String?
    public var ward: String?
    public var bed: String?
    /// `CP-EVENT`, cut to the XSD's 16348 characters.
    public var event: String?
    public var callback: ESPAXCallback?
    public var delay: UInt16?
    public var attempts: UInt16?
    public var ncifNumber: String?
    /// `CP-CBCKNO`: a number to call back.
    public var callbackNumber: String?
    public var details: ESPAXProcessDetails?

    public static let textLimit = 160
    public static let referenceLimit = 32

    public init(
        reference: String? = nil, groupID: String? = nil, phoneNumber: String? = nil, text: String? = nil,
        priority: ESPAXPriority? = nil, signal: ESPAXSignal? = nil, callingNumber: String? = nil,
        callingName: String? = nil, ward: String? = nil, bed: String? = nil, event: String? = nil,
        callback: ESPAXCallback? = nil, delay: UInt16? = nil, attempts: UInt16? = nil, ncifNumber: String? = nil,
        callbackNumber: String? = nil, details: ESPAXProcessDetails? = nil
    ) {
        self.reference = reference
        self.groupID = groupID
        self.phoneNumber = phoneNumber
        self.text = text
        self.priority = priority
        self.signal = signal
        self.callingNumber = callingNumber
        self.callingName = callingName
        self.ward = ward
        self.bed = bed
        self.event = event
        self.callback = callback
        self.delay = delay
        self.attempts = attempts
        self.ncifNumber = ncifNumber
        self.callbackNumber = callbackNumber
        self.details = details
    }

    init(_ document: ESPAXDocument) throws(ESPAXRequestError) {
        self.init(
            reference: document["CP-PR-REF"]?.truncatedToScalars(Self.referenceLimit),
            groupID: document["CP-GROUPID"],
            phoneNumber: document["CP-PHONENO"],
            text: document["CP-TEXTMSG"]?.truncatedToScalars(Self.textLimit),
            priority: document["CP-PRIO"].flatMap(ESPAXPriority.init(lenient:)),
            signal: document["CP-SIGNAL"].flatMap(ESPAXSignal.init(lenient:)),
            callingNumber: document["CP-CALLINGNO"]?.truncatedToScalars(16),
            callingName: document["CP-CALLINGNAME"]?.truncatedToScalars(24),
            ward: document["CP-WARD"]?.truncatedToScalars(12),
            bed: document["CP-BED"]?.truncatedToScalars(12),
            event: document["CP-EVENT"]?.truncatedToScalars(16_348),
            callback: document["CP-CALLBACK"].flatMap(ESPAXCallback.init(lenient:)),
            delay: document["CP-DELAY"].flatMap { UInt16($0) },
            attempts: document["CP-ATTEMPTS"].flatMap { UInt16($0) },
            ncifNumber: document["CP-NCIFNO"]?.truncatedToScalars(24),
            callbackNumber: document["CP-CBCKNO"]?.truncatedToScalars(24),
            details: document["CP-PR-DETAILS"].flatMap(ESPAXProcessDetails.init(lenient:))
        )
        if target == nil { throw .missingOneOf(["CP-GROUPID", "CP-PHONENO"]) }
    }

    /// The group when one was given, else the phone; nil when neither was (answered with 400).
    public var target: ESPAXProcessTarget? {
        if let groupID { return .group(groupID) }
        if let phoneNumber { return .phone(phoneNumber) }
        return nil
    }
}

/// Which process a `REQ.P-STOP` means: by `SP-PR-TAN`, by `CP-PR-REF`, or both (both must match).
public struct ESPAXProcessSelector: Sendable, Hashable {
    public var reference: String?
    public var tan: UInt64?
    /// `CP-PR-MASK`; words Tocsin does not know are dropped, and an absent mask means all.
    public var mask: Set<ESPAXProcessMask>

    public init(reference: String? = nil, tan: UInt64? = nil, mask: Set<ESPAXProcessMask> = [.all]) {
        self.reference = reference
        self.tan = tan
        self.mask = mask
    }

    init(_ document: ESPAXDocument, requireOne: Bool) throws(ESPAXRequestError) {
        var tan: UInt64?
        if let text = document["SP-PR-TAN"] {
            guard let value = UInt64(text) else {
                throw .invalidField("SP-PR-TAN", value: text, expected: "an unsigned 64-bit number")
            }
            tan = value
        }
        let reference = document["CP-PR-REF"]?.truncatedToScalars(ESPAXProcessStartRequest.referenceLimit)
        if requireOne, tan == nil, reference == nil { throw .missingOneOf(["SP-PR-TAN", "CP-PR-REF"]) }
        let words = (document["CP-PR-MASK"] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        let mask = Set(words.compactMap { ESPAXProcessMask(lenient: String($0)) })
        self.init(reference: reference, tan: tan, mask: mask.isEmpty ? [.all] : mask)
    }

    /// Whether a process with this status is selected by the mask.
    public func maskIncludes(_ status: ESPAXProcessStatus) -> Bool {
        if mask.contains(.all) { return true }
        switch status {
        case .prepared: return mask.contains(.prepared)
        case .queued: return mask.contains(.queued)
        case .active: return mask.contains(.active)
        case .conversationSetup, .conversation: return mask.contains(.conversation)
        case .postprocessing: return mask.contains(.postprocessing)
        }
    }

    /// Whether a process matches the given reference and TAN (every one given must match).
    public func matches(reference processReference: String?, tan processTAN: UInt64) -> Bool {
        if let tan, tan != processTAN { return false }
        if let reference, reference != processReference { return false }
        return true
    }
}

/// `REQ.P-GETSTAT`: the same selector, where neither reference nor TAN means every process of
/// the session's client.
public struct ESPAXProcessQuery: Sendable, Hashable {
    public var selector: ESPAXProcessSelector

    public init(selector: ESPAXProcessSelector = ESPAXProcessSelector()) {
        self.selector = selector
    }

    init(_ document: ESPAXDocument) throws(ESPAXRequestError) {
        self.selector = try ESPAXProcessSelector(document, requireOne: false)
    }
}
