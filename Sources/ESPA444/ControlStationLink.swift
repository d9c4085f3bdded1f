/// The control-station (master) role of espa444.md §10: Tocsin owns the line (Ascom's default),
/// and the panel simulator and ESPA output use it to send blocks.
///
/// - Polling: `EOT <panel> ENQ` for each polled station in turn, every `pollInterval`. `EOT` means
///   nothing to send; `<own> ENQ` means the panel selects this station: it is answered `ACK` and
///   its blocks are received exactly as in the paging-system role until the panel's `EOT`.
/// - Sending: `EOT <own> ENQ <destination> ENQ` (poll itself, then select). `ACK` lets the block
///   go; `<digit> NAK` to the select ends with `EOT` and is tried again after `retryDelay`. A NAK to
///   the block resends it after `retryDelay`; once `blockRetries` retries have failed, `EOT` ends
///   the transaction and `.transmissionFailed` reports the last answer. The spec's "after two
///   attempts" is ambiguous (espa444.md §5): here the retries come on top of the first attempt,
///   as in Avaya's retry count.
/// - Recovery: with no valid traffic for `recoveryTimeout` (10 s in the spec) while an answer is
///   due, it sends `EOT` and takes the line back; the attempt counts as failed.
/// - One block is in flight at a time; queued blocks wait until the line is idle.
public struct ControlStationLink<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public typealias Action = LinkAction<Instant>

    public struct Configuration: Sendable, Hashable {
        /// Receiving settings; `receiver.address` is this station's own address.
        public var receiver: ReceiverConfiguration
        /// The stations polled for their calls, in turn (Avaya's `2^4^5`). Empty: send only.
        public var polledAddresses: [UInt8]
        /// The pause after a poll answered `EOT` (150 ms to 1 s in the field).
        public var pollInterval: Duration
        /// No valid traffic for this long while an answer is due: `EOT` and start over.
        public var recoveryTimeout: Duration
        /// Retries after the first attempt, for a select refused or a block NAKed.
        public var blockRetries: Int
        public var retryDelay: Duration
        /// No answer from any station for this long raises `.linkSilent`; nil turns it off.
        public var supervisionTime: Duration?

        public init(
            receiver: ReceiverConfiguration,
            polledAddresses: [UInt8] = [],
            pollInterval: Duration = .milliseconds(500),
            recoveryTimeout: Duration = .seconds(10),
            blockRetries: Int = 2,
            retryDelay: Duration = .seconds(1),
            supervisionTime: Duration? = .seconds(60)
        ) {
            self.receiver = receiver
            self.polledAddresses = polledAddresses
            self.pollInterval = pollInterval
            self.recoveryTimeout = recoveryTimeout
            self.blockRetries = max(0, blockRetries)
            self.retryDelay = retryDelay
            self.supervisionTime = supervisionTime
        }
    }

    /// A block waiting to be sent or in flight.
    struct Transmission: Sendable {
        var id: TransmissionID
        var destination: UInt8
        var frame: [UInt8]
        /// Failed attempts so far (select refused, block NAKed, no answer).
        var failures = 0
        var lastFailure = ""
    }

    /// What the line is doing.
    public enum Phase: Sendable, Hashable {
        /// Nothing outstanding; the next poll or transmission is due at `until`.
        case idle(until: Instant)
        /// A poll was sent to this station.
        case polling(UInt8)
        /// A polled station is temporary master; `selected` says whether it picked this station.
        case receiving(from: UInt8, selected: Bool)
        /// A select was sent for the first queued transmission.
        case selecting
        /// The first queued block was sent.
        case sending
    }

    public let configuration: Configuration
    public private(set) var phase: Phase
    private var queue: [Transmission] = []
    private var nextID: UInt64 = 1
    private var nextPoll = 0
    private var decoder: FrameDecoder
    private var intake: CallIntake<Instant>
    private var supervision: LinkSupervision<Instant>
    private var lastTraffic: Instant
    private var lastByteAt: Instant
    private var scheduled: Instant?
    /// After a NAK to the block the transaction stays open, and the retry sends the block without
    /// a new select.
    private var resendBlockPending = false

    public init(configuration: Configuration, now: Instant) {
        self.configuration = configuration
        let receiver = configuration.receiver
        decoder = FrameDecoder(charset: receiver.charset, policy: receiver.unmappable, maximumBlockLength: receiver.maximumBlockLength)
        intake = CallIntake(configuration: receiver)
        supervision = LinkSupervision(supervisionTime: configuration.supervisionTime, now: now)
        phase = .idle(until: now)
        lastTraffic = now
        lastByteAt = now
    }

    public var isSilent: Bool { supervision.isSilent }
    public var isAwaitingCommit: Bool { intake.pending != nil }
    /// Blocks queued or in flight.
    public var pendingTransmissions: Int { queue.count }

    public var nextDeadline: Instant? {
        var deadlines: [Instant] = []
        switch phase {
        case .idle(let until):
            if !queue.isEmpty || !configuration.polledAddresses.isEmpty { deadlines.append(until) }
        case .polling, .receiving, .selecting, .sending:
            // While a panel's call is being journalled the panel waits too; the commit timeout,
            // not the recovery, decides.
            if intake.pending == nil { deadlines.append(lastTraffic.advanced(by: configuration.recoveryTimeout)) }
        }
        if decoder.isInsideFrame { deadlines.append(lastByteAt.advanced(by: configuration.receiver.interCharacterTimeout)) }
        if let deadline = supervision.deadline { deadlines.append(deadline) }
        if let deadline = intake.deadline { deadlines.append(deadline) }
        return deadlines.min()
    }

    /// Starts the line: the first poll or transmission goes out at once.
    public mutating func start(now: Instant) -> [Action] {
        var actions: [Action] = []
        advanceIdle(now: now, into: &actions)
        scheduleIfNeeded(&actions)
        return actions
    }

    /// Queues a block for `destination`. It is encoded now, so a value the port's character set
    /// cannot carry fails here, naming the record.
    public mutating func transmit(_ block: Block, to destination: UInt8, now: Instant) throws(BlockError) -> (TransmissionID, [Action]) {
        let frame = try block.encoded(charset: configuration.receiver.charset, policy: .reject)
        return transmit(frame: frame, to: destination, now: now)
    }

    /// Queues prepared frame bytes as they are, for example a deliberately broken block from the
    /// commissioning tool.
    public mutating func transmit(frame: [UInt8], to destination: UInt8, now: Instant) -> (TransmissionID, [Action]) {
        let id = TransmissionID(rawValue: nextID)
        nextID += 1
        queue.append(Transmission(id: id, destination: destination, frame: frame))
        var actions: [Action] = []
        advanceIdle(now: now, into: &actions)
        scheduleIfNeeded(&actions)
        return (id, actions)
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
            recoverIfDue(now: now, into: &actions)
        case .committed, .rejected:
            actions += intake.outcome(input, now: now)
            lastTraffic = now
        }
        advanceIdle(now: now, into: &actions)
        scheduleIfNeeded(&actions)
        return actions
    }

    // MARK: - Frames

    private mutating func handle(_ frame: Frame, now: Instant, into actions: inout [Action]) {
        let port = configuration.receiver.port
        switch frame {
        case .noise(let bytes):
            actions.append(.protocolError("\(port): \(bytes.count) bytes outside any frame ignored: \(bytes.map(hex).joined(separator: " "))"))
            return
        case .interrupted(let bytes):
            actions.append(.protocolError("\(port): incomplete block dropped (\(bytes.count) bytes): \(bytes.map(hex).joined(separator: " "))"))
            return
        default:
            break
        }
        lastTraffic = now
        actions += supervision.signOfLife(now: now)
        switch (phase, frame) {
        case (.polling, .eot):
            phase = .idle(until: now.advanced(by: configuration.pollInterval))
        case (.polling(let station), .enquiry(let address)):
            let selected = address == nil || address == configuration.receiver.address
            if selected { actions.append(.send([ESPA444.ack])) }
            phase = .receiving(from: station, selected: selected)
        case (.receiving(_, let selected), .block(let block)):
            if selected {
                actions += intake.receive(block, now: now)
            } else {
                actions.append(.protocolError("\(port): block for another station not answered"))
            }
        case (.receiving, .eot):
            actions += intake.masterMovedOn()
            // The panel may have more to say: poll it again soon.
            phase = .idle(until: now.advanced(by: configuration.pollInterval))
        case (.selecting, .ack):
            guard let first = queue.first else { break }
            actions.append(.send(first.frame))
            phase = .sending
        case (.selecting, .nak(let digit)):
            fail(reason: "select refused with \(Frame.nak(digit: digit))", now: now, into: &actions)
        case (.sending, .ack):
            let done = queue.removeFirst()
            actions.append(.transmitted(done.id))
            actions.append(.send([ESPA444.eot]))
            phase = .idle(until: now)
        case (.sending, .nak(let digit)):
            guard var first = queue.first else { break }
            first.failures += 1
            first.lastFailure = "block answered \(Frame.nak(digit: digit))"
            if first.failures > configuration.blockRetries {
                queue.removeFirst()
                actions.append(.send([ESPA444.eot]))
                actions.append(.transmissionFailed(first.id, reason: first.lastFailure))
                phase = .idle(until: now.advanced(by: configuration.retryDelay))
            } else {
                // The line stays ours: resend the block itself after the retry delay.
                queue[0] = first
                phase = .idle(until: now.advanced(by: configuration.retryDelay))
                resendBlockPending = true
            }
        default:
            actions.append(.protocolError("\(port): unexpected \(frame) while \(phase)"))
        }
    }

    private mutating func fail(reason: String, now: Instant, into actions: inout [Action]) {
        actions.append(.send([ESPA444.eot]))
        resendBlockPending = false
        if var first = queue.first, phase == .selecting || phase == .sending {
            first.failures += 1
            first.lastFailure = reason
            if first.failures > configuration.blockRetries {
                queue.removeFirst()
                actions.append(.transmissionFailed(first.id, reason: reason))
            } else {
                queue[0] = first
            }
        }
        phase = .idle(until: now.advanced(by: configuration.retryDelay))
    }

    // MARK: - Timers

    private mutating func recoverIfDue(now: Instant, into actions: inout [Action]) {
        if case .idle = phase { return }
        guard intake.pending == nil, lastTraffic.advanced(by: configuration.recoveryTimeout) <= now else { return }
        let station: String
        switch phase {
        case .polling(let address), .receiving(let address, _): station = "station '\(Character(Unicode.Scalar(address)))'"
        default: station = "station '\(Character(Unicode.Scalar(queue.first?.destination ?? 0x3F)))'"
        }
        let reason = "no answer from \(station) within \(configuration.recoveryTimeout)"
        actions.append(.protocolError("\(configuration.receiver.port): \(reason); sent EOT"))
        if case .receiving = phase {
            actions.append(.send([ESPA444.eot]))
            _ = intake.masterMovedOn()
            phase = .idle(until: now.advanced(by: configuration.pollInterval))
        } else if case .polling = phase {
            actions.append(.send([ESPA444.eot]))
            phase = .idle(until: now.advanced(by: configuration.pollInterval))
        } else {
            fail(reason: reason, now: now, into: &actions)
        }
        lastTraffic = now
    }

    private mutating func expireInterCharacter(now: Instant, into actions: inout [Action]) {
        guard decoder.isInsideFrame, lastByteAt.advanced(by: configuration.receiver.interCharacterTimeout) <= now else { return }
        let wasInBlock = decoder.isInsideBlock
        for frame in decoder.abandon() { handle(frame, now: now, into: &actions) }
        if wasInBlock, case .receiving(_, true) = phase {
            actions.append(.send([0x31, ESPA444.nak]))
        }
    }

    /// When idle and due: resend a NAKed block, start the next transmission, or poll.
    private mutating func advanceIdle(now: Instant, into actions: inout [Action]) {
        guard case .idle(let until) = phase, until <= now else { return }
        if resendBlockPending, let first = queue.first {
            resendBlockPending = false
            actions.append(.send(first.frame))
            phase = .sending
            lastTraffic = now
        } else if let first = queue.first {
            actions.append(.send([ESPA444.eot, configuration.receiver.address, ESPA444.enq, first.destination, ESPA444.enq]))
            phase = .selecting
            lastTraffic = now
        } else if !configuration.polledAddresses.isEmpty {
            let station = configuration.polledAddresses[nextPoll % configuration.polledAddresses.count]
            nextPoll += 1
            actions.append(.send([ESPA444.eot, station, ESPA444.enq]))
            phase = .polling(station)
            lastTraffic = now
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
