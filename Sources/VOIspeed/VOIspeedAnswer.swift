/// A `services.cgi` answer to a service that reports an outcome: keywords separated by `;`, such
/// as `result=0;call_id=12345` or `result=7`. The PBX may add spaces, a trailing `;` or a line
/// break; keyword names are matched without regard to case. Anything else (the HTML help page a
/// request without parameters gets, an empty body, garbage) is a `malformed` fault, never a guess.
public struct VOIspeedAnswer: Sendable, Hashable {
    public var result: VOIspeedResultCode
    /// Every keyword, lower-cased names, including `result`.
    public var keywords: [String: String]

    /// The largest answer read for a service's outcome; the seed's are a few dozen bytes.
    public static let sizeLimit = 4096

    public init(result: VOIspeedResultCode, keywords: [String: String] = [:]) {
        self.result = result
        self.keywords = keywords
        self.keywords["result"] = String(result.rawValue)
    }

    /// `call_id` of a placed call: 1 to 64 characters of letters, digits, `-`, `_` or `.`. The
    /// seed's are numbers; an id is echoed verbatim when the call is cleared.
    public var callID: String? {
        guard let id = keywords["call_id"], Self.isCallID(id) else { return nil }
        return id
    }

    static func isCallID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy {
            VOIspeedQueryEncoding.isLeftAsIs($0) && $0 != UInt8(ascii: "!") && $0 != UInt8(ascii: "~") && $0 != UInt8(ascii: "*")
                && $0 != UInt8(ascii: "'") && $0 != UInt8(ascii: "(") && $0 != UInt8(ascii: ")")
        }
    }

    /// Reads an answer. `peer` names the PBX in the fault.
    public static func parse(_ bytes: [UInt8], peer: String) throws(VOIspeedFault) -> VOIspeedAnswer {
        guard bytes.count <= sizeLimit else {
            throw VOIspeedFault(.malformed, "\(peer) answered \(bytes.count) bytes or more where services.cgi sends a result=N line")
        }
        let text = VOIspeedText.printable(bytes)
        let trimmed = VOIspeedText.trimmed(text)
        guard !trimmed.isEmpty else {
            throw VOIspeedFault(.malformed, "\(peer) answered an empty body where services.cgi sends result=N")
        }
        if trimmed.first == "<" {
            throw VOIspeedFault(.malformed, "\(peer) answered an HTML page (services.cgi's help page?) instead of result=N: check voispeed.base_url")
        }
        var keywords: [String: String] = [:]
        for part in trimmed.split(whereSeparator: { $0 == ";" || $0.isNewline }) {
            let item = VOIspeedText.trimmed(String(part))
            if item.isEmpty { continue }
            guard let equals = item.firstIndex(of: "=") else {
                throw VOIspeedFault(.malformed, "\(peer) answered \(VOIspeedText.quoted(trimmed)): \"\(item)\" is not keyword=value")
            }
            let name = VOIspeedText.trimmed(String(item[..<equals])).lowercased()
            let value = VOIspeedText.trimmed(String(item[item.index(after: equals)...]))
            guard !name.isEmpty else {
                throw VOIspeedFault(.malformed, "\(peer) answered \(VOIspeedText.quoted(trimmed)): a value without a keyword")
            }
            // The first one counts: a PBX that repeats a keyword does not get to change its mind.
            if keywords[name] == nil { keywords[name] = value }
        }
        guard let resultText = keywords["result"] else {
            throw VOIspeedFault(.malformed, "\(peer) answered \(VOIspeedText.quoted(trimmed)) without a result keyword")
        }
        guard resultText.utf8.count <= 6, resultText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let code = Int(resultText) else {
            throw VOIspeedFault(.malformed, "\(peer) answered result=\(VOIspeedText.quoted(resultText)), which is not a result code")
        }
        return VOIspeedAnswer(result: VOIspeedResultCode(rawValue: code), keywords: keywords)
    }

    /// The fault for a result other than 0, naming the service and the peer.
    public func refusal(of service: VOIspeedService, peer: String) -> VOIspeedFault? {
        guard !result.isSuccess else { return nil }
        let hint = result.hint.map { "; \($0)" } ?? ""
        return VOIspeedFault(.refused(result), "\(peer) refused to \(service): \(result)\(hint)")
    }
}

/// Text helpers shared by the parsers: answers are shown to staff, so control characters go.
enum VOIspeedText {
    /// The bytes as text (UTF-8, or Latin-1 when they are not UTF-8), controls other than line
    /// breaks and tabs turned into spaces.
    static func printable(_ bytes: [UInt8]) -> String {
        let text = String(validating: bytes, as: UTF8.self) ?? String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        return String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            if scalar == "\n" || scalar == "\r" || scalar == "\t" { return scalar }
            return scalar.properties.generalCategory == .control ? " " : scalar
        }))
    }

    static func trimmed(_ text: String) -> String {
        var scalars = Substring(text)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    /// Quoted and cut to 80 characters, for a fault's detail.
    static func quoted(_ text: String) -> String {
        let flat = String(text.map { $0.isNewline ? " " : $0 })
        return "\"" + (flat.count > 80 ? String(flat.prefix(80)) + "…" : flat) + "\""
    }
}
