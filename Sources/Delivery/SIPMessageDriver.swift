// `SIPMessageDriver` sends an alarm as a pager-mode SIP MESSAGE (RFC 3428) to a DECT or Wi-Fi
// handset, over UDP or TCP. Each attempt is one non-INVITE client transaction (RFC 3261 §17.1.2):
// over UDP the request is retransmitted from T1 (500 ms) doubling up to T2 (4 s), and the
// transaction gives up at Timer F (64·T1 = 32 s); a 401 or 407 is answered once with Digest
// credentials. `200` means a user agent took the message, `202` only that a store-and-forward
// server did.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Logging
import NIOCore
import NIOPosix
import Synchronization

public final class SIPMessageDriver: DeliveryDriver {
    /// `[sip]` in the configuration file.
    public struct Settings: Sendable, Hashable {
        public var transport: SIPTransport
        /// The address Tocsin sends from and names in `Via` and `From`: the PBX must reach it.
        public var localAddress: String
        /// The user part of `From`, such as `alarm`.
        public var fromUser: String
        /// The host part of `From`; empty uses `localAddress`.
        public var fromDomain: String
        /// Digest credentials for a registrar or PBX that challenges; empty sends none.
        public var username: String
        public var password: String
        public var profile: SIPVendorProfile
        public var t1: Duration
        public var t2: Duration
        public var concurrency: Int
        public var retryPolicy: RetryPolicy

        public init(
            transport: SIPTransport = .udp,
            localAddress: String = "127.0.0.1",
            fromUser: String = "alarm",
            fromDomain: String = "",
            username: String = "",
            password: String = "",
            profile: SIPVendorProfile = .generic,
            t1: Duration = .milliseconds(500),
            t2: Duration = .seconds(4),
            concurrency: Int = 64,
            retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 2, initialBackoff: .seconds(1), maxBackoff: .seconds(4))
        ) {
            self.transport = transport
            self.localAddress = localAddress
            self.fromUser = fromUser
            self.fromDomain = fromDomain
            self.username = username
            self.password = password
            self.profile = profile
            self.t1 = t1
            self.t2 = t2
            self.concurrency = concurrency
            self.retryPolicy = retryPolicy
        }

        /// Timer F: 64·T1.
        public var timerF: Duration { t1 * 64 }
    }

    /// Over UDP a body above this may be fragmented and lost (RFC 3428 §6); longer texts are cut.
    public static let udpBodyLimit = 1300

    public let name = "sip"
    private let settingsBox: Mutex<Settings>
    private let gate: PushGate
    private let logger: Logger

    public init(settings: Settings, logger: Logger) {
        self.settingsBox = Mutex(settings)
        self.gate = PushGate(limit: settings.concurrency)
        self.logger = logger
    }

    public var settings: Settings { settingsBox.withLock { $0 } }
    public var retryPolicy: RetryPolicy { settings.retryPolicy }

    public func update(settings: Settings) {
        settingsBox.withLock { $0 = settings }
    }

    public func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome {
        let address = request.destination.address
        guard let target = SIPTarget(address) else {
            return .failed(reason: "invalid SIP address \"\(address)\" of phone \(request.destination.phoneID): write it as sip:user@host[:port]", retryable: false)
        }
        guard await gate.enter(address) else {
            return .failed(reason: "the MESSAGE to \(target) was cancelled while waiting for its turn", retryable: true)
        }
        defer { gate.leave(address) }
        let settings = self.settings
        let outcome = await send(request, to: target, settings: settings)
        logger.debug("sip message", metadata: [
            "alarm": "\(request.alarm.id)", "phone": "\(request.destination.phoneID)", "target": "\(target)",
            "attempt": "\(request.attempt)", "repetition": "\(request.repetition)", "outcome": "\(outcome.summary)",
        ])
        return outcome
    }

    private func send(_ request: DeliveryRequest, to target: SIPTarget, settings: Settings) async -> DeliveryOutcome {
        let connection: SIPConnection
        do {
            connection = try await SIPConnection.open(settings.transport, localAddress: settings.localAddress, target: target)
        } catch {
            return .failed(reason: "could not open a SIP \(settings.transport.viaName) path to \(target): \(error)", retryable: true)
        }
        defer { connection.close() }

        var body = settings.profile.body(request.alarm.request.text, priority: request.alarm.request.priority)
        if settings.transport == .udp, body.utf8.count > Self.udpBodyLimit {
            body = String(decoding: body.utf8.prefix(Self.udpBodyLimit - 3), as: UTF8.self) + "..."
        }
        var message = SIPMessageRequest(
            target: target,
            transport: settings.transport,
            localHost: settings.localAddress,
            localPort: connection.localPort,
            fromUser: settings.fromUser,
            fromDomain: settings.fromDomain.isEmpty ? settings.localAddress : settings.fromDomain,
            callID: Self.token(16) + "@tocsin",
            fromTag: Self.token(10),
            branch: "",
            cseq: 1,
            priority: settings.profile.priorityHeader(request.alarm.request.priority),
            body: body,
            credentials: nil
        )
        var challenged = false
        while true {
            message.branch = "z9hG4bK" + Self.token(16)
            guard let response = await transaction(message, over: connection, settings: settings) else {
                return .failed(reason: "no answer from \(target) within \(settings.timerF.milliseconds) ms (Timer F)", retryable: true)
            }
            if response.code == 401 || response.code == 407, !challenged {
                let header = response.code == 401 ? "www-authenticate" : "proxy-authenticate"
                guard !settings.username.isEmpty else {
                    return .failed(reason: "\(target) asks for credentials (SIP \(response.code)) but [sip] username is not set", retryable: false)
                }
                guard let challenge = response.header(header).flatMap(SIPDigestChallenge.init(header:)), challenge.isSupported else {
                    return .failed(reason: "\(target) sent a SIP \(response.code) challenge Tocsin cannot answer: \(response.header(header) ?? "none")", retryable: false)
                }
                challenged = true
                message.cseq += 1
                message.credentials = (
                    response.code == 401 ? "Authorization" : "Proxy-Authorization",
                    challenge.authorization(method: "MESSAGE", uri: target.uri, username: settings.username, password: settings.password, cnonce: Self.token(12))
                )
                continue
            }
            return Self.outcome(response, target: target)
        }
    }

    /// One client transaction: the final response, or nil at Timer F.
    private func transaction(_ message: SIPMessageRequest, over connection: SIPConnection, settings: Settings) async -> SIPResponse? {
        let start = ContinuousClock.now
        let giveUp = start + settings.timerF
        let text = message.text
        connection.send(text)
        var interval = settings.t1
        var nextRetransmit = start + interval
        var provisional = false
        while true {
            let now = ContinuousClock.now
            if now >= giveUp { return nil }
            // TCP is reliable: no retransmissions, only Timer F.
            let wake = connection.isReliable ? giveUp : min(nextRetransmit, giveUp)
            if let received = await connection.inbox.next(until: wake) {
                guard let response = SIPResponse.parse(received),
                      response.branch == message.branch,
                      response.cseq?.method == "MESSAGE"
                else { continue }
                if response.code < 200 {
                    // After a provisional answer the request is resent only every T2 (§17.1.2.2).
                    provisional = true
                    continue
                }
                return response
            }
            if connection.isClosed { return nil }
            if !connection.isReliable, ContinuousClock.now >= nextRetransmit, ContinuousClock.now < giveUp {
                connection.send(text)
                interval = provisional ? settings.t2 : min(interval * 2, settings.t2)
                nextRetransmit = ContinuousClock.now + interval
            }
        }
    }

    static func outcome(_ response: SIPResponse, target: SIPTarget) -> DeliveryOutcome {
        let status = "SIP \(response.code) \(response.reason)".trimmingXMLSpace()
        switch response.code {
        case 200:
            return .accepted(detail: "\(status) from \(target)")
        case 202:
            return .queued(detail: "\(status) from \(target): accepted for later delivery, not yet on the handset")
        case 200..<300:
            return .accepted(detail: "\(status) from \(target)")
        case 404:
            return .failed(reason: "\(status): \(target) is not a known user", retryable: false)
        case 480:
            return .failed(reason: "\(status): \(target) is not registered or out of range", retryable: true)
        case 486, 600:
            return .failed(reason: "\(status): \(target) is busy", retryable: true)
        case 603:
            return .failed(reason: "\(status): \(target) declined the message", retryable: false)
        case 408:
            return .failed(reason: "\(status): no answer from \(target)", retryable: true)
        case 415:
            return .failed(reason: "\(status): \(target) does not take text/plain messages", retryable: false)
        case 401, 407:
            return .failed(reason: "\(status): \(target) refused the credentials (check [sip] username and password)", retryable: false)
        case 300..<400:
            return .failed(reason: "\(status): \(target) redirects elsewhere (\(response.header("contact") ?? "no Contact")); Tocsin does not follow redirects", retryable: false)
        case 500..<600:
            return .failed(reason: "\(status) from \(target)", retryable: true)
        default:
            return .failed(reason: "\(status) from \(target)", retryable: false)
        }
    }

    static func token(_ length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }
}

/// Messages received on one transaction's socket, waited for with a deadline.
final class SIPInbox: Sendable {
    private struct State {
        var queue: [String] = []
        var waiter: (id: Int, continuation: CheckedContinuation<String?, Never>)?
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())

    func deliver(_ text: String) {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.queue.append(text)
            return nil
        }
        waiter?.resume(returning: text)
    }

    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume(returning: nil)
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// The next message, or nil when `deadline` passes (or the socket closed) first.
    func next(until deadline: ContinuousClock.Instant) async -> String? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            self?.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let ready: String?? = state.withLock { state in
                if !state.queue.isEmpty { return .some(state.queue.removeFirst()) }
                if state.closed || ContinuousClock.now >= deadline { return .some(nil) }
                state.waiter = (id, continuation)
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func expire(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: nil)
    }
}

/// One transaction's socket: a UDP socket on an ephemeral port, or a TCP connection.
final class SIPConnection: Sendable {
    let inbox: SIPInbox
    let isReliable: Bool
    let localPort: Int
    private let channel: any Channel
    private let remote: SocketAddress

    private init(inbox: SIPInbox, isReliable: Bool, channel: any Channel, remote: SocketAddress) {
        self.inbox = inbox
        self.isReliable = isReliable
        self.channel = channel
        self.remote = remote
        self.localPort = channel.localAddress?.port ?? 0
    }

    var isClosed: Bool { inbox.isClosed }

    static func open(_ transport: SIPTransport, localAddress: String, target: SIPTarget) async throws -> SIPConnection {
        let remote: SocketAddress
        do {
            remote = try SocketAddress(ipAddress: target.host, port: target.port)
        } catch {
            remote = try SocketAddress.makeAddressResolvingHost(target.host, port: target.port)
        }
        let inbox = SIPInbox()
        switch transport {
        case .udp:
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(inbox: inbox))
                    }
                }
                .bind(host: localAddress, port: 0)
                .get()
            return SIPConnection(inbox: inbox, isReliable: false, channel: channel, remote: remote)
        case .tcp:
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(inbox: inbox))
                    }
                }
                .connect(to: remote)
                .get()
            return SIPConnection(inbox: inbox, isReliable: true, channel: channel, remote: remote)
        }
    }

    func send(_ text: String) {
        let buffer = channel.allocator.buffer(string: text)
        if isReliable {
            channel.writeAndFlush(buffer, promise: nil)
        } else {
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer), promise: nil)
        }
    }

    func close() {
        channel.close(promise: nil)
        inbox.close()
    }
}

private final class SIPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let inbox: SIPInbox

    init(inbox: SIPInbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        inbox.deliver(String(buffer: envelope.data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An ICMP port-unreachable surfaces as a read error on a UDP socket; the transaction
        // simply keeps retransmitting until Timer F, as RFC 3261 has it.
    }
}

/// Splits a TCP byte stream into SIP messages by `Content-Length` (RFC 3261 §18.3).
private final class SIPStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let inbox: SIPInbox
    private var pending: [UInt8] = []

    init(inbox: SIPInbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += unwrapInboundIn(data).readableBytesView
        while let message = nextMessage() { inbox.deliver(message) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.close()
    }

    private func nextMessage() -> String? {
        // Keep-alive CRLFs between messages are skipped.
        while pending.first == 0x0D || pending.first == 0x0A { pending.removeFirst() }
        let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        guard pending.count >= 4, let end = (0...(pending.count - 4)).first(where: { Array(pending[$0..<$0 + 4]) == separator }) else { return nil }
        let head = String(decoding: pending[..<end], as: UTF8.self)
        var length = 0
        for line in head.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingXMLSpace().lowercased()
            if name == "content-length" || name == "l" { length = Int(parts[1].trimmingXMLSpace()) ?? 0 }
        }
        let total = end + 4 + length
        guard pending.count >= total else { return nil }
        let message = String(decoding: pending[..<total], as: UTF8.self)
        pending.removeFirst(total)
        return message
    }
}
