#if canImport(Glibc)
import Glibc
#endif
import CShim
import Testing

/// A pty pair: the code under test opens `slavePath`; the test plays the far end on `master`.
/// Closing the master hangs the slave up like an unplugged USB adapter (DESIGN §7).
final class PtyPair {
    private(set) var master: Int32
    let slavePath: String

    init() throws {
        let fd = tocsin_open_pty_master()
        try #require(fd >= 0, "posix_openpt: \(String(cString: strerror(errno)))")
        var name = [CChar](repeating: 0, count: 128)
        try #require(tocsin_pty_slave_name(fd, &name, name.count) == 0)
        var settings = termios()
        tcgetattr(fd, &settings)
        cfmakeraw(&settings)
        tcsetattr(fd, TCSANOW, &settings)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        master = fd
        slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func write(_ bytes: [UInt8]) {
        let written = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
        precondition(written == bytes.count, "pty master write: \(written)")
    }

    /// Exactly `count` bytes, or fewer if `timeout` passes first. It never blocks a thread of the
    /// cooperative pool: with two cores, a blocking read would starve the service under test.
    func read(count: Int, timeout: Duration = .seconds(5)) async -> [UInt8] {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while received.count < count {
            var buffer = [UInt8](repeating: 0, count: count - received.count)
            let got = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
            if got > 0 {
                received += buffer[0 ..< got]
                continue
            }
            guard ContinuousClock.now < deadline else { break }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return received
    }

    /// What is waiting right now.
    func pending() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let got = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
        return got > 0 ? Array(buffer[0 ..< got]) : []
    }

    func unplug() {
        if master >= 0 { close(master) }
        master = -1
    }

    deinit { unplug() }
}
