#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming

/// The alarm journal in SQLite. Writes go through the store's group-commit writer, so `record` and
/// `update` return only once their transaction is committed with `synchronous=FULL`; reads go to the
/// reader connections and never wait for the writer.
public final class SQLiteJournal: AlarmJournal {
    private let writer: StoreWriter
    private let readers: ReaderPool

    /// How many alarms `prune` deletes per transaction, so that pruning a year of alarms does not
    /// hold back the `record` calls queued behind it.
    static let pruneBatchSize = 500

    init(writer: StoreWriter, readers: ReaderPool) {
        self.writer = writer
        self.readers = readers
    }

    public var path: String { writer.path }

    /// Transactions the shared writer committed (journal and directory writes together).
    public var transactions: Int { writer.transactions }
    /// Writes the shared writer committed. Far more writes than transactions means batching worked.
    public var writes: Int { writer.writes }

    private static let snapshotColumns = AlarmRows.snapshotColumns
    private static let insertAlarm =
        "INSERT INTO alarms (\(snapshotColumns.joined(separator: ", "))) VALUES (\(placeholders(snapshotColumns.count)))"
    private static let updateAlarm =
        "UPDATE alarms SET \(AlarmRows.changingColumns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ? AND revision <= ?"
    /// Journal entries go in several to a statement: an alarm's write carries three or so, and each
    /// statement costs a step and a reset of its own.
    static let entriesPerInsert = 8
    private static let insertEntries: [String] = (1...entriesPerInsert).map { count in
        "INSERT INTO journal (\(AlarmRows.entryColumns)) VALUES " + Array(repeating: "(\(placeholders(12)))", count: count).joined(separator: ", ")
    }
    /// A new alarm's delivery rows: nothing to conflict with.
    private static let insertDelivery =
        "INSERT INTO deliveries (alarm_id, position, \(AlarmRows.deliveryColumns)) VALUES (\(placeholders(12)))"
    /// A delivery row is written only when it changed: a page nobody changed is not written to the
    /// WAL, and an alarm pushed to 500 phones rewrites only the rows of the phones that answered.
    private static let upsertDelivery = """
        INSERT INTO deliveries (alarm_id, position, \(AlarmRows.deliveryColumns)) VALUES (\(placeholders(12))) \
        ON CONFLICT (alarm_id, position) DO UPDATE SET \(AlarmRows.deliveryColumnNames.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")) \
        WHERE \(AlarmRows.deliveryColumnNames.map { "\($0) IS NOT excluded.\($0)" }.joined(separator: " OR "))
        """
    private static let selectAlarm = "SELECT \(AlarmRows.alarmColumns) FROM alarms"
    private static let selectDeliveries =
        "SELECT \(AlarmRows.deliveryColumns) FROM deliveries WHERE alarm_id = ? ORDER BY position"

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    public func record(_ alarm: Alarm, entries: [StampedEntry]) async throws -> Alarm {
        try await writer.write { database in
            var alarm = alarm
            try database.run(Self.insertAlarm, AlarmRows.snapshotValues(alarm))
            alarm.id = database.lastInsertedRowID
            for (position, delivery) in alarm.deliveries.enumerated() {
                try database.run(Self.insertDelivery, AlarmRows.deliveryValues(alarmID: alarm.id, position: position, delivery))
            }
            try Self.insert(entries, alarmID: alarm.id, database)
            return alarm
        }
    }

    public func update(_ alarm: Alarm, entries: [StampedEntry]) async throws {
        try await writer.write { database in
            try database.run(Self.updateAlarm, AlarmRows.changingValues(alarm) + [.integer(alarm.id), .integer(alarm.revision)])
            if database.changes == 1 {
                try Self.writeDeliveries(of: alarm, database)
                try database.run("DELETE FROM deliveries WHERE alarm_id = ? AND position >= ?", [.integer(alarm.id), .integer(Int64(alarm.deliveries.count))])
            } else if try database.row("SELECT 1 FROM alarms WHERE id = ?", [.integer(alarm.id)], { _ in true }) == nil {
                throw StoreError.unknownAlarm(path: database.path, id: alarm.id)
            }
            // A stale snapshot is dropped, but its entries are still facts that happened (a late
            // delivery outcome), so the history keeps them.
            try Self.insert(entries, alarmID: alarm.id, database)
        }
    }

    /// Inserts or updates the alarm's delivery rows, each only where it changed.
    private static func writeDeliveries(of alarm: Alarm, _ database: Database) throws(StoreError) {
        for (position, delivery) in alarm.deliveries.enumerated() {
            try database.run(upsertDelivery, AlarmRows.deliveryValues(alarmID: alarm.id, position: position, delivery))
        }
    }

    private static func insert(_ entries: [StampedEntry], alarmID: AlarmID, _ database: Database) throws(StoreError) {
        var start = entries.startIndex
        while start < entries.endIndex {
            let end = min(start + entriesPerInsert, entries.endIndex)
            var values: [SQLValue] = []
            values.reserveCapacity((end - start) * 12)
            for stamped in entries[start..<end] { values += AlarmRows.entryValues(alarmID: alarmID, at: stamped.at, stamped.entry) }
            try database.run(insertEntries[end - start - 1], values)
            start = end
        }
    }

    public func alarm(id: AlarmID) async throws -> Alarm? {
        try readers.read { database in
            try Self.alarms(database, "\(Self.selectAlarm) WHERE id = ?", [.integer(id)]).first
        }
    }

    public func alarms(matching query: AlarmQuery) async throws -> [Alarm] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let open = query.open {
            conditions.append(open ? "state <> 'ended'" : "state = 'ended'")
        }
        if let group = query.group {
            // The requested group or the one it was routed to: a rerouted alarm shows under both.
            conditions.append("(routed_group = ? OR (target_kind = 'group' AND target = ?))")
            values += [.text(group), .text(group)]
        }
        if let kind = query.sourceKind {
            conditions.append("source_kind = ?")
            values.append(.text(kind.rawValue))
        }
        if let priority = query.priority {
            conditions.append("priority = ?")
            values.append(.text(priority.rawValue))
        }
        if let since = query.since {
            conditions.append("received_at >= ?")
            values.append(.time(since))
        }
        if let until = query.until {
            conditions.append("received_at < ?")
            values.append(.time(until))
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        values.append(.integer(max(0, query.limit)))
        let sql = "\(Self.selectAlarm)\(filter) ORDER BY received_at DESC, id DESC LIMIT ?"
        let bound = values
        return try readers.read { database in try Self.alarms(database, sql, bound) }
    }

    public func openAlarms() async throws -> [Alarm] {
        try readers.read { database in
            try Self.alarms(database, "\(Self.selectAlarm) WHERE state <> 'ended' ORDER BY received_at, id", [])
        }
    }

    public func records(alarmID: AlarmID) async throws -> [JournalRecord] {
        try readers.read { database in
            try database.rows("SELECT \(AlarmRows.entryColumns) FROM journal WHERE alarm_id = ? ORDER BY id", [.integer(alarmID)]) {
                (row: Statement) throws(StoreError) in try AlarmRows.record(row, path: database.path)
            }
        }
    }

    /// Alarms that were actually pushed to the phone (at least one attempt), newest first.
    public func history(phoneID: Int64, limit: Int) async throws -> [Alarm] {
        let sql = """
            \(Self.selectAlarm) WHERE id IN (SELECT alarm_id FROM deliveries WHERE phone_id = ? AND attempts > 0) \
            ORDER BY received_at DESC, id DESC LIMIT ?
            """
        return try readers.read { database in
            try Self.alarms(database, sql, [.integer(phoneID), .integer(max(0, limit))])
        }
    }

    public func prune(endedBefore cutoff: Date) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await writer.write { database in
                // Foreign keys cascade to the journal entries and deliveries of each alarm.
                try database.run(
                    """
                    DELETE FROM alarms WHERE id IN (SELECT id FROM alarms WHERE state = 'ended' \
                    AND (ended_at < ?1 OR (ended_at IS NULL AND updated_at < ?1)) LIMIT ?2)
                    """,
                    [.time(cutoff), .integer(Self.pruneBatchSize)]
                )
                return database.changes
            }
            total += deleted
            if deleted < Self.pruneBatchSize { return total }
        }
    }

    private static func alarms(_ database: Database, _ sql: String, _ values: [SQLValue]) throws(StoreError) -> [Alarm] {
        var alarms = try database.rows(sql, values) { (row: Statement) throws(StoreError) in
            try AlarmRows.alarm(row, path: database.path)
        }
        for index in alarms.indices {
            alarms[index].deliveries = try database.rows(selectDeliveries, [.integer(alarms[index].id)]) {
                (row: Statement) throws(StoreError) in try AlarmRows.delivery(row, path: database.path)
            }
        }
        return alarms
    }
}
