#if canImport(FoundationEssentials)
import HardenedXML
import FoundationEssentials
#else
import Foundation
#endif

/// Writes the documents Tocsin sends. Every value is made valid for the XSD on the way out:
/// trimmed, cut to the element's maximum length, stripped of characters its pattern forbids, and
/// left out when nothing remains (an empty element would break `minLength 1`). Text is escaped, and
/// every non-ASCII character goes out as a character reference, so the bytes stay ASCII: the
/// tetronik client decodes the stream as Latin-1 (espax.md §3), and a reference survives that.
struct ESPAXXMLWriter {
    private(set) var output = ""

    static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// Maximum lengths from the XSD's string types, by element or attribute name.
    static let maximumLength: [String: Int] = [
        "LI-SERVER": 30, "LI-SERVERSW": 30, "RSP-INFO": 256,
        "CP-PR-REF": 32, "CP-GROUPID": 12, "CP-PHONENO": 24, "CP-CBCKNO": 24,
        "SP-PR-NAME": 30, "SP-ENDINFO": 256,
        "SS-NETW-NO": 16, "SS-NETW-NAME": 24, "SS-SBSCRID": 12, "SS-SBSCRNO": 24, "SS-SBSCRDATA": 256, "SS-KEY": 1,
        "sessionID": 32,
    ]

    /// Characters the XSD's patterns allow, by element name.
    static let allowedCharacters: [String: Set<Character>] = {
        let digits = Set("0123456789")
        let phone = digits.union("+-/()*#")
        let clip = digits.union("*#")
        return ["CP-PHONENO": phone, "CP-CBCKNO": phone, "SS-SBSCRNO": phone, "SS-NETW-NO": clip, "SS-KEY": clip]
    }()

    /// What the XSD asks of one name's values, from the two tables above, looked up once per value.
    struct Rule {
        var maximumLength: Int?
        var allowed: Set<Character>?
    }

    static let rules: [String: Rule] = {
        var rules: [String: Rule] = [:]
        for (name, limit) in maximumLength { rules[name, default: Rule()].maximumLength = limit }
        for (name, allowed) in allowedCharacters { rules[name, default: Rule()].allowed = allowed }
        return rules
    }()

    /// The value as it may be written for `name`, or nil when nothing valid remains.
    static func conformingValue(_ raw: String, for name: String) -> String? {
        conformingValue(raw, rule: rules[name])
    }

    static func conformingValue(_ raw: String, rule: Rule?) -> String? {
        // Most values (numbers, references, session ids, plain text) already conform: printable
        // ASCII without spaces at either end, within the limit, for an element with no pattern.
        if rule?.allowed == nil, XMLText.isPrintableASCII(raw),
           raw.utf8.count <= rule?.maximumLength ?? Int.max,
           raw.utf8.first != UInt8(ascii: " "), raw.utf8.last != UInt8(ascii: " ") {
            return raw.isEmpty ? nil : raw
        }
        var value = raw.trimmingXMLWhitespace()
        if let allowed = rule?.allowed { value = String(value.filter { allowed.contains($0) }) }
        value = replacingForbiddenCharacters(value)
        if let limit = rule?.maximumLength { value = value.truncatedToScalars(limit) }
        let trimmed = value.trimmingXMLWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// True for a value that goes out exactly as it is under `rule`: non-empty printable ASCII with
    /// nothing to escape, no space at either end, within the limit, for a name without a pattern.
    /// One pass over the bytes, for the values nearly every message carries.
    static func isPlain(_ raw: String, rule: Rule?) -> Bool {
        guard rule?.allowed == nil else { return false }
        let utf8 = raw.utf8
        guard let first = utf8.first, first != UInt8(ascii: " "), utf8.last != UInt8(ascii: " "),
              utf8.count <= rule?.maximumLength ?? Int.max else { return false }
        return utf8.allSatisfy { byte in
            byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "&") && byte != UInt8(ascii: "<")
                && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "\"")
        }
    }

    // XML 1.0 forbids most C0 controls even as references; a space keeps the text readable.
    static func replacingForbiddenCharacters(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: XMLText.isForbidden) else { return value }
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars { scalars.append(XMLText.isForbidden(scalar) ? " " : scalar) }
        return String(scalars)
    }

    static func escaped(_ value: String, inAttribute: Bool) -> String {
        // All non-ASCII as references: the tetronik client decodes the bytes as Latin-1.
        XMLText.escaped(value, inAttribute: inAttribute, nonASCII: .characterReference)
    }

    /// Opens the `ESPA-X` root and the message element.
    mutating func open(message: String, attributes: [(String, String?)], timestamp: Date?) {
        output.reserveCapacity(512)
        output.append(Self.declaration)
        output.append(#"<ESPA-X xmlns="http://ns.espa-x.org/espa-x" version="1.00""#)
        if let timestamp {
            output.append(#" timestamp=""#)
            output.append(ESPAXTimestamp.string(from: timestamp))
            output.append(#"""#)
        }
        output.append("><")
        output.append(message)
        for (name, value) in attributes {
            guard let value, let written = Self.written(value, for: name, inAttribute: true) else { continue }
            output.append(" ")
            output.append(name)
            output.append(#"=""#)
            output.append(written)
            output.append(#"""#)
        }
        output.append(">")
    }

    /// Writes one simple element, or nothing when the value is absent or empties out.
    mutating func field(_ name: String, _ value: String?) {
        guard let value, let written = Self.written(value, for: name, inAttribute: false) else { return }
        output.append("<")
        output.append(name)
        output.append(">")
        output.append(written)
        output.append("</")
        output.append(name)
        output.append(">")
    }

    /// The value conformed and escaped, or nil when nothing valid remains.
    private static func written(_ value: String, for name: String, inAttribute: Bool) -> String? {
        let rule = rules[name]
        if isPlain(value, rule: rule) { return value }
        return conformingValue(value, rule: rule).map { escaped($0, inAttribute: inAttribute) }
    }

    mutating func close(message: String) {
        output.append("</")
        output.append(message)
        output.append("></ESPA-X>")
    }
}
