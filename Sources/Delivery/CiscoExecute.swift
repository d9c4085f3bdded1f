// The wire side of a Cisco IP phone push (`POST /CGI/Execute`): the `CiscoIPPhoneExecute` object
// Tocsin sends, the form body that carries it, and the phone's `CiscoIPPhoneResponse` or
// `CiscoIPPhoneError` answer read into what the journal records. No I/O here.

import Alarming

/// One `CiscoIPPhoneExecute` object: the phone fetches `url` and shows it, and plays `tone` (an
/// internal `Play:` URI) when one is given. A phone takes at most three items and at most one
/// HTTP URL, so an alarm push is always one or two items.
public struct CiscoExecute: Sendable, Hashable {
    public var url: String
    public var tone: String?

    public init(url: String, tone: String? = nil) {
        self.url = url
        self.tone = tone
    }

    /// The XML text, on one line as the phones' own samples send it. Priority 0 shows the alarm at
    /// once, even over a call screen; `Play:` ignores the attribute and always runs at once.
    public var xml: String {
        var out = "<CiscoIPPhoneExecute><ExecuteItem Priority=\"0\" URL=\"\(CiscoExecute.escape(url))\"/>"
        if let tone {
            out += "<ExecuteItem URL=\"\(CiscoExecute.escape(tone))\"/>"
        }
        out += "</CiscoIPPhoneExecute>"
        return out
    }

    /// The `application/x-www-form-urlencoded` body: `XML=` and the object, percent-encoded.
    public var formBody: String { "XML=" + CiscoExecute.formEncode(xml) }

    /// XML attribute escaping; control characters the phones cannot parse are dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if scalar.value < 0x20 { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Form encoding as browsers do it: unreserved characters stay, space is `+`, every other
    /// byte of the UTF-8 text is `%XX`.
    static func formEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "*"):
                out.append(byte)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What a phone answered to `/CGI/Execute`.
public enum CiscoExecuteAnswer: Sendable, Hashable {
    /// `CiscoIPPhoneResponse`: one item per executed item, `Status="0"` meaning it ran.
    case response([Item])
    /// `CiscoIPPhoneError Number="n"` (1 parse, 2 framing, 3 internal file, 4 authentication).
    case error(number: Int, text: String)
    /// Neither: the body is quoted (shortened) for the journal.
    case unreadable(String)

    public struct Item: Sendable, Hashable {
        public var status: Int
        public var data: String
        public var url: String

        public init(status: Int, data: String, url: String) {
            self.status = status
            self.data = data
            self.url = url
        }
    }

    /// Reads the body of a phone's answer. The phones' XML is small and flat, so a tolerant
    /// scan of the root element and its `ResponseItem` attributes is enough, and it never
    /// resolves entities beyond the five predefined ones.
    public static func parse(_ body: String) -> CiscoExecuteAnswer {
        let text = body.trimmingXMLSpace()
        if let error = CiscoXMLScan.element("CiscoIPPhoneError", in: text) {
            let number = Int(error.attributes["Number"] ?? "") ?? 0
            return .error(number: number, text: CiscoXMLScan.unescape(error.content).trimmingXMLSpace())
        }
        if let response = CiscoXMLScan.element("CiscoIPPhoneResponse", in: text) {
            var items: [Item] = []
            var rest = Substring(response.content)
            while let item = CiscoXMLScan.element("ResponseItem", in: String(rest)) {
                items.append(Item(
                    status: Int(item.attributes["Status"] ?? "") ?? -1,
                    data: item.attributes["Data"] ?? "",
                    url: item.attributes["URL"] ?? ""
                ))
                rest = rest[rest.utf8.index(rest.startIndex, offsetBy: item.end)...]
            }
            return .response(items)
        }
        let quoted = text.count > 120 ? String(text.prefix(120)) + "…" : text
        return .unreadable(quoted)
    }

    /// What the error numbers mean, in the words of Cisco's development notes.
    public static func meaning(ofError number: Int) -> String {
        switch number {
        case 1: "error parsing the pushed object"
        case 2: "error framing the CiscoIPPhoneResponse"
        case 3: "internal file error"
        case 4: "authentication error (check [cisco] username and password, and the phone's authentication URL)"
        default: "unknown error"
        }
    }

    /// The delivery outcome. An authentication or parse error is the integrator's to fix, so it is
    /// not retried; a framing or internal file error is the phone's and may pass.
    public func outcome(phone: String) -> DeliveryOutcome {
        switch self {
        case .response(let items):
            guard !items.isEmpty else {
                return .failed(reason: "\(phone) answered an empty CiscoIPPhoneResponse", retryable: true)
            }
            // The URL item is what puts the alarm on the screen; a failed Play: alone is a tone lost.
            let failed = items.filter { $0.status != 0 }
            let shown = items.contains { $0.status == 0 && !$0.url.hasPrefix("Play:") }
            if shown {
                let tones = failed.isEmpty ? "" : ", but \(failed.map { "\($0.url) Status=\($0.status)" }.joined(separator: ", "))"
                return .accepted(detail: "CiscoIPPhoneResponse Status=0 from \(phone)\(tones)")
            }
            let list = items.map { "\($0.url.isEmpty ? "item" : $0.url) Status=\($0.status)\($0.data.isEmpty ? "" : " \($0.data)")" }
            return .failed(reason: "\(phone) did not run the alarm URL: \(list.joined(separator: ", "))", retryable: true)
        case .error(let number, let text):
            let detail = text.isEmpty ? "" : " (\(text))"
            let reason = "\(phone) answered CiscoIPPhoneError \(number): \(Self.meaning(ofError: number))\(detail)"
            return .failed(reason: reason, retryable: number == 2 || number == 3)
        case .unreadable(let quoted):
            return .failed(reason: "\(phone) answered neither CiscoIPPhoneResponse nor CiscoIPPhoneError: \(quoted)", retryable: true)
        }
    }
}

/// A minimal scan for one element by name: its attributes, its content and where it ends.
enum CiscoXMLScan {
    struct Found {
        var attributes: [String: String]
        var content: String
        /// Offset (in UTF-8 bytes of the scanned text) just past the element.
        var end: Int
    }

    // The scan runs over UTF-8 bytes: every byte it looks for is ASCII, and a scan over Characters
    // cost a 500-phone push more time than the pushes themselves.
    static func element(_ name: String, in text: String) -> Found? {
        let bytes = Array(text.utf8)
        let open = Array(("<" + name).utf8)
        var index = 0
        while index + open.count <= bytes.count {
            if bytes[index] == open[0], matches(open, in: bytes, at: index) {
                let after = index + open.count
                if after < bytes.count, [UInt8(ascii: " "), UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(bytes[after]) {
                    return finish(name, bytes, tagStart: after)
                }
            }
            index += 1
        }
        return nil
    }

    private static func matches(_ pattern: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index + pattern.count <= bytes.count else { return false }
        for offset in pattern.indices where bytes[index + offset] != pattern[offset] { return false }
        return true
    }

    private static func finish(_ name: String, _ bytes: [UInt8], tagStart: Int) -> Found? {
        var index = tagStart
        var quote: UInt8?
        while index < bytes.count {
            let byte = bytes[index]
            if let q = quote {
                if byte == q { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                break
            }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let selfClosing = index > tagStart && bytes[index - 1] == UInt8(ascii: "/")
        let attributes = parseAttributes(String(decoding: bytes[tagStart..<(selfClosing ? index - 1 : index)], as: UTF8.self))
        if selfClosing { return Found(attributes: attributes, content: "", end: index + 1) }
        let contentStart = index + 1
        let close = Array(("</" + name + ">").utf8)
        var search = contentStart
        while search + close.count <= bytes.count {
            if bytes[search] == close[0], matches(close, in: bytes, at: search) {
                return Found(attributes: attributes, content: String(decoding: bytes[contentStart..<search], as: UTF8.self), end: search + close.count)
            }
            search += 1
        }
        return nil
    }

    static func parseAttributes(_ text: String) -> [String: String] {
        var attributes: [String: String] = [:]
        var rest = Substring(text)
        while let equals = rest.firstIndex(of: "=") {
            let name = rest[..<equals].trimmingCharacters(inSet: " \t\r\n")
            var valueStart = rest.index(after: equals)
            while valueStart < rest.endIndex, rest[valueStart] == " " { valueStart = rest.index(after: valueStart) }
            guard valueStart < rest.endIndex else { break }
            let quote = rest[valueStart]
            guard quote == "\"" || quote == "'" else { break }
            let inner = rest.index(after: valueStart)
            guard let close = rest[inner...].firstIndex(of: quote) else { break }
            attributes[String(name)] = unescape(String(rest[inner..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return attributes
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text
            .replacingAll("&lt;", with: "<")
            .replacingAll("&gt;", with: ">")
            .replacingAll("&quot;", with: "\"")
            .replacingAll("&apos;", with: "'")
            .replacingAll("&amp;", with: "&")
    }
}

extension StringProtocol {
    func trimmingCharacters(inSet set: String) -> Substring {
        var s = Substring(self)
        while let first = s.first, set.contains(first) { s.removeFirst() }
        while let last = s.last, set.contains(last) { s.removeLast() }
        return s
    }

    func trimmingXMLSpace() -> String {
        String(trimmingCharacters(inSet: " \t\r\n"))
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return String(self) }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        out += rest
        return out
    }
}
