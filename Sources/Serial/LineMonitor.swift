#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ESPA444

/// `tocsin monitor`: decodes ESPA traffic on a line and reports every frame with a timestamp, the
/// BCC verdict and the decoded records. It opens the port exclusively like the daemon, so it fails
/// with a clear message if tocsin already holds it. The device may be `tcp://host:port`: a
/// converter in TCP server mode (which then serves no other host while the monitor is connected).
public struct LineMonitor: Sendable {
    public var device: String
    public var baud: Int
    public var framing: Framing
    public var charset: Charset
    public var interCharacterTimeout: Duration

    public init(device: String, baud: Int = 9600, framing: Framing = .sevenEvenTwo, charset: Charset = .ascii, interCharacterTimeout: Duration = .seconds(2)) {
        self.device = device
        self.baud = baud
        self.framing = framing
        self.charset = charset
        self.interCharacterTimeout = interCharacterTimeout
    }

    /// The lines for one read, each starting with the wall-clock time (UTC, to the millisecond).
    public static func lines(for frames: [Frame], at time: Date) -> [String] {
        let stamp = time.ISO8601Format(.iso8601.time(includingFractionalSeconds: true))
        return frames.map { "\(stamp)  \(LineTranscript.describe(frame: $0))" }
    }

    /// The monitor's decoding, apart from the device: reads and ticks with their instants go in,
    /// printed lines come out. A frame left half-done for the inter-character time is reported as
    /// cut off, as the link machines would drop it.
    public struct Transcriber: Sendable {
        public typealias Instant = ContinuousClock.Instant

        private var decoder: FrameDecoder
        private let interCharacterTimeout: Duration
        private var lastByteAt: Instant?

        public init(charset: Charset, interCharacterTimeout: Duration) {
            // Replace, not reject: a monitor shows what is on the line even in the wrong charset.
            decoder = FrameDecoder(charset: charset, policy: .replace)
            self.interCharacterTimeout = interCharacterTimeout
        }

        /// The lines for one read, stamped with `time`.
        public mutating func received(_ bytes: [UInt8], at now: Instant, time: Date) -> [String] {
            lastByteAt = now
            return LineMonitor.lines(for: decoder.decode(bytes), at: time)
        }

        /// The cut-off frame, if the line has been quiet inside one for the inter-character time.
        public mutating func tick(now: Instant, time: Date) -> [String] {
            guard decoder.isInsideFrame, let lastByteAt, lastByteAt.advanced(by: interCharacterTimeout) <= now else { return [] }
            return LineMonitor.lines(for: decoder.abandon(), at: time)
        }
    }

    private enum Input: Sendable {
        case event(SerialConnection.Event)
        case tick
    }

    /// Runs until the device goes away (returns its reason) or the task is cancelled.
    public func run(output: @escaping @Sendable (String) -> Void) async throws -> String {
        let line = try PortLine(device: device)
        let opened = try await line.open(baud: baud, framing: framing, tcp: TCPLineOptions())
        let (inputs, input) = AsyncStream.makeStream(of: Input.self)
        let connection = SerialConnection(fd: opened.fd, path: device) { input.yield(.event($0)) }
        let interval = interCharacterTimeout / 4
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                input.yield(.tick)
            }
        }
        defer { ticker.cancel() }
        if line.isTCP {
            output("monitoring \(device) (connected from \(opened.local ?? "?")), charset \(charset); Ctrl-C to stop")
        } else {
            output("monitoring \(device) at \(baud) \(framing), charset \(charset); Ctrl-C to stop")
        }
        var transcriber = Transcriber(charset: charset, interCharacterTimeout: interCharacterTimeout)
        var reason = "stopped"
        loop: for await item in inputs {
            switch item {
            case .event(.received(let bytes, let at)):
                for text in transcriber.received(bytes, at: at, time: Date()) { output(text) }
            case .event(.gone(let why)):
                reason = why
                break loop
            case .tick:
                for text in transcriber.tick(now: .now, time: Date()) { output(text) }
            }
        }
        connection.close()
        await connection.waitUntilClosed()
        return reason
    }
}
