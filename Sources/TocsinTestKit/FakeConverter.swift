#if canImport(Glibc)
import Glibc
#endif

/// A serial-to-IP converter (Moxa NPort, Lantronix) in TCP server mode, as Tocsin sees one: a TCP
/// listener on loopback whose accepted connection carries the ESPA bytes of the serial line. The
/// test plays the panel on that connection. Closing the listener makes further connects refused,
/// like a converter that is switched off; `listen()` again on the same port brings it back.
///
/// Every wait polls the non-blocking socket with short sleeps instead of blocking a thread: the
/// in-process port service tests share the two-thread cooperative pool with the code under test.
public final class FakeConverter: @unchecked Sendable {
    public private(set) var port: Int
    private var listener: Int32 = -1

    /// Listens on 127.0.0.1:`port`; 0 takes any free port.
    public init(port: Int = 0) throws {
        self.port = port
        try listen()
    }

    /// `tcp://127.0.0.1:<port>`: what a port's `device` names.
    public var url: String { "tcp://127.0.0.1:\(port)" }

    /// Starts listening (again) on the same port.
    public func listen() throws {
        guard listener < 0 else { return }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        // The port of an earlier listener may still have connections in TIME_WAIT.
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 4) == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw HarnessError("cannot listen on 127.0.0.1:\(port): \(message)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
    }

    /// Waits for Tocsin to connect and returns the line.
    public func accept(timeout: Duration = .seconds(10)) async throws -> ConverterLine {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard listener >= 0 else { throw HarnessError("the converter is not listening") }
            let fd = Glibc.accept(listener, nil, nil)
            if fd >= 0 {
                // Linux does not pass O_NONBLOCK on to the accepted socket (accept4 is not imported).
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                return ConverterLine(fd: fd)
            }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else {
                throw HarnessError("accept: \(String(cString: strerror(errno)))")
            }
            guard ContinuousClock.now < deadline else { throw HarnessError("nobody connected to 127.0.0.1:\(port) within \(timeout)") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Stops listening: connects are refused until `listen()`.
    public func stopListening() {
        if listener >= 0 { Glibc.close(listener) }
        listener = -1
    }

    deinit { stopListening() }
}

/// One accepted connection of a `FakeConverter`: the serial line as the panel's side sees it.
public final class ConverterLine: @unchecked Sendable {
    private var fd: Int32

    init(fd: Int32) {
        self.fd = fd
    }

    /// Writes to the line, as the panel.
    public func write(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written == bytes.count else { throw HarnessError("write to the converter connection: \(written) of \(bytes.count) bytes: \(String(cString: strerror(errno)))") }
    }

    /// Reads exactly `count` bytes, waiting up to `timeout` for them.
    public func read(count: Int, timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while received.count < count {
            var buffer = [UInt8](repeating: 0, count: count - received.count)
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got > 0 {
                received += buffer[0 ..< got]
                continue
            }
            if got == 0 { throw HarnessError("Tocsin closed the connection after \(hexString(received))") }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else {
                throw HarnessError("read from the converter connection: \(String(cString: strerror(errno)))")
            }
            guard ContinuousClock.now < deadline else {
                throw HarnessError("expected \(count) bytes within \(timeout), got \(received.count): \(hexString(received))")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        return received
    }

    /// Writes `bytes` and reads exactly `expecting` bytes of answer.
    public func exchange(_ bytes: [UInt8], expecting: Int, timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        try write(bytes)
        return try await read(count: expecting, timeout: timeout)
    }

    /// Whatever is waiting right now, without waiting.
    public func readAvailable() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return got > 0 ? Array(buffer[0 ..< got]) : []
    }

    /// Waits until Tocsin closes its end; true if it did within `timeout`.
    public func waitUntilClosedByPeer(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var byte: UInt8 = 0
            let got = recv(fd, &byte, 1, 0)
            if got == 0 { return true }
            if got < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    /// An orderly close (FIN), as a converter that ends the session.
    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// An abortive close (RST), as a converter that reboots mid-session.
    public func reset() {
        guard fd >= 0 else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    deinit { close() }
}
