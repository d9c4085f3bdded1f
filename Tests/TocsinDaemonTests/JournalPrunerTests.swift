#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Alarming
import Logging
import Storage
import Testing
@testable import TocsinDaemon

struct JournalPrunerTests {
    static func store() throws -> Store {
        var template = Array("/tmp/tocsin-pruner-XXXXXX".utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        return try Store(path: folder + "/tocsin.sqlite")
    }

    static let request = AlarmRequest(source: AlarmSource(kind: .rest, name: "test"), target: .group("1"), text: "t")

    /// Records an alarm at `at` and, when `endedAt` is given, ends it then.
    static func alarm(_ store: Store, at: Date, endedAt: Date?) async throws -> AlarmID {
        var alarm = try await store.journal.record(request, at: at)
        if let endedAt {
            alarm.state = .ended
            alarm.endReason = .operator
            alarm.endedAt = endedAt
            alarm.revision = 1
            try await store.journal.update(alarm, entries: [.ended(reason: .operator, by: "test")], at: endedAt)
        }
        return alarm.id
    }

    @Test func removesOnlyEndedAlarmsOlderThanTheRetention() async throws {
        let store = try Self.store()
        defer { store.close() }
        let clock = ManualAlarmClock()
        let now = clock.now()
        let old = try await Self.alarm(store, at: now.addingTimeInterval(-40 * 86_400), endedAt: now.addingTimeInterval(-31 * 86_400))
        let recent = try await Self.alarm(store, at: now.addingTimeInterval(-40 * 86_400), endedAt: now.addingTimeInterval(-29 * 86_400))
        let stillOpen = try await Self.alarm(store, at: now.addingTimeInterval(-400 * 86_400), endedAt: nil)

        let pruner = JournalPruner(journal: store.journal, settings: .init(retentionDays: 30, interval: .seconds(60)), clock: clock, logger: Logger(label: "test"))
        #expect(await pruner.pruneOnce() == 1)
        #expect(try await store.journal.alarm(id: old) == nil)
        #expect(try await store.journal.alarm(id: recent) != nil)
        #expect(try await store.journal.alarm(id: stillOpen) != nil)
    }

    @Test func zeroRetentionKeepsEverything() async throws {
        let store = try Self.store()
        defer { store.close() }
        let clock = ManualAlarmClock()
        let old = try await Self.alarm(store, at: clock.now().addingTimeInterval(-4000 * 86_400), endedAt: clock.now().addingTimeInterval(-3000 * 86_400))
        let pruner = JournalPruner(journal: store.journal, settings: .init(retentionDays: 0, interval: .seconds(60)), clock: clock, logger: Logger(label: "test"))
        #expect(await pruner.pruneOnce() == 0)
        #expect(try await store.journal.alarm(id: old) != nil)
    }

    @Test func runsAgainEveryInterval() async throws {
        let store = try Self.store()
        defer { store.close() }
        let clock = ManualAlarmClock()
        let pruner = JournalPruner(journal: store.journal, settings: .init(retentionDays: 1, interval: .seconds(60)), clock: clock, logger: Logger(label: "test"))
        let task = Task { try await pruner.run() }
        defer { task.cancel() }
        while clock.sleeperCount == 0 { await Task.yield() }
        // An alarm that ended two days ago appears while the pruner sleeps; the next round removes it.
        let id = try await Self.alarm(store, at: clock.now().addingTimeInterval(-3 * 86_400), endedAt: clock.now().addingTimeInterval(-2 * 86_400))
        clock.advance(by: .seconds(60))
        let deadline = ContinuousClock.now + .seconds(10)
        while try await store.journal.alarm(id: id) != nil, ContinuousClock.now < deadline { await Task.yield() }
        #expect(try await store.journal.alarm(id: id) == nil)
    }
}
