import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A request as a push driver sends it: method, request target (path and query), headers and body.
/// `Host` and `Content-Length` are added by the client.
public struct PushHTTPRequest: Sendable {
    public var method: HTTPMethod
    public var target: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// How much of a response body is kept; the rest is not waited for.
    public var bodyLimit: Int
    /// Whether a 2xx answer's body is read too. A push needs only the status of a success, and is
    /// then answered as soon as the status line and headers are in.
    public var readsSuccessBody: Bool

    public init(method: HTTPMethod, target: String, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer(),
                bodyLimit: Int, readsSuccessBody: Bool) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.bodyLimit = bodyLimit
        self.readsSuccessBody = readsSuccessBody
    }
}

public struct PushHTTPResponse: Sendable {
    public var head: HTTPResponseHead
    /// At most the request's `bodyLimit` bytes.
    public var body: [UInt8]
    /// False when the body was cut off by the limit, the deadline or the receiver closing.
    public var complete: Bool

    public var status: HTTPResponseStatus { head.status }
}

public enum PushHTTPError: Error, Equatable, Sendable {
    /// No complete response head before the attempt's deadline (this covers waiting for a
    /// connection, connecting and sending).
    case deadlineExceeded
    /// The receiver closed the connection before a complete response head.
    case closedBeforeResponse
    /// A kept-alive connection turned out closed when it was used; the client tries a fresh one.
    case staleConnection
    /// A request was written to a connection still busy with another (a defect, never a peer's doing).
    case connectionBusy
    case shutDown
}

/// The HTTP/1.1 client of the webhook driver: kept-alive connections per receiver (scheme, host
/// and port), at most `connectionsPerReceiver` of them, and requests beyond that waiting in arrival
/// order for the next free one. It does only what a push needs, with no redirects, cookies, proxies
/// or decompression, so an alarm's push costs a fraction of what a general client's machinery does.
///
/// A request whose kept-alive connection turns out closed by the receiver (which may close an idle
/// connection at any moment) before any answer is sent again at once on a fresh connection, rather
/// than failing the attempt and waiting out a back-off. The receiver may have seen it; delivery is
/// at-least-once, and the webhook's `Idempotency-Key` lets it drop the copy. Every other failure is
/// the caller's to judge.
public final class PushHTTPClient: Sendable {
    public struct Settings: Sendable {
        public var connectTimeout: Duration
        /// An unused connection is closed after this long.
        public var idleTimeout: Duration
        public var connectionsPerReceiver: Int
        /// PEM file of the certificate authorities an https receiver's certificate must chain to;
        /// nil for the system's trust store. The host name is checked either way.
        public var caFile: String?

        public init(connectTimeout: Duration = .seconds(5), idleTimeout: Duration = .seconds(60), connectionsPerReceiver: Int = 64,
                    caFile: String? = nil) {
            self.connectTimeout = connectTimeout
            self.idleTimeout = idleTimeout
            self.connectionsPerReceiver = max(1, connectionsPerReceiver)
            self.caFile = caFile
        }
    }

    private enum Lease {
        case reuse(any Channel)
        case connect
    }

    private struct Waiter {
        var id: Int
        var deadline: NIODeadline
        var continuation: CheckedContinuation<Lease, any Error>
    }

    private struct Receiver {
        var idle: [any Channel] = []
        var open = 0
        /// In arrival order; a ring buffer, as the first is taken each time.
        var waiters = CircularBuffer<Waiter>()
        /// One timer for the earliest waiter's deadline, not one per waiter: at thousands of pushes
        /// a second a timer each (mostly never firing) would fill the event loop's timer heap.
        var waitTimer: (deadline: NIODeadline, task: Scheduled<Void>)?

        /// The waiters whose deadline has come, taken out of the queue.
        mutating func expired(at now: NIODeadline) -> [Waiter] {
            guard waiters.contains(where: { $0.deadline <= now }) else { return [] }
            let expired = Array(waiters.filter { $0.deadline <= now })
            waiters = CircularBuffer(waiters.filter { $0.deadline > now })
            return expired
        }
    }

    private struct State {
        var receivers: [WebhookAddress: Receiver] = [:]
        var nextWaiter = 0
        var shutDown = false
        var tls: NIOSSLContext?
    }

    private let state = Mutex(State())
    private let group: any EventLoopGroup
    public let settings: Settings

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, settings: Settings = Settings()) {
        self.group = group
        self.settings = settings
    }

    /// Sends `request` to `receiver` and returns its answer, or throws `PushHTTPError`, a NIO
    /// connect or I/O error, a TLS error or an `HTTPParserError`.
    public func execute(_ request: PushHTTPRequest, to receiver: WebhookAddress, deadline: NIODeadline) async throws -> PushHTTPResponse {
        var request = request
        request.headers.add(name: "Host", value: receiver.hostHeader)
        while true {
            let lease = try await acquire(receiver, deadline: deadline)
            let channel: any Channel
            let reused: Bool
            switch lease {
            case .reuse(let idle):
                channel = idle
                reused = true
            case .connect:
                do {
                    channel = try await connect(receiver, deadline: deadline)
                } catch {
                    connectionEnded(receiver, channel: nil)
                    throw error
                }
                reused = false
            }
            let promise = channel.eventLoop.makePromise(of: PushHTTPResponse.self)
            channel.writeAndFlush(PushExchange(request: request, promise: promise, deadline: deadline, reused: reused), promise: nil)
            do {
                // A cancelled push (its alarm ended, the daemon stops) gives up its connection at
                // once rather than wait out the receiver.
                return try await withTaskCancellationHandler {
                    try await promise.futureResult.get()
                } onCancel: {
                    channel.triggerUserOutboundEvent(PushCancellation(future: promise.futureResult), promise: nil)
                }
            } catch PushHTTPError.staleConnection {
                continue
            }
        }
    }

    /// Closes the idle connections and refuses new requests; those in flight run to their end.
    public func shutdown() {
        let (idle, waiters) = state.withLock { state -> ([any Channel], [Waiter]) in
            state.shutDown = true
            var idle: [any Channel] = [], waiters: [Waiter] = []
            for receiver in state.receivers.keys {
                state.receivers[receiver]?.waitTimer?.task.cancel()
                state.receivers[receiver]?.waitTimer = nil
                idle += state.receivers[receiver]?.idle ?? []
                waiters += state.receivers[receiver]?.waiters ?? []
                state.receivers[receiver]?.idle = []
                state.receivers[receiver]?.waiters = []
            }
            return (idle, waiters)
        }
        for channel in idle { channel.close(promise: nil) }
        for waiter in waiters { waiter.continuation.resume(throwing: PushHTTPError.shutDown) }
    }

    /// Connections open now, across receivers (for tests).
    public var openConnections: Int { state.withLock { $0.receivers.values.reduce(0) { $0 + $1.open } } }

    // MARK: - The pool

    private func acquire(_ receiver: WebhookAddress, deadline: NIODeadline) async throws -> Lease {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, any Error>) in
                let granted: Result<Lease, any Error>? = state.withLock { state in
                    if state.shutDown { return .failure(PushHTTPError.shutDown) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    // Changed in place: a copy out of the dictionary would copy the waiters too.
                    return lease(&state.receivers[receiver, default: Receiver()], receiver, id: id, deadline: deadline, continuation: continuation)
                }
                if let granted { continuation.resume(with: granted) }
            }
        } onCancel: {
            stopWaiting(receiver, id: id, with: CancellationError())
        }
    }

    /// A connection for a request now (an idle one, or leave to open one), or nil with the request
    /// queued as a waiter.
    private func lease(_ pool: inout Receiver, _ receiver: WebhookAddress, id: Int, deadline: NIODeadline,
                       continuation: CheckedContinuation<Lease, any Error>) -> Result<Lease, any Error>? {
        // The most recently used first: it is the least likely to have been closed.
        while let channel = pool.idle.popLast() {
            if channel.isActive { return .success(.reuse(channel)) }
        }
        if pool.open < settings.connectionsPerReceiver {
            pool.open += 1
            return .success(.connect)
        }
        // Waiting for a connection counts against the attempt's deadline too.
        pool.waiters.append(Waiter(id: id, deadline: deadline, continuation: continuation))
        if pool.waitTimer.map({ deadline < $0.deadline }) ?? true { armWaitTimer(&pool, receiver, deadline: deadline) }
        return nil
    }

    private func armWaitTimer(_ pool: inout Receiver, _ receiver: WebhookAddress, deadline: NIODeadline) {
        pool.waitTimer?.task.cancel()
        let task = group.any().scheduleTask(deadline: deadline) { [self] in waitTimerFired(receiver) }
        pool.waitTimer = (deadline, task)
    }

    /// Fails the waiters whose deadline has come and arms the timer for the next one.
    private func waitTimerFired(_ receiver: WebhookAddress) {
        let expired = state.withLock { state -> [Waiter] in
            guard state.receivers[receiver] != nil else { return [] }
            state.receivers[receiver]!.waitTimer = nil
            let expired = state.receivers[receiver]!.expired(at: .now())
            if let next = state.receivers[receiver]!.waiters.map(\.deadline).min() {
                armWaitTimer(&state.receivers[receiver]!, receiver, deadline: next)
            }
            return expired
        }
        for waiter in expired { waiter.continuation.resume(throwing: PushHTTPError.deadlineExceeded) }
    }

    private func stopWaiting(_ receiver: WebhookAddress, id: Int, with error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.receivers[receiver]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.receivers[receiver]?.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    /// A connection finished an exchange and can carry the next: to the longest waiter, or idle.
    private func becameIdle(_ receiver: WebhookAddress, channel: any Channel) {
        let waiter = state.withLock { state -> Waiter? in
            if state.shutDown { return nil }
            if let waiter = state.receivers[receiver]?.waiters.first {
                state.receivers[receiver]?.waiters.removeFirst()
                return waiter
            }
            state.receivers[receiver]?.idle.append(channel)
            return nil
        }
        if let waiter {
            waiter.continuation.resume(returning: .reuse(channel))
        } else if state.withLock({ $0.shutDown }) {
            channel.close(promise: nil)
        }
    }

    /// A connection closed (or never opened): its place goes to the longest waiter.
    private func connectionEnded(_ receiver: WebhookAddress, channel: (any Channel)?) {
        let waiter = state.withLock { state -> Waiter? in
            guard state.receivers[receiver] != nil else { return nil }
            if let channel {
                let closed = ObjectIdentifier(channel)
                state.receivers[receiver]!.idle.removeAll { ObjectIdentifier($0) == closed }
            }
            guard state.receivers[receiver]!.waiters.isEmpty else { return state.receivers[receiver]!.waiters.removeFirst() }
            state.receivers[receiver]!.open -= 1
            if state.receivers[receiver]!.open == 0 { state.receivers[receiver] = nil }
            return nil
        }
        waiter?.continuation.resume(returning: .connect)
    }

    // MARK: - Connecting

    private func connect(_ receiver: WebhookAddress, deadline: NIODeadline) async throws -> any Channel {
        let remaining = deadline - .now()
        guard remaining > .zero else { throw PushHTTPError.deadlineExceeded }
        let tls = receiver.scheme == "https" ? try tlsContext() : nil
        let idleTimeout = TimeAmount(settings.idleTimeout)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(min(TimeAmount(settings.connectTimeout), remaining))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        // SNI and the name check need a host name; an address literal is checked
                        // against the certificate chain only, as every HTTP client does.
                        let name = receiver.isAddressLiteral ? nil : receiver.host
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(PushConnectionHandler(idleTimeout: idleTimeout) { channel in
                        self.becameIdle(receiver, channel: channel)
                    })
                }
            }
            .connect(host: receiver.host, port: receiver.port)
            .get()
        channel.closeFuture.whenComplete { [self] _ in connectionEnded(receiver, channel: channel) }
        return channel
    }

    /// Loads the trust roots now, so that a configured `caFile` that cannot be read stops the
    /// daemon at start instead of failing every https push.
    public func loadTrustRoots() throws {
        _ = try tlsContext()
    }

    /// The trust roots, loaded once.
    private func tlsContext() throws -> NIOSSLContext {
        if let context = state.withLock({ $0.tls }) { return context }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile { configuration.trustRoots = .file(caFile) }
        let context = try NIOSSLContext(configuration: configuration)
        state.withLock { $0.tls = context }
        return context
    }
}

extension ObjectIdentifier {
    init(_ channel: any Channel) { self.init(channel as AnyObject) }
}
