#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ESPA444

/// `tocsin panel`: plays an ESPA 4.4.4 control station (a nurse-call or fire panel) on a device,
/// sends one call block to the paging system, and reports every byte both ways, so an integrator
/// sees exactly what the peer answers.
public struct PanelSimulator: Sendable {
    public var device: String
    public var baud: Int
    public var framing: Framing
    public var charset: Charset
    /// The panel's own address (`'1'`) and the paging system's (`'2'`).
    public var ownAddress: UInt8
    public var destination: UInt8
    public var block: Block
    public var retries: Int
    public var retryDelay: Duration
    /// The whole exchange is given up after this long.
    public var timeout: Duration

    public init(
        device: String, block: Block, baud: Int = 9600, framing: Framing = .sevenEvenTwo, charset: Charset = .ascii,
        ownAddress: UInt8 = 0x31, destination: UInt8 = 0x32, retries: Int = 2, retryDelay: Duration = .seconds(1),
        timeout: Duration = .seconds(30)
    ) {
        self.device = device
        self.block = block
        self.baud = baud
        self.framing = framing
        self.charset = charset
        self.ownAddress = ownAddress
        self.destination = destination
        self.retries = retries
        self.retryDelay = retryDelay
        self.timeout = timeout
    }

    public enum Outcome: Sendable, Hashable {
        case acknowledged
        case failed(String)
    }

    private enum Input: Sendable {
        case event(SerialConnection.Event)
        case tick
        case timeout
    }

    /// Sends the block and returns whether the peer ACKed it. Every byte goes to `output`.
    public func run(output: @escaping @Sendable (String) -> Void) async throws -> Outcome {
        let fd = try SerialDevice.open(path: device, baud: baud, framing: framing)
        let (inputs, input) = AsyncStream.makeStream(of: Input.self)
        let connection = SerialConnection(fd: fd, path: device) { input.yield(.event($0)) }
        let start = ContinuousClock.now
        func stamp() -> String {
            let elapsed = start.duration(to: .now)
            let tenths = elapsed.components.seconds * 10_000 + elapsed.components.attoseconds / 100_000_000_000_000
            let text = "\(tenths / 10).\(tenths % 10) ms"
            return String(repeating: " ", count: max(0, 10 - text.count)) + text
        }
        let giveUp = Task {
            try? await Task.sleep(for: timeout)
            input.yield(.timeout)
        }
        var timer: Task<Void, Never>?
        defer {
            giveUp.cancel()
            timer?.cancel()
        }
        var link = ControlStationLink<ContinuousClock.Instant>(
            configuration: .init(
                receiver: ReceiverConfiguration(port: device, address: ownAddress, charset: charset),
                blockRetries: retries, retryDelay: retryDelay, supervisionTime: nil
            ),
            now: .now
        )
        let (_, first) = try link.transmit(block, to: destination, now: .now)
        var outcome: Outcome?
        func perform(_ actions: [LinkAction<ContinuousClock.Instant>]) {
            for action in actions {
                switch action {
                case .send(let bytes):
                    do {
                        try connection.write(bytes)
                        output("\(stamp())  -> \(hex(bytes))  \(Self.names(bytes))")
                    } catch {
                        output("\(stamp())  write failed: \(error)")
                        outcome = outcome ?? .failed("\(error)")
                    }
                case .scheduleTimer(let at):
                    timer?.cancel()
                    timer = Task {
                        try? await Task.sleep(until: at, clock: .continuous)
                        if !Task.isCancelled { input.yield(.tick) }
                    }
                case .transmitted:
                    output("\(stamp())  block ACKed by the peer")
                    outcome = outcome ?? .acknowledged
                case .transmissionFailed(_, let reason):
                    output("\(stamp())  block not taken: \(reason)")
                    outcome = outcome ?? .failed(reason)
                case .protocolError(let message):
                    output("\(stamp())  line problem: \(message)")
                case .deliver(let call), .reset(let call):
                    // The peer selected us with a call of its own; take it so the line moves on.
                    output("\(stamp())  peer sent a call: \(call)")
                    perform(link.handle(.committed, now: .now))
                case .duplicate, .received, .linkSilent, .linkAlive:
                    break
                }
            }
        }
        output("\(stamp())  sending to station '\(Character(Unicode.Scalar(destination)))' on \(device) at \(baud) \(framing): \(block)")
        perform(first)
        if let outcome {
            connection.close()
            await connection.waitUntilClosed()
            return outcome
        }
        loop: for await item in inputs {
            switch item {
            case .event(.received(let bytes, let at)):
                // Byte by byte, as the peer's answers are what the integrator is checking.
                for byte in bytes { output("\(stamp())  <- \(LineTranscript.describe(byte: byte))") }
                perform(link.handle(.received(bytes), now: at))
            case .event(.gone(let reason)):
                outcome = outcome ?? .failed("device went away: \(reason)")
            case .tick:
                perform(link.handle(.tick, now: .now))
            case .timeout:
                outcome = outcome ?? .failed("no complete answer within \(timeout)")
            }
            if outcome != nil { break loop }
        }
        connection.close()
        await connection.waitUntilClosed()
        return outcome ?? .failed("stopped")
    }

    static func names(_ bytes: [UInt8]) -> String {
        "(" + bytes.map { LineTranscript.describe(byte: $0).split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }.joined(separator: " ") + ")"
    }
}
