/// Percent-encoding of `services.cgi` parameters and decoding of A.N.S. callback queries.
///
/// The seed asks for "special characters (like space, &, + ...) encoded as % followed by their
/// ascii hex value", and its own example leaves `!` alone (`body=hello%20Jenny!`). So the bytes
/// left as they are are the ones JavaScript's `encodeURIComponent` leaves: letters, digits and
/// `- _ . ! ~ * ' ( )`. Every other byte, including `+` (which a CGI would read as a space) and
/// every byte of a non-ASCII character, becomes `%XX` with upper-case hex digits.
public enum VOIspeedQueryEncoding {
    static func isLeftAsIs(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "~"),
             UInt8(ascii: "*"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"):
            true
        default:
            false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// The bytes of `text` in `charset`: UTF-8, or ISO 8859-1 with `?` for what it cannot hold.
    public static func bytes(of text: String, charset: VOIspeedCharset) -> [UInt8] {
        switch charset {
        case .utf8:
            return Array(text.utf8)
        case .latin1:
            return text.unicodeScalars.map { $0.value <= 0xFF ? UInt8($0.value) : UInt8(ascii: "?") }
        }
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            if isLeftAsIs(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func encode(_ text: String, charset: VOIspeedCharset) -> String {
        encode(bytes(of: text, charset: charset))
    }

    /// Decodes one value of a callback query. `%XX` becomes its byte; a `%` not followed by two
    /// hex digits is kept as it is. `+` stays `+`: the PBX writes a space as `%20`, and a `+`
    /// in a number such as `+39…` must survive. Bytes that are not UTF-8 are read as Latin-1,
    /// so a PBX that encodes its own charset still gives readable text.
    public static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let high = hexValue(iterator[iterator.startIndex]), let low = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator.removeFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// `name=value` pairs of a query string, in order; a pair without `=` has an empty value.
    public static func pairs(of query: Substring) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (decode(pair[..<equals]), decode(pair[pair.index(after: equals)...]))
            }
            return (decode(pair), "")
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
