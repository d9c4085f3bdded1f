#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import CSTA
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The CSTA client service: one TCP or TLS connection to the PBX at a time, the session machine fed
/// with its bytes and the real clock, and escalation calls placed through it.
///
/// Every report (bytes, connect results, losses) comes through one ordered stream; actions are
/// carried out in the order the session returns them.
public actor CSTAClient: EscalationDialer, Service {
    public nonisolated let name = "csta"
    public nonisolated let settings: CSTAClientSettings

    private typealias Instant = ContinuousClock.Instant
    private let clock = ContinuousClock()
    private var session: CSTASession<Instant>
    private let links: LinkBoard
    private let alarms: AlarmService?
    private let group: any EventLoopGroup
    private let logger: Logger
    private let sslContext: NIOSSLContext?

    private let events: AsyncStream<CSTAConnectionEvent>
    private let eventSink: AsyncStream<CSTAConnectionEvent>.Continuation

    private var channel: (any Channel)?
    /// The attempt whose connection is open; reports about any other are stale.
    private var liveAttempt: Int?
    private var timer: Task<Void, Never>?
    private var nextToken: UInt64 = 0
    private var pending: [CSTACallToken: CheckedContinuation<CallOutcome, Never>] = [:]
    private var stopped = false

    /// The key of the technical alarm raised while the link is down.
    public nonisolated var faultKey: String { "csta:\(settings.name)" }

    public init(
        settings: CSTAClientSettings,
        links: LinkBoard,
        alarms: AlarmService? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tocsin.csta")
    ) throws {
        self.settings = settings
        self.session = CSTASession(configuration: settings.session)
        self.links = links
        self.alarms = alarms
        self.group = group
        self.logger = logger
        if settings.tls {
            var tls = TLSConfiguration.makeClientConfiguration()
            switch settings.certificateCheck {
            case .full: break
            case .caFile(let path): tls.trustRoots = .file(path)
            case .none: tls.certificateVerification = .none
            }
            sslContext = try NIOSSLContext(configuration: tls)
        } else {
            sslContext = nil
        }
        (events, eventSink) = AsyncStream.makeStream(of: CSTAConnectionEvent.self)
        links.set(LinkStatus(kind: "csta", name: settings.name, state: .connecting, detail: Self.address(settings), since: Date()))
    }

    private static func address(_ settings: CSTAClientSettings) -> String {
        "\(settings.tls ? "tls" : "tcp")://\(settings.host):\(settings.port) (\(settings.session.dialect.name))"
    }

    // MARK: - Service

    /// Connects and keeps the link up until graceful shutdown or cancellation.
    public func run() async throws {
        perform(session.start(at: clock.now))
        await withGracefulShutdownHandler {
            for await event in events {
                handle(event)
                if stopped { break }
            }
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
        if !stopped { stop() }
    }

    /// Ends the session politely, fails what is pending and closes the connection.
    public func stop() {
        guard !stopped else { return }
        perform(session.stop(at: clock.now))
        stopped = true
        timer?.cancel()
        timer = nil
        for (_, continuation) in pending { continuation.resume(returning: .failed(detail: CSTALinkFault.stopped.description)) }
        pending.removeAll()
        channel?.close(promise: nil)
        channel = nil
        eventSink.finish()
    }

    public var isUp: Bool { session.isUp }

    private func handle(_ event: CSTAConnectionEvent) {
        let now = clock.now
        switch event {
        case .connected(let attempt, let channel):
            guard !stopped else {
                channel.close(promise: nil)
                return
            }
            self.channel = channel
            liveAttempt = attempt
            perform(session.connected(attempt: attempt, at: now))
        case .connectFailed(let attempt, let reason):
            perform(session.connectFailed(attempt: attempt, reason: reason, at: now))
        case .bytes(let attempt, let bytes):
            guard attempt == liveAttempt else { return }
            links.count(kind: "csta", name: settings.name, "bytesIn", by: bytes.count)
            perform(session.received(bytes, at: now))
        case .lost(let attempt, let reason):
            // A broken connection reports twice (error, then inactive); the session hears it once.
            guard attempt == liveAttempt else { return }
            liveAttempt = nil
            channel = nil
            perform(session.connectionLost(attempt: attempt, reason: reason, at: now))
        }
    }

    // MARK: - Actions

    private func perform(_ actions: [CSTAAction<Instant>]) {
        for action in actions {
            switch action {
            case .connect(let attempt):
                connect(attempt)
            case .send(let bytes):
                guard let channel else { continue }
                links.count(kind: "csta", name: settings.name, "bytesOut", by: bytes.count)
                channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
            case .close(let fault):
                logger.warning("closing the CSTA connection", metadata: ["pbx": "\(settings.name)", "reason": "\(fault)"])
                liveAttempt = nil
                channel?.close(promise: nil)
                channel = nil
            case .scheduleTimer(let deadline):
                timer?.cancel()
                timer = Task { [clock] in
                    do { try await clock.sleep(until: deadline) } catch { return }
                    self.tick()
                }
            case .linkUp(let sessionID, let duration):
                logger.notice("CSTA link up", metadata: ["pbx": "\(settings.name)", "session": "\(sessionID)", "duration": "\(duration)"])
                links.set(LinkStatus(kind: "csta", name: settings.name, state: .up,
                                     detail: "\(Self.address(settings)), session \(sessionID), \(duration) granted", since: Date()))
                if let alarms {
                    let key = faultKey
                    Task { await alarms.clearTechnical(key: key) }
                }
            case .linkDown(let fault):
                logger.error("CSTA link down", metadata: ["pbx": "\(settings.name)", "reason": "\(fault)"])
                let state: LinkStatus.State = if case .connectFailed = fault { .absent } else { .down }
                links.set(LinkStatus(kind: "csta", name: settings.name, state: state, detail: "\(Self.address(settings)): \(fault)", since: Date()))
                if let alarms, fault != .stopped {
                    let key = faultKey
                    let text = "CSTA link to the PBX \(settings.name) is down: \(fault). Escalation calls cannot be placed."
                    Task { await alarms.raiseTechnical(key: key, text: text) }
                }
            case .callState(let token, let state):
                callState(token, state)
            case .notice(let notice):
                logger.info("CSTA notice", metadata: ["pbx": "\(settings.name)", "notice": "\(notice)"])
            }
        }
    }

    private func tick() {
        guard !stopped else { return }
        perform(session.tick(at: clock.now))
    }

    private func connect(_ attempt: Int) {
        let settings = settings
        let sslContext = sslContext
        let sink = eventSink
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(Int64(settings.connectTimeout.components.seconds) * 1_000_000_000 + settings.connectTimeout.components.attoseconds / 1_000_000_000))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: Self.isIPAddress(settings.host) ? nil : settings.host)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(CSTAChannelHandler(attempt: attempt, events: sink))
                }
            }
        Task {
            do {
                let channel = try await bootstrap.connect(host: settings.host, port: settings.port).get()
                sink.yield(.connected(attempt: attempt, channel))
            } catch {
                sink.yield(.connectFailed(attempt: attempt, reason: "\(settings.host):\(settings.port): \(error)"))
            }
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    // MARK: - Escalation calls

    public func placeCall(from callingDevice: String?, to number: String, noAnswerAfter: Duration) async -> CallOutcome {
        nextToken += 1
        let token = CSTACallToken(nextToken)
        let device = callingDevice ?? settings.defaultCallingDevice ?? ""
        links.count(kind: "csta", name: settings.name, "calls")
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CallOutcome, Never>) in
                if Task.isCancelled || stopped {
                    continuation.resume(returning: stopped ? .failed(detail: CSTALinkFault.stopped.description) : .cancelled)
                    return
                }
                pending[token] = continuation
                perform(session.placeCall(token, from: device, to: number, noAnswerAfter: noAnswerAfter, at: clock.now))
            }
        } onCancel: {
            Task { await self.hangUp(token) }
        }
    }

    private func hangUp(_ token: CSTACallToken) {
        guard pending[token] != nil else { return }
        perform(session.hangUp(token, at: clock.now))
        // The session reports `cancelled` for a call it follows; one it never saw ends here.
        pending.removeValue(forKey: token)?.resume(returning: .cancelled)
    }

    private func callState(_ token: CSTACallToken, _ state: CSTACallState) {
        guard case .finished(let outcome) = state else {
            logger.debug("escalation call progress", metadata: ["call": "\(token)", "state": "\(state)"])
            return
        }
        guard let continuation = pending.removeValue(forKey: token) else { return }
        let result = Self.callOutcome(outcome)
        links.count(kind: "csta", name: settings.name, result.word)
        continuation.resume(returning: result)
    }

    /// The alarm core's words for the session's outcomes.
    static func callOutcome(_ outcome: CSTACallOutcome) -> CallOutcome {
        switch outcome {
        case .answered: .answered(detail: outcome.description)
        case .failed: .failed(detail: outcome.description)
        case .noAnswer: .noAnswer(detail: outcome.description)
        case .cancelled: .cancelled
        }
    }
}
