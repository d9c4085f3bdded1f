/// The XML answers of the Callisto-style compatibility surface, laid out exactly as in the
/// ManagerAssistant REST manual: `<Callisto><Request>call</Request><Response>…</Response></Callisto>`
/// indented by two spaces. Every text is escaped; characters XML 1.0 cannot carry become U+FFFD.
enum CallistoXML {
    indirect enum Node: Equatable, Sendable {
        case text(String, String)
        case element(String, [Node])
    }

    static let contentType = "text/xml; charset=utf-8"

    /// An answer whose `<Response>` holds only a word: `OK`, `INVALID_MEMBER_ID`, `ERROR`.
    static func document(request: String, status: String) -> String {
        "<Callisto>\n  <Request>\(escape(request))</Request>\n  <Response>\(escape(status))</Response>\n</Callisto>\n"
    }

    /// An answer whose `<Response>` holds elements.
    static func document(request: String, response: [Node]) -> String {
        var out = "<Callisto>\n  <Request>\(escape(request))</Request>\n"
        render(.element("Response", response), indent: 1, into: &out)
        out += "</Callisto>\n"
        return out
    }

    private static func render(_ node: Node, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent)
        switch node {
        case .text(let name, let value):
            out += "\(pad)<\(name)>\(escape(value))</\(name)>\n"
        case .element(let name, let children):
            if children.isEmpty {
                out += "\(pad)<\(name)></\(name)>\n"
                return
            }
            out += "\(pad)<\(name)>\n"
            for child in children { render(child, indent: indent + 1, into: &out) }
            out += "\(pad)</\(name)>\n"
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                out.unicodeScalars.append(isAllowed(scalar) ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    /// XML 1.0 `Char`: tab, line feed, carriage return, and everything from U+0020 except the
    /// surrogates (which a Swift scalar cannot be) and U+FFFE/U+FFFF.
    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x20...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
