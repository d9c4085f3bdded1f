#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// Opening a TCP "virtual serial" line to a serial-to-IP converter.
///
/// The result is a plain connected, non-blocking socket fd. A stream socket reads and writes like a
/// tty, so `SerialConnection` and the ESPA session run over it unchanged: readiness reads, a read of
/// 0 when the converter closes the connection, and a read error (`ECONNRESET`, `ETIMEDOUT`) when it
/// resets or stops answering all end the session the way an unplug does.
public enum TCPLine {
    /// A connected line: the fd (owned by the caller) and both ends, for the log.
    public struct Connected: Sendable {
        public let fd: Int32
        /// The converter's address as connected to (`10.0.0.5:4001`).
        public let peer: String
        /// Tocsin's end (`10.0.0.1:53422`): what the converter's own connection list shows.
        public let local: String
    }

    /// Resolves `address`, connects to the first of its addresses that answers within `timeout`
    /// (for all of them together), and sets the socket up for a line that carries alarms.
    ///
    /// `getaddrinfo` and the wait for the connection block, so they run on a thread of their own
    /// rather than on the cooperative pool (two threads on the gateway's two cores), where a
    /// converter that does not answer would stall every other port and the alarm core with it.
    /// Cancelling the task gives up the wait within 50 ms; a name lookup in progress finishes first.
    public static func connect(to address: TCPAddress, timeout: Duration, keepalive: TCPKeepalive) async throws(TCPError) -> Connected {
        let stop = StopFlag()
        let result: Result<Connected, TCPError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue(label: "tocsin.tcp.connect").async {
                    continuation.resume(returning: Result { () throws(TCPError) in
                        try blockingConnect(to: address, timeout: timeout, keepalive: keepalive, stop: stop)
                    })
                }
            }
        } onCancel: {
            stop.set()
        }
        return try result.get()
    }

    private final class StopFlag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    private static func blockingConnect(to address: TCPAddress, timeout: Duration, keepalive: TCPKeepalive, stop: StopFlag) throws(TCPError) -> Connected {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard status == 0, let list else {
            let reason = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            throw .unresolvable(address, reason: reason)
        }
        defer { freeaddrinfo(list) }
        var lastError: TCPError = .timedOut(address, after: timeout)
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            guard !stop.isSet else { throw .cancelled(address) }
            guard ContinuousClock.now < deadline else { throw .timedOut(address, after: timeout) }
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), current.pointee.ai_protocol)
            guard fd >= 0 else {
                lastError = .system(address, call: "socket", errno: errno)
                continue
            }
            do {
                try connect(fd, to: current.pointee.ai_addr, length: current.pointee.ai_addrlen, address: address, deadline: deadline, timeout: timeout, stop: stop)
                try configure(fd, keepalive: keepalive, address: address)
                return Connected(fd: fd, peer: endpoint(fd, getpeername), local: endpoint(fd, getsockname))
            } catch {
                Glibc.close(fd)
                if case .cancelled = error { throw error }
                lastError = error
            }
        }
        throw lastError
    }

    private static func connect(
        _ fd: Int32, to socketAddress: UnsafeMutablePointer<sockaddr>, length: socklen_t, address: TCPAddress,
        deadline: ContinuousClock.Instant, timeout: Duration, stop: StopFlag
    ) throws(TCPError) {
        if Glibc.connect(fd, socketAddress, length) == 0 { return }
        guard errno == EINPROGRESS || errno == EINTR else { throw .connectFailed(address, errno: errno) }
        // Short slices, so a cancelled port stops waiting promptly.
        while true {
            guard !stop.isSet else { throw .cancelled(address) }
            guard ContinuousClock.now < deadline else { throw .timedOut(address, after: timeout) }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }
            var failure: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size) == 0 else { throw .system(address, call: "getsockopt(SO_ERROR)", errno: errno) }
            if failure == 0 { return }
            throw .connectFailed(address, errno: failure)
        }
    }

    /// - `TCP_NODELAY`: an ESPA answer is one or two bytes and must leave at once; Nagle would hold
    ///   the second small write until the converter acknowledges the first.
    /// - Keepalive and `TCP_USER_TIMEOUT`: see `TCPKeepalive`.
    static func configure(_ fd: Int32, keepalive: TCPKeepalive, address: TCPAddress) throws(TCPError) {
        let options: [(level: Int32, name: Int32, value: Int32, call: String)] = [
            (Int32(IPPROTO_TCP), TCP_NODELAY, 1, "TCP_NODELAY"),
            (SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE"),
            (Int32(IPPROTO_TCP), TCP_KEEPIDLE, Int32(keepalive.idle), "TCP_KEEPIDLE"),
            (Int32(IPPROTO_TCP), TCP_KEEPINTVL, Int32(keepalive.interval), "TCP_KEEPINTVL"),
            (Int32(IPPROTO_TCP), TCP_KEEPCNT, Int32(keepalive.count), "TCP_KEEPCNT"),
            (Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, Int32(keepalive.userTimeoutMilliseconds), "TCP_USER_TIMEOUT"),
        ]
        for option in options {
            var value = option.value
            guard setsockopt(fd, option.level, option.name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                throw .system(address, call: "setsockopt(\(option.call))", errno: errno)
            }
        }
    }

    /// `10.0.0.5:4001` or `[fd00::5]:4001` for one end of the socket.
    static func endpoint(_ fd: Int32, _ query: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32) -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(fd, $0, &length) }
        }
        guard found == 0 else { return "?" }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let named = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard named == 0 else { return "?" }
        let hostText = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let serviceText = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return hostText.contains(":") ? "[\(hostText)]:\(serviceText)" : "\(hostText):\(serviceText)"
    }
}
