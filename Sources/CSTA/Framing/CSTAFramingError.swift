/// Why a byte stream cannot be read as CSTA frames, or a document cannot be framed. A decoding case
/// means the stream is out of sync: the caller closes the connection and reconnects, and never
/// tries to resynchronise (csta.md §1.3).
public enum CSTAFramingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Annex J.2 bytes 0–1 were not `00 00`.
    case badFormatIndicator(found: [UInt8], offset: Int)
    /// The announced total length is below the 8 header bytes.
    case lengthBelowHeader(announced: Int, offset: Int)
    /// The announced total length exceeds the configured maximum.
    case frameTooLarge(announced: Int, limit: Int, offset: Int)
    /// Header bytes 4–7 were not four ASCII digits.
    case invokeIDNotDigits(found: [UInt8], offset: Int)
    /// A NUL-delimited message grew past the maximum without its terminating NUL.
    case unterminatedMessage(buffered: Int, limit: Int, offset: Int)
    /// Sending: the document does not fit in one frame.
    case bodyTooLarge(size: Int, limit: Int)
    /// Sending: a NUL inside a document would end its NUL-delimited frame early.
    case nulInBody(offset: Int)

    public var description: String {
        switch self {
        case .badFormatIndicator(let found, let offset):
            "CSTA frame at stream offset \(offset) starts with bytes \(Self.hex(found)), not the Annex J.2 format indicator 00 00; the stream is out of sync"
        case .lengthBelowHeader(let announced, let offset):
            "CSTA frame at stream offset \(offset) announces a total length of \(announced) bytes, below the 8-byte Annex J.2 header"
        case .frameTooLarge(let announced, let limit, let offset):
            "CSTA frame at stream offset \(offset) announces \(announced) bytes, over the maximum frame length of \(limit) bytes"
        case .invokeIDNotDigits(let found, let offset):
            "CSTA frame at stream offset \(offset) has invoke ID bytes \(Self.hex(found)), not four ASCII digits"
        case .unterminatedMessage(let buffered, let limit, let offset):
            "CSTA message at stream offset \(offset) has \(buffered) bytes without its NUL terminator, over the maximum of \(limit) bytes"
        case .bodyTooLarge(let size, let limit):
            "CSTA document of \(size) bytes does not fit in one frame (at most \(limit) bytes of XML)"
        case .nulInBody(let offset):
            "CSTA document holds a NUL byte at offset \(offset), which would end its NUL-delimited frame early"
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}
