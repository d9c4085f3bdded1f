import Alarming
import CShim
import Logging
import Synchronization

/// Keeps the code the idle daemon does not run out of its resident memory.
///
/// Start-up runs a great deal of code once: parsing the configuration, migrating and checking the
/// journal, building the router, binding listeners, opening serial ports; a burst of alarms runs
/// the routing, the drivers and the protocol codecs. Linux keeps every page of code a process has
/// touched mapped into it, and maps the 64 KiB around each page it faults in, so after start-up
/// or a burst most of the 20 MB of code counts in the daemon's RSS and sits on the kernel's
/// protected list of mapped code, although the idle daemon runs a small part of it.
///
/// So the daemon unmaps its read-only pages (code and constants, never data) with
/// `MADV_DONTNEED` and purges its allocator's free pages: once when start-up has settled, and again
/// after each quiet spell without any alarm event. The pages stay in the page cache: the idle loop,
/// and the next alarm, map back what they use as minor faults of microseconds each, and when the
/// box runs short of memory the kernel can reclaim the rest before anything that is in use.
final class CodePages: Sendable {
    /// After READY=1, the parts that are not part of readiness (ESPA-X, serial ports, the PBX
    /// link) finish their first connect; a settle of a few seconds covers that.
    static let settle: Duration = .seconds(10)

    private let events: AlarmEventHub
    private let logger: Logger
    /// `daemon.release_pages_after_quiet_minutes`; a reload changes it.
    let quietMinutes: Atomic<Int>

    init(events: AlarmEventHub, quietMinutes: Int, logger: Logger) {
        self.events = events
        self.quietMinutes = Atomic(quietMinutes)
        self.logger = logger
    }

    private let released = Atomic<Int>(0)
    /// How many times the pages were released.
    var releaseCount: Int { released.load(ordering: .relaxed) }

    /// Releases after the settle, then after every quiet spell that followed activity. Returns
    /// when cancelled. Tests shorten the minute.
    func run(settle: Duration = CodePages.settle, check: Duration = .seconds(30), minute: Duration = .seconds(60)) async {
        do {
            try await Task.sleep(for: settle)
            release(reason: "start-up settled")
            var seen = events.publishedCount
            var lastChange = ContinuousClock.now
            var releasedSinceChange = true
            while true {
                try await Task.sleep(for: check)
                let now = ContinuousClock.now
                let count = events.publishedCount
                if count != seen {
                    seen = count
                    lastChange = now
                    releasedSinceChange = false
                    continue
                }
                let minutes = quietMinutes.load(ordering: .relaxed)
                guard minutes > 0, !releasedSinceChange, now - lastChange >= minute * minutes else { continue }
                release(reason: "quiet for \(minutes) min")
                releasedSinceChange = true
            }
        } catch {
            return
        }
    }

    @discardableResult
    func release(reason: String) -> Int {
        let bytes = tocsin_release_clean_mappings()
        guard bytes >= 0 else {
            logger.info("code pages could not be released (madvise refused)")
            return 0
        }
        released.add(1, ordering: .relaxed)
        logger.info("code pages released", metadata: ["reason": "\(reason)", "read_only_kib": "\(bytes / 1024)"])
        return bytes
    }
}
