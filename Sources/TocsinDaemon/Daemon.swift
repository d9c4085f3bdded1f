// TocsinDaemon owns the running daemon: the configuration, wiring the store, the alarm service, the
// drivers and the web server into one service group, the order of start-up and shutdown, SIGHUP
// reloads and the notifications to systemd. It knows no protocol details; those live in the
// protocol and driver targets.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import AsyncHTTPClient
import CSTAClient
import Delivery
import ESPAXServer
import Logging
import NIOCore
import Serial
import ServiceLifecycle
import Storage
import Synchronization
import UnixSignals
import VOIspeed
import Web

public enum Daemon {
    public static let version = "0.1.0"

    /// Runs until SIGTERM or SIGINT. `configurationPath` is nil when running on the embedded defaults;
    /// SIGHUP then has nothing to re-read.
    public static func run(configuration: Configuration, configurationPath: String?) async throws {
        LogOutput.bootstrap(level: configuration.daemon.logLevel)
        let metrics = MetricsExposition()
        let logger = Logger(label: "tocsin")
        let notifier = SystemdNotifier()
        let environment = ProcessInfo.processInfo.environment
        let stateDirectory = configuration.resolvedStateDirectory(environment: environment)

        logger.info("starting", metadata: [
            "version": "\(version)",
            "configuration": "\(configurationPath ?? "embedded defaults")",
            "state_directory": "\(stateDirectory)",
        ])
        let lock = try StateDirectoryLock(stateDirectory: stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        let store = try Store.open(stateDirectory: stateDirectory, logger: Logger(label: "tocsin.storage"))
        defer { store.close() }
        try await UserSync.apply(configuration.users, to: store.directory, logger: logger)

        // Webhook pushes, the bulk of an alarm's network work, go through a lean client of their own.
        let pushClient = PushHTTPClient(settings: PushHTTPClient.Settings(
            connectTimeout: .seconds(5), idleTimeout: .seconds(60), connectionsPerReceiver: 64,
            caFile: configuration.webhook.caFile.isEmpty ? nil : configuration.webhook.caFile
        ))
        defer { pushClient.shutdown() }
        if !configuration.webhook.caFile.isEmpty {
            do { try pushClient.loadTrustRoots() } catch {
                throw DaemonError.webhookAuthorities(path: configuration.webhook.caFile, reason: "\(error)")
            }
        }
        // Many phones can sit behind one host (a DECT gateway, a building management
        // server); a few slow ones must not starve the rest of connections.
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        clientConfiguration.timeout = .init(connect: .seconds(5))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let webhook = WebhookDriver(
            client: pushClient,
            timeout: .milliseconds(configuration.webhook.timeoutMs),
            retryPolicy: configuration.webhook.retryPolicy,
            version: version,
            logger: Logger(label: "tocsin.webhook")
        )
        let cisco = CiscoPhoneDriver(client: httpClient, settings: configuration.cisco.driverSettings, logger: Logger(label: "tocsin.cisco"))
        let sip = SIPMessageDriver(settings: configuration.sip.driverSettings, logger: Logger(label: "tocsin.sip"))
        let phonePolicy = PhoneEndpointPolicy(configuration.cisco.policySettings)
        let alarms = AlarmService(
            journal: store.journal,
            directory: store.directory,
            drivers: [webhook, cisco, sip],
            settings: configuration.alarmSettings,
            // ESPA-X sessions read every event; at thousands of P-START/s a small buffer would drop some.
            events: AlarmEventHub(bufferSize: 65_536),
            logger: Logger(label: "tocsin.alarming")
        )
        let phoneWatcher = PhoneFailureWatcher(service: alarms, failuresBeforeAlarm: configuration.phones.failuresBeforeAlarm)
        let phoneWatching = Task { await phoneWatcher.run() }
        defer { phoneWatching.cancel() }
        let links = LinkBoard()
        // A VOIspeed PBX sends SMS (driver voispeed-sms) and, unless [csta] does, places the
        // escalation calls; the configuration refuses both placing them. Its A.N.S. events come
        // in through the web server, so it is made before it.
        let voispeedLogger = Logger(label: "tocsin.voispeed")
        let voispeed: VOIspeedPBX? = configuration.voispeed.enabled ? VOIspeedPBX(
            client: httpClient, settings: configuration.voispeed.pbxSettings, links: links, alarms: alarms, version: version,
            logger: voispeedLogger
        ) : nil
        var voispeedDialer: VOIspeedDialer?
        if let voispeed {
            await alarms.register(driver: VOIspeedSMSDriver(pbx: voispeed, settings: configuration.voispeed.smsSettings, logger: voispeedLogger))
            if configuration.voispeed.escalation, !configuration.csta.enabled {
                let dialer = VOIspeedDialer(pbx: voispeed, settings: configuration.voispeed.dialerSettings, logger: voispeedLogger)
                await alarms.register(dialer: dialer)
                voispeedDialer = dialer
            }
        }
        let voispeedEvents = voispeed == nil || configuration.voispeed.eventsFrom.isEmpty ? nil
            : Self.voispeedEventReceiver(allowed: configuration.voispeed.eventsFrom, dialer: voispeedDialer, logger: voispeedLogger)
        let policy = WebPolicy(loopbackWithoutAuth: configuration.http.loopbackWithoutAuth)
        let readiness = Readiness(notifier: notifier, logger: logger)

        let web = makeWebApplication(WebEnvironment(
            service: alarms,
            journal: store.journal,
            directory: store.directory,
            links: links,
            policy: policy,
            host: configuration.http.host,
            port: configuration.http.port,
            version: version,
            logger: Logger(label: "tocsin.web"),
            onServerRunning: { port in
                logger.notice("web server listening", metadata: ["host": "\(configuration.http.host)", "port": "\(port)"])
                await readiness.mark(.web)
            },
            metrics: { [links] in metrics.render(openAlarmCount: await alarms.openCount, links: links.all) },
            phonePolicy: phonePolicy,
            pbxEvents: voispeedEvents
        ))
        let core = AlarmCoreService(alarms: alarms, logger: logger) { resumed in
            await readiness.mark(.alarms)
        }
        let codePages = CodePages(events: alarms.events, quietMinutes: configuration.daemon.releasePagesAfterQuietMinutes, logger: logger)
        let codePageRelease = Task {
            await readiness.waitUntilReady()
            await codePages.run()
        }
        defer { codePageRelease.cancel() }
        let pruner = JournalPruner(journal: store.journal, settings: configuration.prunerSettings, logger: Logger(label: "tocsin.journal"))
        let reloader = ReloadService(
            path: configurationPath,
            current: configuration,
            notifier: notifier,
            logger: logger
        ) { updated in
            LogOutput.level.withLock { $0 = updated.daemon.logLevel }
            policy.update(loopbackWithoutAuth: updated.http.loopbackWithoutAuth)
            pruner.settings.withLock { $0 = updated.prunerSettings }
            codePages.quietMinutes.store(updated.daemon.releasePagesAfterQuietMinutes, ordering: .relaxed)
            await alarms.update(settings: updated.alarmSettings)
            webhook.update(settings: WebhookDriver.Settings(timeout: .milliseconds(updated.webhook.timeoutMs), retryPolicy: updated.webhook.retryPolicy))
            cisco.update(settings: updated.cisco.driverSettings)
            sip.update(settings: updated.sip.driverSettings)
            phonePolicy.update(updated.cisco.policySettings)
            await phoneWatcher.update(failuresBeforeAlarm: updated.phones.failuresBeforeAlarm)
            try await UserSync.apply(updated.users, to: store.directory, logger: logger)
        }

        // Idle unless systemd set WATCHDOG_USEC; the HTTP client shares the web server's event loops.
        let watchdog = Watchdog(environment: environment, notifier: notifier, logger: logger,
                                probe: Watchdog.healthProbe(eventLoops: httpClient.eventLoopGroup, alarms: alarms, store: store))
        // After the alarm core in the group, so on shutdown the ports close before the core stops.
        let serialPorts = SerialPorts(ports: configuration.ports, alarms: alarms, links: links, logger: Logger(label: "tocsin.serial"))
        // Last in the group, so on shutdown it stops first: clients get CMD.SHUTDOWN while the core still runs.
        let espax: ESPAXListener? = try configuration.espax.enabled ? ESPAXListener(
            settings: configuration.espax.listenerSettings, alarms: alarms, directory: store.directory,
            verifier: ESPAXClientCredentials(configuration.espax.clients), links: links,
            logger: Logger(label: "tocsin.espax")
        ) : nil
        // Escalation calls go through the PBX; it shares the link board, so its state is in GET /api/links.
        let csta: CSTAClient? = try configuration.csta.enabled ? CSTAClient(
            settings: configuration.csta.clientSettings, links: links, alarms: alarms, logger: Logger(label: "tocsin.csta")
        ) : nil
        if let csta { await alarms.register(dialer: csta) }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: core),
                .init(service: web),
                .init(service: pruner),
                .init(service: reloader),
                .init(service: serialPorts),
                .init(service: watchdog),
            ] + (csta.map { [.init(service: $0)] } ?? []) + (voispeed.map { [.init(service: $0)] } ?? [])
                + (espax.map { [.init(service: $0)] } ?? []),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            logger.critical("stopped on error", metadata: ["error": "\(error)"])
            notifier.notify(["STOPPING=1"])
            try? await httpClient.shutdown()
            throw error
        }
        notifier.notify(["STOPPING=1"])
        try await httpClient.shutdown()
        logger.notice("stopped")
    }
}

extension Daemon {
    /// Takes the VOIspeed PBX's A.N.S. callbacks: each is parsed and handed to the dialer, which
    /// acts on those about a call it follows. Without a dialer (SMS only) they are taken and dropped.
    static func voispeedEventReceiver(allowed: [String], dialer: VOIspeedDialer?, logger: Logger) -> PBXEventReceiver {
        PBXEventReceiver(allowedAddresses: allowed) { query in
            let event: VOIspeedEvent
            do {
                event = try VOIspeedEvent.parse(query: query)
            } catch {
                logger.warning("a VOIspeed A.N.S. callback is no event", metadata: ["problem": "\(error)"])
                return "\(error)"
            }
            logger.debug("VOIspeed A.N.S. event", metadata: ["event": "\(event.kind)", "key": "\(event.key)", "call": "\(event.callID ?? "")"])
            dialer?.receive(event)
            return nil
        }
    }
}

/// Tells systemd READY=1 once every part that must be up is up, and not before.
actor Readiness {
    enum Part: Hashable { case web, alarms }
    private var up: Set<Part> = []
    private let notifier: SystemdNotifier
    private let logger: Logger

    init(notifier: SystemdNotifier, logger: Logger) {
        self.notifier = notifier
        self.logger = logger
    }

    private var waiting: [CheckedContinuation<Void, Never>] = []

    func mark(_ part: Part) {
        guard !isReady else { return }
        up.insert(part)
        if isReady {
            notifier.notify(["READY=1", "STATUS=Listening; journal open"])
            logger.notice("ready")
            for continuation in waiting { continuation.resume() }
            waiting = []
        }
    }

    private var isReady: Bool { up == [.web, .alarms] }

    /// Returns once READY=1 has been sent.
    func waitUntilReady() async {
        if isReady { return }
        await withCheckedContinuation { waiting.append($0) }
    }
}

extension Configuration {
    var alarmSettings: AlarmSettings {
        AlarmSettings(technicalGroup: alarms.technicalGroup.isEmpty ? nil : alarms.technicalGroup)
    }

    var prunerSettings: JournalPruner.Settings {
        JournalPruner.Settings(retentionDays: journal.retentionDays, interval: .seconds(60 * journal.pruneIntervalMinutes))
    }
}
