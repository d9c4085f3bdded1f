/// A data block: `SOH <header> STX <record> {RS <record>} ETX <BCC>` (espa444.md §6). The header
/// is the block type (`'1'` call, `'2'` status, …, kept as a string so vendor types survive).
/// Records keep their order and duplicates; the spec lets them come in any order.
public struct Block: Sendable, Hashable, CustomStringConvertible {
    public var header: String
    public var records: [Record]

    public init(header: String, records: [Record]) {
        self.header = header
        self.records = records
    }

    /// The block types of espa444.md §7.1.
    public static let callHeader = "1"
    public static let statusHeader = "2"
    public static let statusRequestHeader = "3"

    /// The value of the first record with this identifier.
    public func value(of identifier: String) -> String? {
        records.first { $0.identifier == identifier }?.value
    }

    public var description: String {
        "[\(header)] " + records.map(\.description).joined(separator: " ")
    }

    // MARK: - Encoding

    /// The exact bytes of the block, SOH through BCC. Nothing is truncated or altered here; use
    /// `truncatedForOutput()` first when the receiver holds to the spec's lengths.
    public func encoded(charset: Charset = .ascii, policy: UnmappablePolicy = .reject) throws(BlockError) -> [UInt8] {
        guard !header.isEmpty else { throw .missingHeader }
        guard !records.isEmpty else { throw .noRecords }
        var frame: [UInt8] = [ESPA444.soh]
        try Block.appendText(header, to: &frame, charset: charset, policy: policy)
        frame.append(ESPA444.stx)
        for (index, record) in records.enumerated() {
            if index > 0 { frame.append(ESPA444.rs) }
            guard !record.identifier.isEmpty else { throw .emptyIdentifier(index: index) }
            try Block.appendText(record.identifier, to: &frame, charset: charset, policy: policy)
            frame.append(ESPA444.us)
            try Block.appendText(record.value, to: &frame, charset: charset, policy: policy)
        }
        frame.append(ESPA444.etx)
        frame.append(ESPA444.bcc(of: frame.dropFirst()))
        return frame
    }

    private static func appendText(_ text: String, to frame: inout [UInt8], charset: Charset, policy: UnmappablePolicy) throws(BlockError) {
        let bytes: [UInt8]
        do { bytes = try charset.encode(text, policy: policy) } catch { throw .charset(error) }
        // A control character in a value would end the record or the block early on the far side.
        if let index = bytes.firstIndex(where: ESPA444.isControl) {
            throw .controlCharacter(byte: bytes[index], offset: frame.count + index)
        }
        frame.append(contentsOf: bytes)
    }

    /// The block with call address and display message cut to the spec's 16 and 128 characters,
    /// for receivers that refuse longer ones.
    public func truncatedForOutput(
        maximumAddressLength: Int = ESPA444.specMaximumAddressLength,
        maximumMessageLength: Int = ESPA444.specMaximumMessageLength
    ) -> Block {
        var copy = self
        for index in copy.records.indices {
            switch copy.records[index].identifier {
            case Record.callAddress: copy.records[index].value = String(copy.records[index].value.prefix(maximumAddressLength))
            case Record.displayMessage: copy.records[index].value = String(copy.records[index].value.prefix(maximumMessageLength))
            default: break
            }
        }
        return copy
    }

    // MARK: - Decoding

    /// Decodes a whole frame, SOH through BCC, checking the BCC first.
    public init(frame: [UInt8], charset: Charset = .ascii, policy: UnmappablePolicy = .reject) throws(BlockError) {
        guard frame.count >= 3, frame[0] == ESPA444.soh, frame[frame.count - 2] == ESPA444.etx else { throw .notAFrame }
        let expected = ESPA444.bcc(of: frame[1 ..< frame.count - 1])
        let received = frame[frame.count - 1]
        guard expected == received else { throw .badBCC(expected: expected, received: received) }
        try self.init(checkedFrame: frame, charset: charset, policy: policy)
    }

    /// Decodes a frame whose BCC has been checked: splits header and records and maps the text.
    init(checkedFrame frame: [UInt8], charset: Charset, policy: UnmappablePolicy) throws(BlockError) {
        let body = frame[1 ..< frame.count - 2] // header through the byte before ETX
        guard let stx = body.firstIndex(of: ESPA444.stx) else { throw .missingSTX }
        guard stx > body.startIndex else { throw .missingHeader }
        header = try Block.text(body[body.startIndex ..< stx], charset: charset, policy: policy)
        var records: [Record] = []
        var start = stx + 1
        var index = 0
        while start <= body.endIndex {
            let end = body[start...].firstIndex(of: ESPA444.rs) ?? body.endIndex
            // Empty records are skipped: some senders put an RS just before ETX (espa444.md §6).
            if end > start {
                let record = body[start ..< end]
                guard let us = record.firstIndex(of: ESPA444.us) else { throw .recordWithoutSeparator(index: index) }
                guard us > record.startIndex else { throw .emptyIdentifier(index: index) }
                let identifier = try Block.text(record[record.startIndex ..< us], charset: charset, policy: policy)
                let value = try Block.text(record[(us + 1)...], charset: charset, policy: policy)
                records.append(Record(identifier, value))
                index += 1
            }
            start = end + 1
        }
        guard !records.isEmpty else { throw .noRecords }
        self.records = records
    }

    /// Text from a slice of the frame; offsets in errors are frame offsets.
    private static func text(_ bytes: ArraySlice<UInt8>, charset: Charset, policy: UnmappablePolicy) throws(BlockError) -> String {
        if let index = bytes.firstIndex(where: ESPA444.isControl) {
            throw .controlCharacter(byte: bytes[index], offset: index)
        }
        do {
            return try charset.decode(bytes, policy: policy)
        } catch {
            switch error {
            case .undecodable(let byte, let offset, let charset):
                throw .charset(.undecodable(byte: byte, offset: bytes.startIndex + offset, charset: charset))
            case .unmappable:
                throw .charset(error)
            }
        }
    }
}
