import Alarming
import Logging
import ServiceLifecycle

/// Every configured port plus the udev monitor that wakes them, as one service of the daemon.
public struct SerialPorts: Service {
    public let ports: [ESPAPortService]
    private let logger: Logger

    public init(ports settings: [PortSettings], alarms: any ESPAAlarmSink, links: LinkBoard, logger: Logger) {
        ports = settings.map { ESPAPortService(settings: $0, alarms: alarms, links: links, logger: logger) }
        self.logger = logger
    }

    public func run() async throws {
        // Returning early would end the service group, so even with no ports this waits for shutdown.
        guard !ports.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        let monitor: UdevMonitor?
        do {
            monitor = try UdevMonitor(subsystem: "tty")
        } catch {
            monitor = nil
            logger.warning("no udev hot-plug events; ports are looked for periodically instead", metadata: ["error": "\(error)"])
        }
        let ports = ports, logger = logger
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for port in ports {
                    group.addTask { await port.supervise() }
                }
                if let monitor {
                    group.addTask {
                        for await event in monitor.events {
                            guard event.action != "present" else { continue }
                            logger.debug("tty device event", metadata: ["event": "\(event)"])
                            for port in ports { port.deviceChanged() }
                        }
                    }
                }
                await group.waitForAll()
            }
        }
        monitor?.stop()
    }
}
