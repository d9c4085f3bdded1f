#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Logging
import ServiceLifecycle
import Synchronization

/// Deletes ended alarms older than the retention period, on a timer. Open alarms are never pruned.
final class JournalPruner: Service, Sendable {
    struct Settings: Sendable, Equatable {
        var retentionDays: Int
        var interval: Duration
    }

    private let journal: any AlarmJournal
    private let clock: any AlarmClock
    private let logger: Logger
    let settings: Mutex<Settings>

    init(journal: any AlarmJournal, settings: Settings, clock: any AlarmClock = SystemAlarmClock(), logger: Logger) {
        self.journal = journal
        self.settings = Mutex(settings)
        self.clock = clock
        self.logger = logger
    }

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            await pruneOnce()
            let interval = settings.withLock { $0.interval }
            do {
                try await cancelWhenGracefulShutdown { try await self.clock.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    @discardableResult
    func pruneOnce() async -> Int {
        let days = settings.withLock { $0.retentionDays }
        guard days > 0 else { return 0 }
        let cutoff = clock.now().addingTimeInterval(-Double(days) * 86_400)
        do {
            let removed = try await journal.prune(endedBefore: cutoff)
            if removed > 0 {
                logger.info("pruned old alarms from the journal", metadata: ["removed": "\(removed)", "retention_days": "\(days)"])
            }
            return removed
        } catch {
            logger.error("journal pruning failed", metadata: ["error": "\(error)"])
            return 0
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
