import ESPA444

/// The panel simulator's side of one exchange, apart from the device: the control-station link
/// machine, the outcome, and every line the integrator sees. Bytes, ticks and instants go in; bytes
/// to write, lines to print and the next wake-up come out. `PanelSimulator` does the I/O, so the
/// byte-by-byte reporting and the outcome rules are unit-tested without a line or a sleep.
public struct PanelExchange: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum Step: Sendable, Hashable {
        /// Write these bytes; once they are written, print `line`.
        case send([UInt8], line: String)
        /// Print this line.
        case report(String)
        /// Call `tick(now:)` at or after this instant; replaces any earlier wake-up.
        case wake(at: Instant)
    }

    private var link: ControlStationLink<Instant>
    private let start: Instant
    /// Set once: the first verdict (ACKed, refused, gone, timed out) is the one reported.
    public private(set) var outcome: PanelSimulator.Outcome?

    /// Encodes `block` for `destination` in `charset`; a value the charset cannot carry fails here.
    /// `line` names the device in the first report (`/dev/ttyUSB0 at 9600 7E2`).
    public init(
        block: Block, destination: UInt8, ownAddress: UInt8, charset: Charset, retries: Int, retryDelay: Duration,
        line: String, now: Instant
    ) throws(BlockError) {
        start = now
        self.line = line
        self.destination = destination
        self.block = block
        link = ControlStationLink(
            configuration: .init(
                receiver: ReceiverConfiguration(port: line, address: ownAddress, charset: charset),
                blockRetries: retries, retryDelay: retryDelay, supervisionTime: nil
            ),
            now: now
        )
        let (_, actions) = try link.transmit(block, to: destination, now: now)
        pendingStart = actions
    }

    private var pendingStart: [LinkAction<Instant>]
    private let line: String
    private let destination: UInt8
    private let block: Block

    /// The first lines and the poll of itself that opens the exchange.
    public mutating func begin(now: Instant) -> [Step] {
        let actions = pendingStart
        pendingStart = []
        return [.report(stamp(now) + "  sending to station '\(Character(Unicode.Scalar(destination)))' on \(line): \(block)")] + perform(actions, now: now)
    }

    /// One read from the peer: every byte reported with its name, then the link's reaction.
    public mutating func received(_ bytes: [UInt8], at now: Instant) -> [Step] {
        // Byte by byte, as the peer's answers are what the integrator is checking.
        let lines = bytes.map { Step.report(stamp(now) + "  <- " + LineTranscript.describe(byte: $0)) }
        return lines + perform(link.handle(.received(bytes), now: now), now: now)
    }

    public mutating func tick(now: Instant) -> [Step] {
        perform(link.handle(.tick, now: now), now: now)
    }

    /// The bytes of a `.send` could not be written.
    public mutating func writeFailed(_ error: String, now: Instant) -> [Step] {
        outcome = outcome ?? .failed(error)
        return [.report(stamp(now) + "  write failed: \(error)")]
    }

    /// The device went away (unplugged, or the converter closed the connection).
    public mutating func lineGone(_ reason: String, now: Instant) -> [Step] {
        outcome = outcome ?? .failed("device went away: \(reason)")
        return [.report(stamp(now) + "  device went away: \(reason)")]
    }

    /// The whole exchange took longer than `limit`.
    public mutating func timedOut(after limit: Duration, now: Instant) -> [Step] {
        outcome = outcome ?? .failed("no complete answer within \(limit)")
        return [.report(stamp(now) + "  no complete answer within \(limit)")]
    }

    private mutating func perform(_ actions: [LinkAction<Instant>], now: Instant) -> [Step] {
        var steps: [Step] = []
        for action in actions {
            switch action {
            case .send(let bytes):
                steps.append(.send(bytes, line: stamp(now) + "  -> \(hex(bytes))  \(Self.names(bytes))"))
            case .scheduleTimer(let at):
                steps.append(.wake(at: at))
            case .transmitted:
                steps.append(.report(stamp(now) + "  block ACKed by the peer"))
                outcome = outcome ?? .acknowledged
            case .transmissionFailed(_, let reason):
                steps.append(.report(stamp(now) + "  block not taken: \(reason)"))
                outcome = outcome ?? .failed(reason)
            case .protocolError(let message):
                steps.append(.report(stamp(now) + "  line problem: \(message)"))
            case .deliver(let call), .reset(let call):
                // The peer selected us with a call of its own; take it so the line moves on.
                steps.append(.report(stamp(now) + "  peer sent a call: \(call)"))
                steps += perform(link.handle(.committed, now: now), now: now)
            case .duplicate, .received, .linkSilent, .linkAlive:
                break
            }
        }
        return steps
    }

    /// The time since the exchange began, right-aligned in ten characters: `    12.3 ms`.
    func stamp(_ now: Instant) -> String {
        Self.stamp(start.duration(to: now))
    }

    static func stamp(_ elapsed: Duration) -> String {
        let tenths = max(0, elapsed.components.seconds * 10_000 + elapsed.components.attoseconds / 100_000_000_000_000)
        let text = "\(tenths / 10).\(tenths % 10) ms"
        return String(repeating: " ", count: max(0, 10 - text.count)) + text
    }

    /// `(EOT '1' ENQ)`: the names of the bytes sent.
    static func names(_ bytes: [UInt8]) -> String {
        "(" + bytes.map { LineTranscript.describe(byte: $0).split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }.joined(separator: " ") + ")"
    }
}
