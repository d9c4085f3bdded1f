/// The paging-system (slave) role of espa444.md §9: what Tocsin does when the panel owns the line.
///
/// - A poll of its own address (the first ENQ after EOT) is answered `EOT`: it has nothing to send.
/// - A select of its own address (an ENQ after the poll of another station, usually the panel
///   polling itself) is answered `ACK`.
/// - A block is answered `ACK` only after the owner reports `.committed` for the `.deliver` or
///   `.reset` it was handed; `'1' NAK` on a bad BCC or character, `'2' NAK` when busy, `'3' NAK`
///   for a block that is not understood. Blocks with no select before them are taken too.
/// - It never sends `EOT` on its own: the temporary master ends the transaction.
/// - Blocks while another station is selected (a multidrop line) are not answered.
///
/// Feed every read and every timer expiry through `handle(_:now:)` and perform the returned actions
/// in order. The machine is a value: it does no I/O and reads no clock.
public struct PagingSystemLink<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public typealias Action = LinkAction<Instant>

    public struct Configuration: Sendable, Hashable {
        public var receiver: ReceiverConfiguration
        /// No poll, select or block for this long raises `.linkSilent`; nil turns it off (for
        /// panels that only speak when they have a call).
        public var supervisionTime: Duration?

        public init(receiver: ReceiverConfiguration, supervisionTime: Duration? = .seconds(60)) {
            self.receiver = receiver
            self.supervisionTime = supervisionTime
        }
    }

    /// Where the line stands, as far as this station can tell.
    public enum LineState: Sendable, Hashable {
        /// After EOT (or at start): the next ENQ is a poll.
        case idle
        /// Another station was polled and is temporary master: the next ENQ is a select.
        case polled(UInt8)
        /// This station is selected; blocks are expected.
        case selected
        /// Another station is selected: its blocks are not ours to answer.
        case otherSelected(UInt8)
    }

    public let configuration: Configuration
    public private(set) var lineState: LineState = .idle
    private var decoder: FrameDecoder
    private var intake: CallIntake<Instant>
    private var supervision: LinkSupervision<Instant>
    private var lastByteAt: Instant
    private var scheduled: Instant?

    public init(configuration: Configuration, now: Instant) {
        self.configuration = configuration
        let receiver = configuration.receiver
        decoder = FrameDecoder(charset: receiver.charset, policy: receiver.unmappable, maximumBlockLength: receiver.maximumBlockLength)
        intake = CallIntake(configuration: receiver)
        supervision = LinkSupervision(supervisionTime: configuration.supervisionTime, now: now)
        lastByteAt = now
    }

    /// True while a delivered call waits for `.committed` or `.rejected`.
    public var isAwaitingCommit: Bool { intake.pending != nil }
    /// True after `.linkSilent` until traffic returns.
    public var isSilent: Bool { supervision.isSilent }
    public var lastSignOfLife: Instant { supervision.lastSignOfLife }

    /// The earliest instant at which a tick has work to do.
    public var nextDeadline: Instant? {
        var deadlines: [Instant] = []
        if decoder.isInsideFrame { deadlines.append(lastByteAt.advanced(by: configuration.receiver.interCharacterTimeout)) }
        if let deadline = supervision.deadline { deadlines.append(deadline) }
        if let deadline = intake.deadline { deadlines.append(deadline) }
        return deadlines.min()
    }

    /// The first timer request; call once when the port opens.
    public mutating func start(now: Instant) -> [Action] {
        var actions: [Action] = []
        scheduleIfNeeded(&actions)
        return actions
    }

    public mutating func handle(_ input: LinkInput, now: Instant) -> [Action] {
        var actions: [Action] = []
        switch input {
        case .received(let bytes):
            guard !bytes.isEmpty else { break }
            expireInterCharacter(now: now, into: &actions)
            lastByteAt = now
            for frame in decoder.decode(bytes) { handle(frame, now: now, into: &actions) }
        case .tick:
            expireInterCharacter(now: now, into: &actions)
            actions += intake.expire(now: now)
            actions += supervision.check(now: now)
        case .committed, .rejected:
            actions += intake.outcome(input, now: now)
        }
        scheduleIfNeeded(&actions)
        return actions
    }

    private mutating func expireInterCharacter(now: Instant, into actions: inout [Action]) {
        guard decoder.isInsideFrame, lastByteAt.advanced(by: configuration.receiver.interCharacterTimeout) <= now else { return }
        let wasInBlock = decoder.isInsideBlock
        for frame in decoder.abandon() { handle(frame, now: now, into: &actions) }
        // The sender waits for an answer to a block that lost bytes; '1' NAK gets it resent now
        // rather than after its own timeout. Only when the block was ours to answer.
        if wasInBlock, acceptsBlocks {
            actions.append(.send([0x31, ESPA444.nak]))
        }
    }

    private var acceptsBlocks: Bool {
        if case .otherSelected = lineState { return false }
        return true
    }

    private mutating func handle(_ frame: Frame, now: Instant, into actions: inout [Action]) {
        let own = configuration.receiver.address
        let port = configuration.receiver.port
        switch frame {
        case .eot:
            actions += intake.masterMovedOn()
            lineState = .idle
        case .enquiry(let given):
            actions += intake.masterMovedOn()
            actions += supervision.signOfLife(now: now)
            // A bare ENQ (no address) is taken as meant for this station, as some converters send it.
            let address = given ?? own
            switch (lineState, address == own) {
            case (.idle, true):
                actions.append(.send([ESPA444.eot]))
            case (.idle, false):
                lineState = .polled(address)
            case (_, true):
                actions.append(.send([ESPA444.ack]))
                lineState = .selected
            case (.polled, false):
                lineState = .otherSelected(address)
            case (_, false):
                lineState = .polled(address)
            }
        case .ack, .nak:
            // Answers between other stations on a multidrop line; a slave has nothing to say.
            break
        case .block(let block):
            actions += supervision.signOfLife(now: now)
            if case .otherSelected(let other) = lineState {
                actions.append(.protocolError("\(port): block for station '\(Character(Unicode.Scalar(other)))' not answered: \(block.bytes.map(hex).joined(separator: " "))"))
            } else {
                actions += intake.receive(block, now: now)
            }
        case .interrupted(let bytes):
            actions.append(.protocolError("\(port): incomplete block dropped (\(bytes.count) bytes): \(bytes.map(hex).joined(separator: " "))"))
        case .noise(let bytes):
            actions.append(.protocolError("\(port): \(bytes.count) bytes outside any frame ignored: \(bytes.map(hex).joined(separator: " "))"))
        }
    }

    private mutating func scheduleIfNeeded(_ actions: inout [Action]) {
        let deadline = nextDeadline
        guard let deadline, deadline != scheduled else {
            if deadline == nil { scheduled = nil }
            return
        }
        scheduled = deadline
        actions.append(.scheduleTimer(at: deadline))
    }
}
