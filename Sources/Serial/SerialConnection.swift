#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// An open port: a readiness source reads every byte as it arrives and hands it on with the time it
/// was read; writes go straight to the fd. It reports the device gone once (read 0, `EIO`, `ENODEV`,
/// `ENXIO`, or `POLLHUP` on write) and then closes the fd itself.
///
/// The fd may also be a connected TCP socket to a serial-to-IP converter (`TCPLine`): a stream
/// socket reads and writes like a tty. For a socket, read 0 means the converter closed the
/// connection, any read or write error means the connection is gone, and writes use
/// `send(MSG_NOSIGNAL)` so that a connection reset by the converter is an error, not a `SIGPIPE`
/// that would end the daemon.
public final class SerialConnection: @unchecked Sendable {
    public enum Event: Sendable, Hashable {
        case received([UInt8], at: ContinuousClock.Instant)
        case gone(String)
    }

    public let path: String
    /// Writers and the closing cancel handler take its lock, so a write never lands on a number
    /// that has been closed and reused.
    private let state: DescriptorState
    private let queue: DispatchQueue
    private let source: any DispatchSourceRead
    private let onEvent: @Sendable (Event) -> Void
    private let finished = Mutex(false)
    private let isSocket: Bool

    /// Takes ownership of `fd` (non-blocking) and starts reading; `onEvent` is called on a private
    /// queue, in order, and never again after `.gone`.
    public init(fd: Int32, path: String, onEvent: @escaping @Sendable (Event) -> Void) {
        self.path = path
        state = DescriptorState(fd: fd)
        self.onEvent = onEvent
        isSocket = Self.isSocket(fd)
        queue = DispatchQueue(label: "tocsin.serial.\(path)")
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [unowned self] in self.readAvailable(fd: fd) }
        source.setCancelHandler { [state] in state.close() }
        source.resume()
    }

    private func readAvailable(fd: Int32) {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var goneReason: String?
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                collected.append(contentsOf: buffer[0 ..< count])
                continue
            }
            if count == 0 {
                goneReason = isSocket ? "connection closed by the peer (read returned 0)" : "hang-up (read returned 0)"
                break
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { break }
            goneReason = isSocket ? "connection lost: \(String(cString: strerror(code)))"
                : SerialError.isDeviceGone(code) ? "device gone (\(String(cString: strerror(code))))" : "read failed: \(String(cString: strerror(code)))"
            break
        }
        let at = ContinuousClock.now
        if !collected.isEmpty { deliver(.received(collected, at: at)) }
        if let goneReason { finish(goneReason) }
    }

    private func deliver(_ event: Event) {
        guard !finished.withLock({ $0 }) else { return }
        onEvent(event)
    }

    private func finish(_ reason: String) {
        let first = finished.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        onEvent(.gone(reason))
        source.cancel()
    }

    /// Writes all bytes. A full output buffer is waited out for up to a second (a line at 300 baud
    /// drains 30 bytes a second; ESPA answers are one or two bytes).
    public func write(_ bytes: [UInt8]) throws(SerialError) {
        var failure: SerialError?
        state.descriptor.withLock { fd in
            guard fd >= 0 else {
                failure = .gone(path: path, reason: "port closed")
                return
            }
            var offset = 0
            let deadline = ContinuousClock.now.advanced(by: .seconds(1))
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { buffer in
                    isSocket ? send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) : Glibc.write(fd, buffer.baseAddress, buffer.count)
                }
                if written > 0 {
                    offset += written
                    continue
                }
                let code = errno
                if written < 0, code == EINTR { continue }
                if written < 0, code == EAGAIN || code == EWOULDBLOCK, ContinuousClock.now < deadline {
                    var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = Glibc.poll(&pollfd, 1, 100)
                    continue
                }
                failure = isSocket || SerialError.isDeviceGone(code)
                    ? .gone(path: path, reason: "write failed: \(String(cString: strerror(code)))")
                    : .system(path: path, call: "write", errno: code)
                return
            }
        }
        if let failure {
            if case .gone(_, let reason) = failure { queue.async { self.finish(reason) } }
            throw failure
        }
    }

    static func isSocket(_ fd: Int32) -> Bool {
        var status = stat()
        return fstat(fd, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK
    }

    /// Closes the port (the flock goes with the fd). No `.gone` is reported for a close asked for.
    public func close() {
        finished.withLock { $0 = true }
        source.cancel()
    }

    /// Waits until the fd is really closed, so a reopen of the same path finds the flock released.
    public func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let closed = state.closedWaiters.withLock { state in
                if !state.closed { state.waiters.append(continuation) }
                return state.closed
            }
            if closed { continuation.resume() }
        }
    }
}

/// The fd and who waits for it to close; shared with the source's cancel handler, which may run
/// after the connection is gone.
private final class DescriptorState: Sendable {
    /// -1 once closed.
    let descriptor: Mutex<Int32>
    let closedWaiters = Mutex<(closed: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(fd: Int32) {
        descriptor = Mutex(fd)
    }

    func close() {
        descriptor.withLock { current in
            if current >= 0 { Glibc.close(current) }
            current = -1
        }
        let waiters = closedWaiters.withLock { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
