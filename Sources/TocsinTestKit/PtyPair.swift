#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import CShim

/// A pseudo-terminal standing in for a serial line (DESIGN §7): the daemon opens `slavePath` (or a
/// symlink to it) as its port, and the test plays the panel on the master. Closing the master hangs
/// the slave up through the same kernel path as unplugging a USB adapter.
public final class PtyPair: @unchecked Sendable {
    public private(set) var master: Int32
    public let slavePath: String

    public init() throws {
        let fd = tocsin_open_pty_master()
        guard fd >= 0 else { throw HarnessError("posix_openpt failed: \(String(cString: strerror(errno)))") }
        var name = [CChar](repeating: 0, count: 128)
        let result = tocsin_pty_slave_name(fd, &name, name.count)
        guard result == 0 else {
            close(fd)
            throw HarnessError("ptsname_r failed: \(String(cString: strerror(result)))")
        }
        // Raw on the master side too, so the test sees exactly the bytes the daemon wrote.
        var settings = termios()
        tcgetattr(fd, &settings)
        cfmakeraw(&settings)
        tcsetattr(fd, TCSANOW, &settings)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        master = fd
        slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes to the line, as the panel.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            if count > 0 { offset += count; continue }
            if errno == EINTR || errno == EAGAIN { continue }
            throw HarnessError("write to pty master failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads exactly `count` bytes, waiting up to `timeout` for them.
    public func read(count: Int, timeout: Duration = .seconds(10)) throws -> [UInt8] {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while received.count < count {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                throw HarnessError("expected \(count) bytes within \(timeout), got \(received.count): \(hexString(received))")
            }
            var pollfd = Glibc.pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&pollfd, 1, milliseconds) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: count - received.count)
            let got = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
            if got > 0 {
                received += buffer[0 ..< got]
            } else if got < 0, errno == EAGAIN || errno == EINTR {
                continue
            } else {
                // EIO on the master: nobody has the slave open (yet).
                var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
                nanosleep(&pause, nil)
            }
        }
        return received
    }

    /// Whatever is waiting right now, without waiting.
    public func readAvailable() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let got = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
        return got > 0 ? Array(buffer[0 ..< got]) : []
    }

    /// Writes `bytes` and reads exactly `expecting` bytes of answer.
    public func exchange(_ bytes: [UInt8], expecting: Int, timeout: Duration = .seconds(10)) throws -> [UInt8] {
        try write(bytes)
        return try read(count: expecting, timeout: timeout)
    }

    /// Whether the slave side is currently open by someone (the daemon): TIOCEXCL shows in no flag,
    /// but a master read blocks (EAGAIN) instead of failing with EIO once the slave is open.
    public var isSlaveOpen: Bool {
        var pollfd = Glibc.pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        _ = poll(&pollfd, 1, 0)
        return pollfd.revents & Int16(POLLHUP) == 0
    }

    /// Hangs up the line: the daemon's next read returns EIO, as on a USB unplug.
    public func unplug() {
        if master >= 0 { close(master) }
        master = -1
    }

    deinit { unplug() }
}

/// Bytes as `01 31 02`.
public func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 0x10 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
}

/// An ESPA 4.4.4 block, as espa444.md §11's builder: SOH header STX id US data {RS id US data} ETX BCC.
public func espaBlock(_ header: String = "1", _ records: [(String, String)]) -> [UInt8] {
    var body = Array(header.utf8) + [0x02]
    for (index, record) in records.enumerated() {
        if index > 0 { body.append(0x1E) }
        body += Array(record.0.utf8) + [0x1F] + Array(record.1.utf8)
    }
    body.append(0x03)
    return [0x01] + body + [body.reduce(0, ^)]
}
