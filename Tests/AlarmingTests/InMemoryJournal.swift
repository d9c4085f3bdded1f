#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Synchronization

/// An `AlarmJournal` in memory that keeps the contract of the SQLite one: ids from 1 upwards,
/// `record` stores revision 1 with a `received` entry, `update` ignores a snapshot older than the
/// stored one, queries are newest first. It can be told to fail, and a copy of it is a "disk"
/// that survives a crash of the service that wrote it.
final class InMemoryJournal: AlarmJournal {
    struct State {
        var nextID: AlarmID = 1
        var alarms: [AlarmID: Alarm] = [:]
        var records: [JournalRecord] = []
        var failing: JournalError?
        /// Every snapshot `update` was handed, stored or not, in call order.
        var updates: [Alarm] = []
    }

    let state: Mutex<State>
    private let updateGate = Gate()

    init(_ state: State = State()) {
        self.state = Mutex(state)
    }

    /// From now on `update` waits (before writing) until `releaseUpdates`: a slow disk.
    func holdUpdates() { updateGate.close() }
    func releaseUpdates() { updateGate.open() }
    func waitForHeldUpdates(_ count: Int = 1) async { await updateGate.waitForWaiting(count) }

    /// What is on "disk" now, as a journal of its own.
    func copy() -> InMemoryJournal {
        InMemoryJournal(state.withLock { $0 })
    }

    func fail(with error: JournalError?) {
        state.withLock { $0.failing = error }
    }

    var updates: [Alarm] { state.withLock { $0.updates } }

    func allRecords() -> [JournalRecord] { state.withLock { $0.records } }

    func entries(_ id: AlarmID) -> [JournalEntry] {
        state.withLock { $0.records.filter { $0.alarmID == id }.map(\.entry) }
    }

    func stored(_ id: AlarmID) -> Alarm? { state.withLock { $0.alarms[id] } }

    /// Puts an alarm on "disk" as a crashed daemon would have left it.
    func store(_ alarm: Alarm, entries: [JournalEntry] = []) {
        state.withLock { state in
            state.alarms[alarm.id] = alarm
            state.nextID = max(state.nextID, alarm.id + 1)
            state.records += entries.map { JournalRecord(alarmID: alarm.id, at: alarm.updatedAt, entry: $0) }
        }
    }

    func record(_ alarm: Alarm, entries: [StampedEntry]) async throws -> Alarm {
        try state.withLock { state in
            if let failing = state.failing { throw failing }
            var alarm = alarm
            alarm.id = state.nextID
            alarm.revision = max(alarm.revision, 1)
            state.nextID += 1
            state.alarms[alarm.id] = alarm
            state.records += entries.map { JournalRecord(alarmID: alarm.id, at: $0.at, entry: $0.entry) }
            return alarm
        }
    }

    func update(_ alarm: Alarm, entries: [StampedEntry]) async throws {
        await updateGate.pass()
        try state.withLock { state in
            state.updates.append(alarm)
            if let failing = state.failing { throw failing }
            guard let stored = state.alarms[alarm.id] else {
                throw JournalError.failed(operation: "update", reason: "no alarm \(alarm.id)")
            }
            // The SQLite journal keeps the entries even for a stale snapshot: they happened.
            state.records += entries.map { JournalRecord(alarmID: alarm.id, at: $0.at, entry: $0.entry) }
            if alarm.revision > stored.revision { state.alarms[alarm.id] = alarm }
        }
    }

    func alarm(id: AlarmID) async throws -> Alarm? {
        try state.withLock { state in
            if let failing = state.failing { throw failing }
            return state.alarms[id]
        }
    }

    func alarms(matching query: AlarmQuery) async throws -> [Alarm] {
        state.withLock { state in
            let matching = state.alarms.values.filter { alarm in
                if let open = query.open, alarm.isOpen != open { return false }
                if let group = query.group, alarm.request.target != .group(group), alarm.routedGroup != group { return false }
                if let kind = query.sourceKind, alarm.request.source.kind != kind { return false }
                if let priority = query.priority, alarm.request.priority != priority { return false }
                if let since = query.since, alarm.receivedAt < since { return false }
                if let until = query.until, alarm.receivedAt > until { return false }
                return true
            }
            return Array(matching.sorted { $0.id > $1.id }.prefix(query.limit))
        }
    }

    func openAlarms() async throws -> [Alarm] {
        try state.withLock { state in
            if let failing = state.failing { throw failing }
            return state.alarms.values.filter(\.isOpen).sorted { $0.id < $1.id }
        }
    }

    func records(alarmID: AlarmID) async throws -> [JournalRecord] {
        state.withLock { $0.records.filter { $0.alarmID == alarmID } }
    }

    func history(phoneID: Int64, limit: Int) async throws -> [Alarm] {
        state.withLock { state in
            let pushed = state.alarms.values.filter { alarm in
                alarm.deliveries.contains { $0.destination.phoneID == phoneID && $0.attempts > 0 }
            }
            return Array(pushed.sorted { $0.id > $1.id }.prefix(limit))
        }
    }

    func prune(endedBefore cutoff: Date) async throws -> Int {
        state.withLock { state in
            let old = state.alarms.values.filter { alarm in
                guard let endedAt = alarm.endedAt else { return false }
                return endedAt < cutoff
            }.map(\.id)
            for id in old { state.alarms[id] = nil }
            state.records.removeAll { old.contains($0.alarmID) }
            return old.count
        }
    }
}
