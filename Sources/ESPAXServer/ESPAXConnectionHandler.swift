#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import ESPAX
import Logging
import NIOCore
import NIOPosix

/// One client connection on its event loop: bytes go into the pure `ESPAXSession`, whose actions
/// are carried out here (writes, closes, the heartbeat timer) or handed to the login check and the
/// process desk, which answer through the connection's `ESPAXConnectionLink`.
final class ESPAXConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: ESPAXServerContext
    private var session: ESPAXSession<ContinuousClock.Instant>
    private var context: ChannelHandlerContext?
    private var link: ESPAXConnectionLink?
    private var timer: Scheduled<Void>?
    private var loggedIn = false
    private var loggedInAt = Date()
    private var heartbeatsSeen = 0
    private var lastHeartbeat: Date?
    private var closing = false
    private let transport: String

    init(server: ESPAXServerContext, transport: String) {
        self.server = server
        self.transport = transport
        self.session = ESPAXSession(configuration: server.settings.session, connectedAt: .now)
    }

    /// The session's name on the link board, set at login (client and session do not change after).
    private var linkName = ""
    /// The board's detail line, rebuilt only when what it says changes.
    private var statusDetail = ""

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        let address = context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
        let link = ESPAXConnectionLink(id: server.connections.nextID(), address: address, channel: context.channel,
                                       handler: NIOLoopBound(self, eventLoop: context.eventLoop))
        self.link = link
        switch server.connections.admit(link) {
        case .admitted:
            break
        case .admittedEvicting(let oldest):
            server.logger.warning("ESPA-X connection limit reached: closing the oldest connection that has not logged in",
                                  metadata: ["evicted": "\(oldest.address)", "new": "\(address)", "limit": "\(server.connections.maximumConnections)"])
            oldest.evict()
        case .refused:
            server.logger.warning("ESPA-X connection refused: every connection is logged in and the limit is reached",
                                  metadata: ["peer": "\(address)", "limit": "\(server.connections.maximumConnections)"])
            closing = true
            session.connectionClosed()
            context.close(promise: nil)
            return
        }
        server.logger.debug("ESPA-X connection", metadata: ["peer": "\(address)", "transport": "\(transport)"])
        schedule()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        session.connectionClosed()
        if let link {
            server.connections.remove(link.id)
            server.desk.forget(connection: link.id)
            if loggedIn { server.links.remove(kind: "espax", name: linkName) }
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard !closing else { return }
        session.condition = server.condition
        let actions = session.receive(buffer.readableBytesView, at: .now)
        perform(actions)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        server.logger.info("ESPA-X connection error", metadata: ["peer": "\(link?.address ?? "?")", "error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: - Actions

    private func perform(_ actions: [ESPAXAction]) {
        guard let context, let link else { return }
        var wrote = false
        let now = Date()
        for action in actions {
            switch action {
            case .send(let message, let number):
                context.write(wrapOutboundOut(Self.frame(message, timestamp: now, headerNumber: number, allocator: context.channel.allocator)), promise: nil)
                wrote = true
            case .checkCredentials(let login):
                checkCredentials(login, link: link)
            case .startProcess(let request, let requestContext):
                let desk = server.desk
                Task { await desk.start(request, requestContext, link: link) }
            case .stopProcess(let selector, let requestContext):
                let desk = server.desk
                Task { await desk.stop(selector, requestContext, link: link) }
            case .queryProcesses(let query, let requestContext):
                let desk = server.desk
                Task { await desk.query(query, requestContext, link: link) }
            case .close(let reason):
                close(reason, context: context)
                return
            }
        }
        if wrote { context.flush() }
        publishStatus()
        schedule()
    }

    private func close(_ reason: ESPAXCloseReason, context: ChannelHandlerContext) {
        closing = true
        timer?.cancel()
        timer = nil
        var metadata: Logger.Metadata = ["peer": "\(link?.address ?? "?")", "reason": "\(reason)"]
        if let client = session.client { metadata["client"] = "\(client)" }
        switch reason {
        case .heartbeatExpired, .badCredentials, .framingError, .tooManyFramesDuringLogin:
            server.logger.warning("ESPA-X session closed", metadata: metadata)
        default:
            server.logger.info("ESPA-X session closed", metadata: metadata)
        }
        // What was written before the close goes out first; then the socket closes.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer())).whenComplete { _ in
            bound.value.close(promise: nil)
        }
    }

    private func checkCredentials(_ login: ESPAXLoginRequest, link: ESPAXConnectionLink) {
        let server = self.server
        let loop = link.channel.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        let host = String(link.address.split(separator: ":").dropLast().joined(separator: ":"))
        let delay = server.throttle.delay(for: host)
        Task {
            if delay > .zero { try? await Task.sleep(for: delay) }
            let verifier = server.verifier
            let accepted = (try? await NIOThreadPool.singleton.runIfActive { verifier.verify(login) }) ?? false
            var verdict: ESPAXLoginVerdict
            if accepted {
                server.throttle.succeeded(host)
                verdict = server.connections.logIn(link.id, client: login.client)
                    ? .accepted
                    : .refused(.serviceUnavailable, info: "client \(login.client) already has \(server.connections.maximumSessionsPerClient) sessions, the configured maximum")
            } else {
                server.throttle.failed(host)
                verdict = .badCredentials
            }
            let final = verdict
            loop.execute { handler.value.completeLogin(final) }
        }
    }

    private func completeLogin(_ verdict: ESPAXLoginVerdict) {
        let actions = session.completeLogin(verdict, at: .now)
        if verdict == .accepted, session.phase == .loggedIn {
            loggedIn = true
            linkName = "\(session.client ?? "?") \(session.sessionID.map { String($0.prefix(6)) } ?? "")"
            loggedInAt = Date()
            server.logger.notice("ESPA-X client logged in", metadata: [
                "client": "\(session.client ?? "")", "user": "\(session.user ?? "")",
                "peer": "\(link?.address ?? "?")", "transport": "\(transport)",
            ])
        }
        perform(actions)
    }

    /// Writes messages from the process desk or elsewhere, in the order given.
    func write(_ messages: [ESPAXServerMessage], timestamp: Date) {
        guard let context, !closing, session.phase != .closed else { return }
        for message in messages {
            context.write(wrapOutboundOut(Self.frame(message, timestamp: timestamp, headerNumber: nil, allocator: context.channel.allocator)), promise: nil)
        }
        context.flush()
    }

    /// The `EX` header and the XML written straight into one buffer (the bytes of `EXFrame`,
    /// without its intermediate arrays).
    static func frame(_ message: ESPAXServerMessage, timestamp: Date, headerNumber: UInt32?, allocator: ByteBufferAllocator) -> ByteBuffer {
        let xml = message.xml(timestamp: timestamp)
        var buffer = allocator.buffer(capacity: EXFrame.headerLength + xml.utf8.count)
        buffer.writeBytes(EXFrame.header(bodyLength: xml.utf8.count, number: headerNumber ?? message.headerNumber))
        buffer.writeString(xml)
        return buffer
    }

    func shutdown() {
        guard !closing else { return }
        perform(session.shutdown(reason: .normal, mode: .quick))
    }

    func evict() {
        guard let context, !closing, !loggedIn else { return }
        closing = true
        session.connectionClosed()
        context.close(promise: nil)
    }

    // MARK: - Timer and status

    private func schedule() {
        guard let context, !closing, let deadline = session.deadline else { return }
        timer?.cancel()
        let wait = ContinuousClock.now.duration(to: deadline)
        let (seconds, attoseconds) = wait.components
        let nanoseconds = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000) + 1_000_000
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            handler.value.expire()
        }
    }

    private func expire() {
        timer = nil
        guard !closing else { return }
        perform(session.tick(at: .now))
    }

    /// Runs after every request, so the board's counters are always current; the detail line is
    /// rebuilt only when what it says changes (a heartbeat), not at every P-START.
    private func publishStatus() {
        guard loggedIn, !closing, let link else { return }
        let counters = session.counters
        let heartbeat = counters.heartbeats != heartbeatsSeen
        if heartbeat {
            heartbeatsSeen = counters.heartbeats
            lastHeartbeat = Date()
        }
        if heartbeat || statusDetail.isEmpty {
            var detail = "user \(session.user ?? "?") from \(link.address) over \(transport)"
            if let software = session.clientSoftware { detail += ", software \(software)" }
            detail += ", session \(session.sessionID ?? "")"
            detail += ", logged in \(ESPAXTimestamp.string(from: loggedInAt))"
            detail += lastHeartbeat.map { ", last heartbeat \(ESPAXTimestamp.string(from: $0))" } ?? ", no heartbeat yet"
            statusDetail = detail
        }

        server.links.set(LinkStatus(
            kind: "espax", name: linkName, state: .up, detail: statusDetail,
            counters: ["requests": counters.requests, "heartbeats": counters.heartbeats,
                       "process_starts": counters.processStarts, "errors": counters.errors],
            since: loggedInAt))
    }
}
