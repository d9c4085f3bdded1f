/// Why a byte stream cannot be read as ESPA-X frames. Every case is fatal for the connection: the
/// stream cannot be resynchronised, so the server sends `IND.ERROR` 600 and closes (espax.md §3.2).
public enum EXFramingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Bytes 0–1 were not `E` `X`; `found` holds the two bytes received at `offset` in the stream.
    case badMagic(found: [UInt8], offset: Int)
    /// The announced total length is below the 10 header bytes.
    case lengthBelowHeader(announced: UInt32, offset: Int)
    /// The announced total length exceeds the configured maximum message size.
    case messageTooLarge(announced: UInt32, limit: Int, offset: Int)

    public var description: String {
        switch self {
        case .badMagic(let found, let offset):
            let hex = found.map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")
            return "ESPA-X frame at stream offset \(offset) starts with bytes \(hex), not the magic 45 58 ('EX')"
        case .lengthBelowHeader(let announced, let offset):
            return "ESPA-X frame at stream offset \(offset) announces a total length of \(announced) bytes, below the 10-byte header"
        case .messageTooLarge(let announced, let limit, let offset):
            return "ESPA-X frame at stream offset \(offset) announces \(announced) bytes, over the configured maximum message size of \(limit) bytes"
        }
    }
}
