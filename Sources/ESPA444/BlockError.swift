/// Why a received block was refused, or why a block cannot be encoded. Offsets count bytes from
/// the SOH of the frame.
public enum BlockError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The BCC byte does not match the XOR of header through ETX.
    case badBCC(expected: UInt8, received: UInt8)
    /// The frame grew past the port's `maximumBlockLength` before its ETX.
    case oversized(limit: Int)
    /// Bytes handed to `Block(frame:)` that do not start with SOH and end with ETX and a BCC.
    case notAFrame
    /// No STX after the header.
    case missingSTX
    /// Nothing between SOH and STX.
    case missingHeader
    /// A record with no US between identifier and value; `index` counts records from 0.
    case recordWithoutSeparator(index: Int)
    /// A record whose identifier is empty (`US value`).
    case emptyIdentifier(index: Int)
    /// STX followed directly by ETX: the spec asks for at least one record.
    case noRecords
    /// A control character where text belongs.
    case controlCharacter(byte: UInt8, offset: Int)
    /// The text is not valid in the port's character set.
    case charset(CharsetError)

    /// The error digit of the `<digit> NAK` a receiver answers with (espa444.md §4): `'1'` for a
    /// transmission error (bad BCC or character), `'3'` for a message it cannot understand.
    public var nakDigit: UInt8 {
        switch self {
        case .badBCC, .controlCharacter, .charset, .notAFrame: 0x31
        case .oversized, .missingSTX, .missingHeader, .recordWithoutSeparator, .emptyIdentifier, .noRecords: 0x33
        }
    }

    public var description: String {
        switch self {
        case .badBCC(let expected, let received):
            "bad BCC: computed 0x\(hex(expected)), received 0x\(hex(received))"
        case .oversized(let limit):
            "block longer than \(limit) bytes; raise the port's maximum block length if the panel really sends such blocks"
        case .notAFrame: "not a block frame: it must start with SOH and end with ETX and the BCC"
        case .missingSTX: "no STX after the header"
        case .missingHeader: "empty header between SOH and STX"
        case .recordWithoutSeparator(let index): "record \(index) has no US between identifier and value"
        case .emptyIdentifier(let index): "record \(index) has an empty identifier"
        case .noRecords: "block has no records"
        case .controlCharacter(let byte, let offset): "control character 0x\(hex(byte)) at byte \(offset) of the block"
        case .charset(let error): "\(error)"
        }
    }
}
