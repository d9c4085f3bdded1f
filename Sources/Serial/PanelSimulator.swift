#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import ESPA444

/// `tocsin panel`: plays an ESPA 4.4.4 control station (a nurse-call or fire panel) on a device,
/// sends one call block to the paging system, and reports every byte both ways, so an integrator
/// sees exactly what the peer answers. The device may be `tcp://host:port`: a serial-to-IP
/// converter in TCP server mode, whose serial side is then the line.
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

    /// Sends the block and returns whether the peer ACKed it. Every byte goes to `output`. The
    /// exchange itself (what is sent, what is printed, the verdict) is `PanelExchange`; this only
    /// opens the line, writes, reads and keeps the timers.
    public func run(output: @escaping @Sendable (String) -> Void) async throws -> Outcome {
        let line = try PortLine(device: device)
        let description = line.isTCP ? device : "\(device) at \(baud) \(framing)"
        let opened = try await line.open(baud: baud, framing: framing, tcp: TCPLineOptions())
        var exchange: PanelExchange
        do {
            exchange = try PanelExchange(
                block: block, destination: destination, ownAddress: ownAddress, charset: charset, retries: retries,
                retryDelay: retryDelay, line: description, now: .now
            )
        } catch {
            Glibc.close(opened.fd)
            throw error
        }
        let (inputs, input) = AsyncStream.makeStream(of: Input.self)
        let connection = SerialConnection(fd: opened.fd, path: device) { input.yield(.event($0)) }
        let giveUp = Task {
            try? await Task.sleep(for: timeout)
            input.yield(.timeout)
        }
        var timer: Task<Void, Never>?
        defer {
            giveUp.cancel()
            timer?.cancel()
        }
        func perform(_ steps: [PanelExchange.Step]) {
            for step in steps {
                switch step {
                case .send(let bytes, let line):
                    do {
                        try connection.write(bytes)
                        output(line)
                    } catch {
                        perform(exchange.writeFailed("\(error)", now: .now))
                    }
                case .report(let line):
                    output(line)
                case .wake(let at):
                    timer?.cancel()
                    timer = Task {
                        try? await Task.sleep(until: at, clock: .continuous)
                        if !Task.isCancelled { input.yield(.tick) }
                    }
                }
            }
        }
        perform(exchange.begin(now: .now))
        if exchange.outcome == nil {
            loop: for await item in inputs {
                switch item {
                case .event(.received(let bytes, let at)): perform(exchange.received(bytes, at: at))
                case .event(.gone(let reason)): perform(exchange.lineGone(reason, now: .now))
                case .tick: perform(exchange.tick(now: .now))
                case .timeout: perform(exchange.timedOut(after: timeout, now: .now))
                }
                if exchange.outcome != nil { break loop }
            }
        }
        connection.close()
        await connection.waitUntilClosed()
        return exchange.outcome ?? .failed("stopped")
    }
}
