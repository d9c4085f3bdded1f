/// The answer to `srv=3&info=7`: one CSV row per current call,
/// `id , date_time , status , calling_network , called_network , calling_party , called_party , called_group`.
///
/// Rows end with a line break; fields are separated by `,` with optional spaces around them, and
/// a row may end with `;`. The seed shows no header, but a row whose id is `id` is taken for one
/// and skipped. A row whose id is not a call id, or with fewer than the first three fields, is
/// kept out and named in `skipped`; when every row is like that, the whole answer is `malformed`,
/// because then it is not a call list at all. An answer that is a `result=N` line is the PBX
/// refusing the request (45: no permission).
public struct VOIspeedCallList: Sendable, Hashable {
    public var calls: [VOIspeedCall]
    /// Rows that could not be read, as received (cut to 80 characters).
    public var skipped: [String]

    /// A busy PBX's list of a few hundred calls is tens of kilobytes.
    public static let sizeLimit = 256 * 1024

    public init(calls: [VOIspeedCall], skipped: [String] = []) {
        self.calls = calls
        self.skipped = skipped
    }

    public func call(id: String) -> VOIspeedCall? {
        calls.first { $0.id == id }
    }

    public static func parse(_ bytes: [UInt8], peer: String) throws(VOIspeedFault) -> VOIspeedCallList {
        guard bytes.count <= sizeLimit else {
            throw VOIspeedFault(.malformed, "\(peer) answered the call list with more than \(sizeLimit) bytes")
        }
        let text = VOIspeedText.trimmed(VOIspeedText.printable(bytes))
        if text.isEmpty { return VOIspeedCallList(calls: []) }
        if text.first == "<" {
            throw VOIspeedFault(.malformed, "\(peer) answered an HTML page instead of the call list: check voispeed.base_url")
        }
        if text.lowercased().hasPrefix("result") {
            // A refusal (or a PBX answering OK with nothing else, which means no calls).
            let answer = try VOIspeedAnswer.parse(Array(text.utf8), peer: peer)
            if let refusal = answer.refusal(of: .pbxStatus, peer: peer) { throw refusal }
            return VOIspeedCallList(calls: [])
        }
        var calls: [VOIspeedCall] = []
        var skipped: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            var row = VOIspeedText.trimmed(String(line))
            while row.hasSuffix(";") { row.removeLast() }
            if row.isEmpty { continue }
            let fields = row.split(separator: ",", omittingEmptySubsequences: false).map { VOIspeedText.trimmed(String($0)) }
            if fields.first?.lowercased() == "id" { continue }
            guard fields.count >= 3, VOIspeedAnswer.isCallID(fields[0]) else {
                skipped.append(String(row.prefix(80)))
                continue
            }
            func field(_ index: Int) -> String { fields.indices.contains(index) ? fields[index] : "" }
            calls.append(VOIspeedCall(
                id: fields[0], dateTime: fields[1], status: VOIspeedCallStatus(field: fields[2]),
                callingNetwork: field(3), calledNetwork: field(4), callingParty: field(5), calledParty: field(6), calledGroup: field(7)))
        }
        if calls.isEmpty, !skipped.isEmpty {
            throw VOIspeedFault(.malformed, "\(peer) answered \(VOIspeedText.quoted(text)), which is not a call list (id, date_time, status, …)")
        }
        return VOIspeedCallList(calls: calls, skipped: skipped)
    }
}

/// One row of the current calls.
public struct VOIspeedCall: Sendable, Hashable {
    public var id: String
    public var dateTime: String
    public var status: VOIspeedCallStatus
    public var callingNetwork: String
    public var calledNetwork: String
    public var callingParty: String
    public var calledParty: String
    public var calledGroup: String

    public init(id: String, dateTime: String = "", status: VOIspeedCallStatus, callingNetwork: String = "", calledNetwork: String = "",
                callingParty: String = "", calledParty: String = "", calledGroup: String = "") {
        self.id = id
        self.dateTime = dateTime
        self.status = status
        self.callingNetwork = callingNetwork
        self.calledNetwork = calledNetwork
        self.callingParty = callingParty
        self.calledParty = calledParty
        self.calledGroup = calledGroup
    }
}

/// A call's `status` field. The seed gives no table for calls; it numbers a user's status
/// (0 off line, 1 free, 2 ringing, 3 busy, 4 paused, 5 after call work) and speaks of a call "in
/// the busy state" (connected, so it can be transferred) or "in the early connect state". Both the
/// numbers and those words are read; anything else is `unknown` and never taken for an answer.
public enum VOIspeedCallStatus: Sendable, Hashable, CustomStringConvertible {
    /// Being set up: dialling, proceeding.
    case setup(String)
    /// Ringing at the called party, or in early connect (announcements before an answer).
    case ringing(String)
    /// In the busy state: both parties connected.
    case connected(String)
    /// Held, parked or queued.
    case held(String)
    /// Over, or about to be: off line, after-call work, released.
    case ended(String)
    case unknown(String)

    public init(field: String) {
        let raw = field
        let word = field.lowercased().replacing("_", with: " ").replacing("-", with: " ")
        switch word {
        case "1", "free", "idle", "dialing", "dialling", "calling", "proceeding", "setup", "trying", "routing":
            self = .setup(raw)
        case "2", "ringing", "alerting", "ring", "early", "early connect", "earlyconnect", "early media":
            self = .ringing(raw)
        case "3", "busy", "connected", "conversation", "in conversation", "answered", "talking", "active", "established":
            self = .connected(raw)
        case "4", "paused", "pause", "hold", "held", "on hold", "parked", "park", "queueing", "queued", "operator wait":
            self = .held(raw)
        case "0", "5", "off line", "offline", "after call work", "ended", "released", "disconnected", "cleared", "hangup", "closed":
            self = .ended(raw)
        default:
            self = .unknown(raw)
        }
    }

    public var raw: String {
        switch self {
        case .setup(let raw), .ringing(let raw), .connected(let raw), .held(let raw), .ended(let raw), .unknown(let raw): raw
        }
    }

    public var description: String {
        let word = switch self {
        case .setup: "setting up"
        case .ringing: "ringing"
        case .connected: "connected"
        case .held: "held"
        case .ended: "ended"
        case .unknown: "unknown"
        }
        return "\(word) (status \(raw.isEmpty ? "empty" : raw))"
    }
}
