// The SIP text of a pager-mode MESSAGE (RFC 3428): the request Tocsin sends and the responses it
// reads, with the vendor profiles that decide how an alarm's priority travels. No I/O here.

import Alarming

/// How a handset system learns an alarm's priority.
public enum SIPVendorProfile: String, Sendable, Hashable, CaseIterable {
    /// RFC 3261 `Priority:` header: emergency, urgent, normal, non-urgent.
    case generic
    /// innovaphone (and the Kirk/Spectralink-based IP1200 DECT): `Priority: emergency` alerts
    /// with the alarm pattern, `non-urgent` is silent, anything else is a normal message.
    case innovaphone
    /// No header at all; the priority word leads the text, for systems that ignore `Priority:`.
    case plain

    /// The `Priority:` header value, or nil for none.
    public func priorityHeader(_ priority: Priority) -> String? {
        switch self {
        case .generic:
            switch priority {
            case .emergency: "emergency"
            case .high: "urgent"
            case .medium, .standard: "normal"
            case .low: "non-urgent"
            }
        case .innovaphone:
            switch priority {
            case .emergency, .high: "emergency"
            case .medium, .standard: nil
            case .low: "non-urgent"
            }
        case .plain:
            nil
        }
    }

    public func body(_ text: String, priority: Priority) -> String {
        self == .plain ? "\(priority.rawValue.uppercased()): \(text)" : text
    }
}

/// Where a MESSAGE goes: `sip:2101@10.0.0.9:5060`, `sip:2101@dect.example`, or `2101@10.0.0.9`.
public struct SIPTarget: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var host: String
    public var port: Int

    public init?(_ address: String) {
        var text = Substring(address.trimmingXMLSpace())
        if text.lowercased().hasPrefix("sip:") { text = text.dropFirst(4) }
        if let semicolon = text.firstIndex(of: ";") { text = text[..<semicolon] }
        guard let at = text.firstIndex(of: "@") else { return nil }
        let user = text[..<at]
        var hostPart = text[text.index(after: at)...]
        var port = 5060
        if let colon = hostPart.lastIndex(of: ":"), !hostPart.hasPrefix("[") || hostPart[..<colon].hasSuffix("]") {
            guard let value = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(value) else { return nil }
            port = value
            hostPart = hostPart[..<colon]
        }
        if hostPart.hasPrefix("["), hostPart.hasSuffix("]") { hostPart = hostPart.dropFirst().dropLast() }
        guard !user.isEmpty, !hostPart.isEmpty, !user.contains(" "), !hostPart.contains(" ") else { return nil }
        self.user = String(user)
        self.host = String(hostPart)
        self.port = port
    }

    /// The Request-URI and To URI.
    public var uri: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return port == 5060 ? "sip:\(user)@\(host)" : "sip:\(user)@\(host):\(port)"
    }

    public var description: String { uri }
}

public enum SIPTransport: String, Sendable, Hashable, CaseIterable {
    case udp
    case tcp

    var viaName: String { rawValue.uppercased() }
}

/// One MESSAGE request, as written on the wire.
struct SIPMessageRequest: Sendable {
    var target: SIPTarget
    var transport: SIPTransport
    var localHost: String
    var localPort: Int
    var fromUser: String
    var fromDomain: String
    var callID: String
    var fromTag: String
    var branch: String
    var cseq: Int
    var priority: String?
    var body: String
    /// `Authorization: …` or `Proxy-Authorization: …`, after a challenge.
    var credentials: (name: String, value: String)?

    var text: String {
        let host = localHost.contains(":") ? "[\(localHost)]" : localHost
        var lines = [
            "MESSAGE \(target.uri) SIP/2.0",
            "Via: SIP/2.0/\(transport.viaName) \(host):\(localPort);branch=\(branch);rport",
            "Max-Forwards: 70",
            "From: <sip:\(fromUser)@\(fromDomain)>;tag=\(fromTag)",
            "To: <\(target.uri)>",
            "Call-ID: \(callID)",
            "CSeq: \(cseq) MESSAGE",
        ]
        if let priority { lines.append("Priority: \(priority)") }
        if let credentials { lines.append("\(credentials.name): \(credentials.value)") }
        lines.append("User-Agent: Tocsin")
        lines.append("Content-Type: text/plain;charset=UTF-8")
        lines.append("Content-Length: \(body.utf8.count)")
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }
}

/// A SIP response, as far as a MESSAGE client needs it.
struct SIPResponse: Sendable, Hashable {
    var code: Int
    var reason: String
    /// Header names in lower case, compact forms expanded.
    var headers: [String: [String]]

    func header(_ name: String) -> String? { headers[name.lowercased()]?.first }

    var branch: String? {
        guard let via = header("via") else { return nil }
        for parameter in via.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingXMLSpace().lowercased() == "branch" { return parts[1].trimmingXMLSpace() }
        }
        return nil
    }

    var cseq: (number: Int, method: String)? {
        guard let value = header("cseq") else { return nil }
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let number = Int(parts[0]) else { return nil }
        return (number, String(parts[1]).uppercased())
    }

    static let compactNames: [String: String] = ["v": "via", "f": "from", "t": "to", "i": "call-id", "l": "content-length", "c": "content-type", "m": "contact"]

    /// Parses one response (status line, headers; the body is ignored). Nil for a request or garbage.
    static func parse(_ text: String) -> SIPResponse? {
        let head = text.firstRange(of: "\r\n\r\n").map { text[..<$0.lowerBound] } ?? Substring(text)
        let lines = head.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\r\n" || $0 == "\n" })
        guard let status = lines.first, status.hasPrefix("SIP/2.0 ") else { return nil }
        let parts = status.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let code = Int(parts[1]), (100...699).contains(code) else { return nil }
        var headers: [String: [String]] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            var name = line[..<colon].trimmingXMLSpace().lowercased()
            name = compactNames[name] ?? name
            headers[name, default: []].append(line[line.index(after: colon)...].trimmingXMLSpace())
        }
        return SIPResponse(code: code, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers)
    }
}
