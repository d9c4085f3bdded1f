#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One line of an alarm's history in the journal.
public enum JournalEntry: Codable, Sendable, Hashable {
    case received
    case routed(group: String?, destinations: Int, note: String?)
    case stateChanged(AlarmState)
    case attempt(phoneID: Int64, attempt: Int, repetition: Int)
    case outcome(phoneID: Int64, status: DeliveryStatus, detail: String)
    case acknowledged(by: String, phoneID: Int64?)
    case ended(reason: EndReason, by: String?)
    /// Step `step` (1-based) of the group's escalation chain calls `number`.
    case escalationCall(step: Int, number: String)
    /// How that call ended: `CallOutcome.word` and its detail.
    case escalationOutcome(step: Int, number: String, outcome: String, detail: String)

    /// A short word for the kind of entry, as stored and shown in REST.
    public var kind: String {
        switch self {
        case .received: "received"
        case .routed: "routed"
        case .stateChanged: "state"
        case .attempt: "attempt"
        case .outcome: "outcome"
        case .acknowledged: "acknowledged"
        case .ended: "ended"
        case .escalationCall: "call"
        case .escalationOutcome: "call-outcome"
        }
    }
}

/// A journal entry as stored, with its time.
public struct JournalRecord: Codable, Sendable, Hashable {
    public var alarmID: AlarmID
    public var at: Date
    public var entry: JournalEntry

    public init(alarmID: AlarmID, at: Date, entry: JournalEntry) {
        self.alarmID = alarmID
        self.at = at
        self.entry = entry
    }
}

/// A journal entry with the time it happened, as the alarm service hands it to the journal: one
/// write may carry entries decided at different moments.
public struct StampedEntry: Sendable, Hashable {
    public var at: Date
    public var entry: JournalEntry

    public init(at: Date, entry: JournalEntry) {
        self.at = at
        self.entry = entry
    }
}

/// Filters for listing alarms. Every field narrows the result; nil means "any".
public struct AlarmQuery: Sendable, Hashable {
    public var open: Bool?
    public var group: String?
    public var sourceKind: AlarmSource.Kind?
    public var priority: Priority?
    public var since: Date?
    public var until: Date?
    /// Newest first; at most this many.
    public var limit: Int

    public init(open: Bool? = nil, group: String? = nil, sourceKind: AlarmSource.Kind? = nil, priority: Priority? = nil, since: Date? = nil, until: Date? = nil, limit: Int = 100) {
        self.open = open
        self.group = group
        self.sourceKind = sourceKind
        self.priority = priority
        self.since = since
        self.until = until
        self.limit = limit
    }
}

/// Why the journal refused or failed.
public enum JournalError: Error, Sendable, CustomStringConvertible {
    case unwritable(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case failed(operation: String, reason: String)

    public var description: String {
        switch self {
        case .unwritable(let path, let reason): "the journal \(path) cannot be written: \(reason)"
        case .corrupt(let path, let reason): "the journal \(path) is corrupt: \(reason)"
        case .failed(let operation, let reason): "journal \(operation) failed: \(reason)"
        }
    }
}

/// The durable record of every alarm and every change to it. `record` and `update` return only
/// once the change is on disk (fsync'd), which is what lets adapters acknowledge their peers.
public protocol AlarmJournal: Sendable {
    /// Stores a new alarm as given (already routed, with its deliveries) together with the entries
    /// that explain it, in one transaction, and returns it with the id the journal assigned.
    func record(_ alarm: Alarm, entries: [StampedEntry]) async throws -> Alarm
    /// Stores the alarm's new snapshot (state, deliveries) together with the entries that explain
    /// it, in one transaction. A snapshot with a lower `revision` than the stored one is ignored,
    /// so late writers never roll an alarm back.
    func update(_ alarm: Alarm, entries: [StampedEntry]) async throws
    func alarm(id: AlarmID) async throws -> Alarm?
    func alarms(matching query: AlarmQuery) async throws -> [Alarm]
    /// Every alarm that has not ended, oldest first, for resuming after a restart.
    func openAlarms() async throws -> [Alarm]
    func records(alarmID: AlarmID) async throws -> [JournalRecord]
    /// The newest alarms that were pushed to a phone, newest first.
    func history(phoneID: Int64, limit: Int) async throws -> [Alarm]
    /// Deletes ended alarms (and their entries) that ended before the cut-off. Returns how many.
    func prune(endedBefore cutoff: Date) async throws -> Int
}

extension AlarmJournal {
    /// Stores a new alarm that has only been received, with its `received` entry.
    public func record(_ request: AlarmRequest, at: Date) async throws -> Alarm {
        try await record(Alarm(id: 0, request: request, receivedAt: at), entries: [StampedEntry(at: at, entry: .received)])
    }

    /// Stores a snapshot with entries that all happened at one moment.
    public func update(_ alarm: Alarm, entries: [JournalEntry], at: Date) async throws {
        try await update(alarm, entries: entries.map { StampedEntry(at: at, entry: $0) })
    }
}
