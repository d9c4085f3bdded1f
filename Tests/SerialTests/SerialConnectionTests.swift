#if canImport(Glibc)
import Glibc
#endif
import Serial
import Synchronization
import Testing

/// Port I/O over a real pty pair: bytes both ways, exclusive access, and hang-up.
@Suite struct SerialConnectionTests {
    /// Collects a connection's events and lets the test wait for them.
    final class Events: Sendable {
        let stream: AsyncStream<SerialConnection.Event>
        let continuation: AsyncStream<SerialConnection.Event>.Continuation
        init() { (stream, continuation) = AsyncStream.makeStream() }
    }

    @Test func bytesBothWaysThenHangUpWhenTheMasterCloses() async throws {
        let pty = try PtyPair()
        let fd = try SerialDevice.open(path: pty.slavePath, baud: 9600, framing: .sevenEvenTwo)
        let events = Events()
        let connection = SerialConnection(fd: fd, path: pty.slavePath) { events.continuation.yield($0) }
        var iterator = events.stream.makeAsyncIterator()

        // E8, whose BCC equals ETX: read blindly, byte for byte.
        let e8: [UInt8] = [0x01, 0x31, 0x02, 0x31, 0x1F, 0x38, 0x1E, 0x32, 0x1F, 0x54, 0x45, 0x53, 0x54, 0x03, 0x03]
        pty.write(e8)
        var received: [UInt8] = []
        while received.count < e8.count {
            guard case .received(let bytes, _)? = await iterator.next() else { Issue.record("stream ended"); return }
            received += bytes
        }
        #expect(received == e8)

        // Every value a BCC can take goes through unchanged: XON, XOFF, CR, NL, DEL, 0xFF.
        try connection.write([0x06, 0x11, 0x13, 0x0D, 0x0A, 0x7F, 0xFF])
        #expect(await pty.read(count: 7) == [0x06, 0x11, 0x13, 0x0D, 0x0A, 0x7F, 0xFF])

        pty.unplug()
        guard case .gone(let reason)? = await iterator.next() else { Issue.record("no hang-up reported"); return }
        #expect(reason.contains("gone") || reason.contains("hang-up"), "\(reason)")
        await connection.waitUntilClosed()
        #expect(throws: SerialError.gone(path: pty.slavePath, reason: "port closed")) { try connection.write([0x06]) }
    }

    @Test func aSecondOpenOfTheSamePortIsRefusedEvenForRoot() throws {
        let pty = try PtyPair()
        let fd = try SerialDevice.open(path: pty.slavePath, baud: 9600, framing: .eightNoneOne)
        defer { close(fd) }
        #expect(throws: SerialError.busy(path: pty.slavePath)) {
            _ = try SerialDevice.open(path: pty.slavePath, baud: 9600, framing: .eightNoneOne)
        }
    }

    @Test func aMissingDeviceIsAbsentNotAnError() {
        #expect(throws: SerialError.absent(path: "/nonexistent/tocsin/port9")) {
            _ = try SerialDevice.open(path: "/nonexistent/tocsin/port9", baud: 9600, framing: .sevenEvenTwo)
        }
        #expect(!SerialDevice.exists("/nonexistent/tocsin/port9"))
    }

    @Test func aFileThatIsNotATerminalIsNamed() throws {
        let path = "/tmp/tocsin-not-a-tty-\(getpid())"
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        close(fd)
        defer { unlink(path) }
        #expect(throws: SerialError.notATerminal(path: path)) {
            _ = try SerialDevice.open(path: path, baud: 9600, framing: .sevenEvenTwo)
        }
    }

    @Test func aCloseAskedForReportsNoHangUp() async throws {
        let pty = try PtyPair()
        let fd = try SerialDevice.open(path: pty.slavePath, baud: 9600, framing: .sevenEvenTwo)
        let seen = Mutex<[SerialConnection.Event]>([])
        let connection = SerialConnection(fd: fd, path: pty.slavePath) { event in seen.withLock { $0.append(event) } }
        connection.close()
        await connection.waitUntilClosed()
        // Closed means the flock is released: the port can be opened again at once.
        let again = try SerialDevice.open(path: pty.slavePath, baud: 9600, framing: .sevenEvenTwo)
        close(again)
        #expect(seen.withLock { $0 }.isEmpty)
    }
}
