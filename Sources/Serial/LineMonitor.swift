#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ESPA444

/// `tocsin monitor`: decodes ESPA traffic on a line and reports every frame with a timestamp, the
/// BCC verdict and the decoded records. It opens the port exclusively like the daemon, so it fails
/// with a clear message if tocsin already holds it.
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

    /// The lines for one read, each starting with the wall-clock time.
    public static func lines(for frames: [Frame], at time: Date) -> [String] {
        let stamp = time.ISO8601Format(.iso8601.time(includingFractionalSeconds: true))
        return frames.map { "\(stamp)  \(LineTranscript.describe(frame: $0))" }
    }

    private enum Input: Sendable {
        case event(SerialConnection.Event)
        case tick
    }

    /// Runs until the device goes away (returns its reason) or the task is cancelled.
    public func run(output: @escaping @Sendable (String) -> Void) async throws(SerialError) -> String {
        let fd = try SerialDevice.open(path: device, baud: baud, framing: framing)
        let (inputs, input) = AsyncStream.makeStream(of: Input.self)
        let connection = SerialConnection(fd: fd, path: device) { input.yield(.event($0)) }
        let interval = interCharacterTimeout / 4
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                input.yield(.tick)
            }
        }
        defer { ticker.cancel() }
        output("monitoring \(device) at \(baud) \(framing), charset \(charset); Ctrl-C to stop")
        var decoder = FrameDecoder(charset: charset, policy: .replace)
        var lastByteAt = ContinuousClock.now
        var reason = "stopped"
        loop: for await item in inputs {
            switch item {
            case .event(.received(let bytes, let at)):
                lastByteAt = at
                for line in Self.lines(for: decoder.decode(bytes), at: Date()) { output(line) }
            case .event(.gone(let why)):
                reason = why
                break loop
            case .tick:
                // A frame left half-done for the inter-character time is reported as cut off.
                if decoder.isInsideFrame, lastByteAt.advanced(by: interCharacterTimeout) <= .now {
                    for line in Self.lines(for: decoder.abandon(), at: Date()) { output(line) }
                }
            }
        }
        connection.close()
        await connection.waitUntilClosed()
        return reason
    }
}
