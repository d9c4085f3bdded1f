/// One unit of traffic on an ESPA line, as the `FrameDecoder` cuts it out of the byte stream.
/// Polls and selects look alike on the wire (`<address> ENQ`); which one it is depends on the
/// link state, so the link machines decide.
public enum Frame: Sendable, Hashable, CustomStringConvertible {
    /// Ends a transaction and hands the line back to the control station.
    case eot
    /// `<address> ENQ`: a poll or a select. A bare ENQ has no address.
    case enquiry(address: UInt8?)
    case ack
    /// `<digit> NAK`; the digit is nil for a plain NAK.
    case nak(digit: UInt8?)
    /// A complete data block, SOH through BCC, with its verdict.
    case block(BlockFrame)
    /// A block cut short by an SOH, an EOT or the inter-character timeout.
    case interrupted([UInt8])
    /// Bytes that belong to no frame (line noise, a peer speaking another protocol).
    case noise([UInt8])

    /// The bytes of the frame as they go on the wire.
    public var bytes: [UInt8] {
        switch self {
        case .eot: [ESPA444.eot]
        case .enquiry(let address): (address.map { [$0] } ?? []) + [ESPA444.enq]
        case .ack: [ESPA444.ack]
        case .nak(let digit): (digit.map { [$0] } ?? []) + [ESPA444.nak]
        case .block(let block): block.bytes
        case .interrupted(let bytes), .noise(let bytes): bytes
        }
    }

    public var description: String {
        switch self {
        case .eot: "EOT"
        case .enquiry(let address): address.map { "'\(Character(Unicode.Scalar($0)))' ENQ" } ?? "ENQ"
        case .ack: "ACK"
        case .nak(let digit): digit.map { "'\(Character(Unicode.Scalar($0)))' NAK" } ?? "NAK"
        case .block(let block):
            switch block.result {
            case .success(let decoded): "block \(decoded)"
            case .failure(let error): "bad block (\(error)): \(block.bytes.map(hex).joined(separator: " "))"
            }
        case .interrupted(let bytes): "interrupted block: \(bytes.map(hex).joined(separator: " "))"
        case .noise(let bytes): "noise: \(bytes.map(hex).joined(separator: " "))"
        }
    }
}

/// A received data block: its bytes (SOH through BCC; for an oversized block only the first
/// `maximumBlockLength` bytes) and either the decoded block or why it was refused.
public struct BlockFrame: Sendable, Hashable {
    public var bytes: [UInt8]
    public var result: Result<Block, BlockError>

    public init(bytes: [UInt8], result: Result<Block, BlockError>) {
        self.bytes = bytes
        self.result = result
    }
}
