/// Text written into the XML Tocsin sends: escaped for its place, and never carrying a character
/// XML 1.0 forbids (those become spaces, so a peer's parser never rejects the whole message).
public enum XMLText {
    public enum NonASCII: Sendable {
        /// Written as UTF-8 bytes.
        case raw
        /// Written as `&#x…;`, for peers that decode the bytes as Latin-1 whatever the declaration says.
        case characterReference
    }

    public static func escaped(_ value: String, inAttribute: Bool, nonASCII: NonASCII) -> String {
        // The common case, printable ASCII with nothing to escape, goes out as it is.
        let plain = value.utf8.allSatisfy { byte in
            isPrintableASCII(byte) && byte != UInt8(ascii: "&") && byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "\"")
        }
        if plain { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where inAttribute: out += "&quot;"
            case "\t" where inAttribute: out += "&#x9;"
            case "\n" where inAttribute: out += "&#xA;"
            // A raw CR would be normalised to LF by the reader; the reference keeps it.
            case "\r": out += "&#xD;"
            default:
                if isForbidden(scalar) {
                    out += " "
                } else if scalar.isASCII || nonASCII == .raw {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "&#x" + String(scalar.value, radix: 16, uppercase: true) + ";"
                }
            }
        }
        return out
    }

    /// Whether every character is printable ASCII (space to tilde): no control, nothing beyond ASCII.
    public static func isPrintableASCII(_ value: String) -> Bool {
        value.utf8.allSatisfy(isPrintableASCII)
    }

    private static func isPrintableASCII(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7F }

    /// Characters XML 1.0 does not allow in a document at all.
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: false
        case 0..<0x20: true
        case 0xFFFE, 0xFFFF: true
        default: false
        }
    }
}
