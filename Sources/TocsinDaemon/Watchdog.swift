// The systemd watchdog: when systemd sets WATCHDOG_USEC (WatchdogSec= in tocsin.service), the
// daemon sends WATCHDOG=1 every half interval, but only after a health round trip has come back:
// every event loop ran a task, the alarm core actor answered, and the journal writer committed a
// transaction. A daemon whose event loop is blocked, whose actor is stuck or whose writer queue is
// wedged therefore stops pinging, and systemd kills and restarts it. Each ping carries STATUS= with a
// one-line summary for `systemctl status`; a failed round trip sends only STATUS= with the reason.

import Alarming
import Logging
import NIOCore
import ServiceLifecycle
import Storage
#if canImport(Glibc)
import Glibc
#endif

struct Watchdog: Service {
    /// What one health round trip found.
    struct Health: Sendable, Equatable {
        var openAlarms: Int
        var roundTrip: Duration
    }

    /// The round trip itself; returns what it saw, throws (or never returns) when the daemon is not
    /// healthy.
    typealias Probe = @Sendable () async throws -> Health

    /// How often to ping: half of `WATCHDOG_USEC`, as sd_watchdog_enabled(3) advises. nil when
    /// systemd asked for no watchdog.
    let interval: Duration?
    private let notifier: SystemdNotifier
    private let probe: Probe
    private let logger: Logger

    init(environment: [String: String], processID: Int32 = getpid(), notifier: SystemdNotifier, logger: Logger, probe: @escaping Probe) {
        self.interval = Self.interval(environment: environment, processID: processID)
        self.notifier = notifier
        self.logger = logger
        self.probe = probe
    }

    /// Half the interval systemd gave, or nil when there is no watchdog for this process:
    /// `WATCHDOG_USEC` missing, not a positive integer, or `WATCHDOG_PID` naming another process
    /// (a child that inherited the environment must not ping for its parent).
    static func interval(environment: [String: String], processID: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else { return nil }
        if let pidText = environment["WATCHDOG_PID"], !pidText.isEmpty {
            guard let pid = Int32(pidText), pid == processID else { return nil }
        }
        return .microseconds(Int64(clamping: microseconds / 2))
    }

    /// The summary `systemctl status tocsin` shows on its Status: line.
    static func status(_ health: Health) -> String {
        let alarms = health.openAlarms == 1 ? "1 open alarm" : "\(health.openAlarms) open alarms"
        let milliseconds = health.roundTrip.components.seconds * 1000 + health.roundTrip.components.attoseconds / 1_000_000_000_000_000
        return "\(alarms); event loops, alarm core and journal answered in \(milliseconds) ms"
    }

    func run() async throws {
        guard let interval else {
            // No watchdog asked for: stay in the group quietly until the daemon stops.
            try? await gracefulShutdown()
            return
        }
        logger.info("watchdog on", metadata: ["ping_every_ms": "\(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)"])
        let clock = ContinuousClock()
        var next = clock.now
        while !Task.isCancelled {
            await beat()
            // Fixed rate from the start of each round trip, so a slow round trip does not push
            // every later ping back.
            next = next.advanced(by: interval)
            if next < clock.now { next = clock.now }
            let deadline = next
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(until: deadline, clock: clock) }
            } catch {
                return
            }
        }
    }

    /// One round trip, and the ping if it succeeded. Returns whether WATCHDOG=1 was sent.
    @discardableResult
    func beat() async -> Bool {
        do {
            let health = try await probe()
            return notifier.notify(["WATCHDOG=1", "STATUS=" + Self.status(health)])
        } catch {
            logger.error("watchdog ping withheld: the health round trip failed", metadata: ["error": "\(error)"])
            notifier.notify(["STATUS=Unhealthy, watchdog ping withheld: \(error)"])
            return false
        }
    }
}

extension Watchdog {
    /// The daemon's round trip: a task on every event loop of `eventLoops` (the web server's and the
    /// HTTP client's), the alarm core actor, and a transaction through the journal writer queue.
    static func healthProbe(eventLoops: any EventLoopGroup, alarms: AlarmService, store: Store) -> Probe {
        {
            let clock = ContinuousClock()
            let start = clock.now
            for loop in eventLoops.makeIterator() {
                try await loop.submit {}.get()
            }
            let open = await alarms.openCount
            try await store.ping()
            return Health(openAlarms: open, roundTrip: clock.now - start)
        }
    }
}
