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
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The ESPA-X listener as a service: it binds the TCP port (and the TLS port when configured),
/// serves until a graceful shutdown, then sends `CMD.SHUTDOWN` to every logged-in client, closes
/// every connection and returns.
public final class ESPAXListener: Service, Sendable {
    private let context: ESPAXServerContext
    private let alarms: AlarmService
    private let onListening: @Sendable (_ port: Int, _ tlsPort: Int?) async -> Void
    private let sslContext: NIOSSLContext?

    public init(
        settings: ESPAXListenerSettings, alarms: AlarmService, directory: any Directory, verifier: any ESPAXCredentialVerifier,
        links: LinkBoard, logger: Logger = Logger(label: "tocsin.espax"),
        onListening: @escaping @Sendable (_ port: Int, _ tlsPort: Int?) async -> Void = { _, _ in }
    ) throws(ESPAXListenerError) {
        let desk = ESPAXProcessDesk(alarms: alarms, directory: directory, mode: settings.reportingMode, logger: logger)
        self.context = ESPAXServerContext(settings: settings, verifier: verifier, desk: desk, links: links, logger: logger)
        self.alarms = alarms
        self.onListening = onListening
        self.sslContext = try Self.makeSSLContext(settings)
    }

    /// The process desk, for its counts.
    public var desk: ESPAXProcessDesk { context.desk }
    /// Open connections and logged-in sessions right now.
    public var connectionCount: Int { context.connections.count }
    public var sessionCount: Int { context.connections.sessionCount }

    static func makeSSLContext(_ settings: ESPAXListenerSettings) throws(ESPAXListenerError) -> NIOSSLContext? {
        guard settings.tlsPort != nil else { return nil }
        guard let certificatePath = settings.certificatePath else { throw .tlsMaterialMissing(key: "espax.tls_certificate") }
        guard let keyPath = settings.privateKeyPath else { throw .tlsMaterialMissing(key: "espax.tls_private_key") }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw .tlsMaterialUnreadable(path: certificatePath, reason: "\(error)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw .tlsMaterialUnreadable(path: keyPath, reason: "\(error)")
        }
        do {
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tlsMaterialUnreadable(path: certificatePath, reason: "\(error)")
        }
    }

    private func bind(port: Int, tls: NIOSSLContext?) async throws -> any Channel {
        let context = self.context
        let transport = tls == nil ? "tcp" : "tls"
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A half-closed peer is a gone peer: ESPA-X has no use for half-closed streams.
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.addHandler(ESPAXConnectionHandler(server: context, transport: transport))
                }
            }
        do {
            return try await bootstrap.bind(host: context.settings.host, port: port).get()
        } catch {
            throw ESPAXListenerError.cannotBind(host: context.settings.host, port: port, reason: "\(error)")
        }
    }

    public func run() async throws {
        let events = alarms.events.subscribe(wants: ESPAXProcessDesk.wants)
        let desk = context.desk
        let logger = context.logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await desk.run(events: events) }
            var channels: [any Channel] = []
            do {
                let plain = try await bind(port: context.settings.port, tls: nil)
                channels.append(plain)
                var tlsPort: Int?
                if let tlsSettingsPort = context.settings.tlsPort, let sslContext {
                    let secure = try await bind(port: tlsSettingsPort, tls: sslContext)
                    channels.append(secure)
                    tlsPort = secure.localAddress?.port
                }
                let port = plain.localAddress?.port ?? context.settings.port
                logger.notice("ESPA-X listening", metadata: [
                    "host": "\(context.settings.host)", "port": "\(port)", "tls_port": "\(tlsPort.map(String.init) ?? "off")",
                    "reporting": "\(context.settings.reportingMode.rawValue)",
                ])
                await onListening(port, tlsPort)
            } catch {
                for channel in channels { try? await channel.close() }
                group.cancelAll()
                throw error
            }
            // Runs until the service group asks for a graceful stop (or is cancelled).
            try? await gracefulShutdown()
            for channel in channels { try? await channel.close() }
            await stopSessions()
            group.cancelAll()
        }
    }

    /// `CMD.SHUTDOWN` to every logged-in client and a close for everything else; waits (a few
    /// seconds at most) for the sockets to close so the clients read the command.
    private func stopSessions() async {
        let links = context.connections.links
        guard !links.isEmpty else { return }
        context.logger.notice("ESPA-X shutting down sessions", metadata: ["connections": "\(links.count)"])
        for link in links { link.shutdown() }
        let deadline = ContinuousClock.now + .seconds(5)
        for link in links {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { break }
            let closed = link.channel.closeFuture
            let loop = link.channel.eventLoop
            let timeout = loop.scheduleTask(in: .milliseconds(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)) {
                link.channel.close(promise: nil)
            }
            try? await closed.get()
            timeout.cancel()
        }
    }
}
