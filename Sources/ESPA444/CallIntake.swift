/// The receiving half shared by both link roles: turns a received block into an answer and a
/// call, holds the ACK until the owner has journalled the call, and recognises a block sent again
/// after a lost ACK.
struct CallIntake<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    typealias Action = LinkAction<Instant>

    /// A call handed out and not yet committed or rejected.
    struct Pending: Sendable {
        var call: Call
        var deadline: Instant?
        /// Already answered (`'2' NAK` on timeout) or abandoned because the master moved on:
        /// the outcome is still recorded, but nothing more is sent for it.
        var answered: Bool
    }

    struct Recent: Sendable {
        var call: Call
        var lastSeen: Instant
    }

    let configuration: ReceiverConfiguration
    private(set) var pending: Pending?
    private var recent: [Recent] = []
    private var nextSequence: UInt64

    init(configuration: ReceiverConfiguration) {
        self.configuration = configuration
        nextSequence = configuration.firstSequence
    }

    /// The commit deadline, when one is running.
    var deadline: Instant? {
        guard let pending, !pending.answered else { return nil }
        return pending.deadline
    }

    /// A complete block addressed to this station.
    mutating func receive(_ frame: BlockFrame, now: Instant) -> [Action] {
        let block: Block
        switch frame.result {
        case .failure(let error):
            return [.send([error.nakDigit, ESPA444.nak]), .protocolError("\(configuration.port): \(error); answered '\(Character(Unicode.Scalar(error.nakDigit)))' NAK")]
        case .success(let decoded):
            block = decoded
        }
        if pending != nil {
            return [.send([0x32, ESPA444.nak]), .protocolError("\(configuration.port): block arrived while the previous call is still being journalled; answered '2' NAK (busy)")]
        }
        var actions: [Action] = []
        if configuration.unmappable == .replace,
           case .failure(let strict) = Result(catching: { () throws(BlockError) in try Block(frame: frame.bytes, charset: configuration.charset, policy: .reject) }) {
            actions.append(.protocolError("\(configuration.port): \(strict); text kept with U+FFFD"))
        }
        guard block.header == Block.callHeader else {
            return actions + [.send([ESPA444.ack]), .received(block)]
        }
        let window = configuration.duplicateWindow
        recent.removeAll { $0.lastSeen.duration(to: now) > window }
        if let index = recent.firstIndex(where: { $0.call.bytes == frame.bytes }) {
            recent[index].lastSeen = now
            return actions + [.send([ESPA444.ack]), .duplicate(recent[index].call)]
        }
        let call: Call
        do {
            call = try Call(block: block, bytes: frame.bytes, port: configuration.port, sequence: nextSequence, defaultPriority: configuration.defaultPriority)
        } catch {
            return actions + [.send([0x33, ESPA444.nak]), .protocolError("\(configuration.port): \(error); answered '3' NAK")]
        }
        nextSequence += 1
        pending = Pending(call: call, deadline: configuration.commitTimeout.map { now.advanced(by: $0) }, answered: false)
        return actions + [call.isReset ? .reset(call) : .deliver(call)]
    }

    /// The owner's verdict on the pending call.
    mutating func outcome(_ input: LinkInput, now: Instant) -> [Action] {
        guard let current = pending else {
            return [.protocolError("\(configuration.port): \(input) with no call waiting for it")]
        }
        pending = nil
        switch input {
        case .committed:
            recent.append(Recent(call: current.call, lastSeen: now))
            return current.answered ? [] : [.send([ESPA444.ack])]
        case .rejected(let rejection):
            return current.answered ? [] : [.send([rejection.nakDigit, ESPA444.nak])]
        case .received, .tick:
            return []
        }
    }

    /// The commit deadline has passed: answer busy so the panel retries instead of timing out.
    mutating func expire(now: Instant) -> [Action] {
        guard var current = pending, !current.answered, let deadline = current.deadline, deadline <= now else { return [] }
        current.answered = true
        pending = current
        return [.send([0x32, ESPA444.nak]), .protocolError("\(configuration.port): call \(current.call.reference) not journalled in time; answered '2' NAK (busy)")]
    }

    /// The master went on (EOT, poll or select) before the pending call was answered: a late ACK
    /// would now be misread, so none is sent.
    mutating func masterMovedOn() -> [Action] {
        guard var current = pending, !current.answered else { return [] }
        current.answered = true
        pending = current
        return [.protocolError("\(configuration.port): the master moved on before call \(current.call.reference) was answered")]
    }
}
