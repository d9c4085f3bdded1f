/// How a link machine receives blocks: shared by the paging-system role and by the control station
/// when a polled panel selects it.
public struct ReceiverConfiguration: Sendable, Hashable {
    /// The port's name, used in call references (`port/address/sequence`).
    public var port: String
    /// This station's address character, `'2'` for the paging system by convention.
    public var address: UInt8
    public var charset: Charset
    /// `.replace` by default: a mis-set character set should not lose an alarm. With `.reject`,
    /// undecodable text is answered `'1' NAK`.
    public var unmappable: UnmappablePolicy
    public var maximumBlockLength: Int
    /// Silence inside a frame after which the partial block is dropped and `'1' NAK` sent.
    public var interCharacterTimeout: Duration
    /// The same frame again within this time (from its last sighting) is a duplicate.
    public var duplicateWindow: Duration
    /// How long to wait for `.committed` before answering `'2' NAK` (nil: wait for ever). A commit
    /// that arrives later still counts for duplicate detection.
    public var commitTimeout: Duration?
    /// The priority of calls without record 6.
    public var defaultPriority: CallPriority
    /// The sequence number of the first call. Seed it (for example from the journal) so references
    /// stay unique across restarts.
    public var firstSequence: UInt64

    public init(
        port: String,
        address: UInt8 = 0x32,
        charset: Charset = .ascii,
        unmappable: UnmappablePolicy = .replace,
        maximumBlockLength: Int = FrameDecoder.defaultMaximumBlockLength,
        interCharacterTimeout: Duration = .seconds(2),
        duplicateWindow: Duration = .seconds(20),
        commitTimeout: Duration? = .seconds(5),
        defaultPriority: CallPriority = .standard,
        firstSequence: UInt64 = 1
    ) {
        self.port = port
        self.address = address
        self.charset = charset
        self.unmappable = unmappable
        self.maximumBlockLength = maximumBlockLength
        self.interCharacterTimeout = interCharacterTimeout
        self.duplicateWindow = duplicateWindow
        self.commitTimeout = commitTimeout
        self.defaultPriority = defaultPriority
        self.firstSequence = firstSequence
    }
}
