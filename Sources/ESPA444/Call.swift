/// A call block (header `'1'`) read as an alarm (espa444.md §7, §9; DESIGN §2): the call address
/// is the group number, record 2 the text, record 6 the priority, and call type `'1'` resets the
/// running alarm with the same address on the same port. Every record, known or not, stays in
/// `block` for the caller and the journal.
public struct Call: Sendable, Hashable, CustomStringConvertible {
    /// Record 1, the group number. Never parsed: `'01'` is not `'1'`.
    public var address: String
    /// Record 2, or "" when the block has none.
    public var text: String
    public var priority: CallPriority
    /// Record 4 as sent, nil when absent.
    public var callType: String?
    /// Port, address and the port's running sequence number.
    public var reference: CallReference
    public var block: Block
    /// The frame as received, SOH through BCC, for traces and duplicate detection.
    public var bytes: [UInt8]

    /// Call type `'1'`: cancel the running alarm with this address on this port.
    public var isReset: Bool { callType == "1" }
    public var port: String { reference.port }
    public var sequence: UInt64 { reference.sequence }

    /// Reads a decoded block as a call.
    public init(block: Block, bytes: [UInt8] = [], port: String, sequence: UInt64, defaultPriority: CallPriority = .standard) throws(CallError) {
        guard block.header == Block.callHeader else { throw .notACallBlock(header: block.header) }
        guard let address = block.value(of: Record.callAddress) else { throw .missingCallAddress }
        guard !address.isEmpty else { throw .emptyCallAddress }
        self.address = address
        text = block.value(of: Record.displayMessage) ?? ""
        priority = CallPriority(recordValue: block.value(of: Record.priority), fallback: defaultPriority)
        callType = block.value(of: Record.callType)
        reference = CallReference(port: port, address: address, sequence: sequence)
        self.block = block
        self.bytes = bytes
    }

    /// The call block for these values, in the record order of the spec's examples. Used by the
    /// control-station side (panel simulator, ESPA output).
    public static func block(address: String, text: String?, priority: CallPriority?, callType: String? = nil) -> Block {
        var records = [Record(Record.callAddress, address)]
        if let text { records.append(Record(Record.displayMessage, text)) }
        if let callType { records.append(Record(Record.callType, callType)) }
        if let priority { records.append(Record(Record.priority, priority.recordValue)) }
        return Block(header: Block.callHeader, records: records)
    }

    public var description: String {
        "call \(reference) '\(text)' \(priority)" + (isReset ? " reset" : "")
    }
}

/// Why a block with a good BCC is not a usable call; the link answers `'3' NAK`.
public enum CallError: Error, Hashable, Sendable, CustomStringConvertible {
    case notACallBlock(header: String)
    case missingCallAddress
    case emptyCallAddress

    public var description: String {
        switch self {
        case .notACallBlock(let header): "block type '\(header)' is not a call (type '1')"
        case .missingCallAddress: "call block has no call address (record 1)"
        case .emptyCallAddress: "call block has an empty call address (record 1)"
        }
    }
}
