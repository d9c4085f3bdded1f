#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming

/// How alarms, deliveries and journal entries map to rows and back. Kept apart from the journal's
/// queries so the column order lives in one place.
enum AlarmRows {
    /// The alarm columns after `id`, in the order of `snapshotValues`.
    static let snapshotColumns = [
        "revision", "state", "end_reason", "source_kind", "source_name", "source_reference", "target_kind", "target",
        "text", "priority", "callback_number", "routed_group", "routing_note", "received_at", "updated_at",
        "acknowledged_at", "acknowledged_by", "ended_at", "ended_by",
    ]

    static let alarmColumns = (["id"] + snapshotColumns).joined(separator: ", ")

    /// The columns an alarm's life changes; the request's columns never change after `record`.
    /// Updating only these leaves the indexes on the request's columns untouched, which SQLite
    /// would otherwise rewrite at every update of every alarm.
    static let changingColumns = [
        "revision", "state", "end_reason", "routed_group", "routing_note", "updated_at",
        "acknowledged_at", "acknowledged_by", "ended_at", "ended_by",
    ]

    /// The values of `changingColumns`, in that order.
    static func changingValues(_ alarm: Alarm) -> [SQLValue] {
        [
            .integer(alarm.revision),
            .text(alarm.state.rawValue),
            .optional(alarm.endReason?.rawValue),
            .optional(alarm.routedGroup),
            .optional(alarm.routingNote),
            .time(alarm.updatedAt),
            .time(alarm.acknowledgedAt),
            .optional(alarm.acknowledgedBy),
            .time(alarm.endedAt),
            .optional(alarm.endedBy),
        ]
    }

    /// The values of every snapshot column after `id`, in `alarmColumns` order.
    static func snapshotValues(_ alarm: Alarm) -> [SQLValue] {
        let request = alarm.request
        let targetKind: String
        switch request.target {
        case .group: targetKind = "group"
        case .phone: targetKind = "phone"
        }
        return [
            .integer(alarm.revision),
            .text(alarm.state.rawValue),
            .optional(alarm.endReason?.rawValue),
            .text(request.source.kind.rawValue),
            .text(request.source.name),
            .optional(request.sourceReference),
            .text(targetKind),
            .text(request.target.value),
            .text(request.text),
            .text(request.priority.rawValue),
            .optional(request.callbackNumber),
            .optional(alarm.routedGroup),
            .optional(alarm.routingNote),
            .time(alarm.receivedAt),
            .time(alarm.updatedAt),
            .time(alarm.acknowledgedAt),
            .optional(alarm.acknowledgedBy),
            .time(alarm.endedAt),
            .optional(alarm.endedBy),
        ]
    }

    /// Reads one row selected with `alarmColumns`; the deliveries are filled in separately.
    static func alarm(_ row: Statement, path: String) throws(StoreError) -> Alarm {
        let id = row.int64(0)
        func value<T: RawRepresentable<String>>(_ column: Int32, _ name: String, as type: T.Type) throws(StoreError) -> T {
            let raw = row.string(column)
            guard let value = T(rawValue: raw) else {
                throw StoreError.unreadable(path: path, table: "alarms", column: name, value: raw)
            }
            return value
        }
        let targetValue = row.string(8)
        let target: AlarmTarget
        switch row.string(7) {
        case "group": target = .group(targetValue)
        case "phone": target = .phone(targetValue)
        case let other: throw StoreError.unreadable(path: path, table: "alarms", column: "target_kind", value: other)
        }
        let request = AlarmRequest(
            source: AlarmSource(kind: try value(4, "source_kind", as: AlarmSource.Kind.self), name: row.string(5)),
            sourceReference: row.optionalString(6),
            target: target,
            text: row.string(9),
            priority: try value(10, "priority", as: Priority.self),
            callbackNumber: row.optionalString(11)
        )
        return Alarm(
            id: id,
            request: request,
            routedGroup: row.optionalString(12),
            routingNote: row.optionalString(13),
            state: try value(2, "state", as: AlarmState.self),
            endReason: row.isNull(3) ? nil : try value(3, "end_reason", as: EndReason.self),
            receivedAt: row.time(14),
            updatedAt: row.time(15),
            acknowledgedAt: row.optionalTime(16),
            acknowledgedBy: row.optionalString(17),
            endedAt: row.optionalTime(18),
            endedBy: row.optionalString(19),
            deliveries: [],
            revision: row.int(1)
        )
    }

    static let deliveryColumnNames = [
        "phone_id", "member_id", "name", "driver", "address", "status", "attempts", "repetitions", "last_outcome", "updated_at",
    ]
    static let deliveryColumns = deliveryColumnNames.joined(separator: ", ")

    static func deliveryValues(alarmID: AlarmID, position: Int, _ delivery: Delivery) -> [SQLValue] {
        let destination = delivery.destination
        return [
            .integer(alarmID),
            .integer(position),
            .integer(destination.phoneID),
            .optional(destination.memberID),
            .text(destination.name),
            .text(destination.driver),
            .text(destination.address),
            .text(delivery.status.rawValue),
            .integer(delivery.attempts),
            .integer(delivery.repetitions),
            .optional(delivery.lastOutcome),
            .time(delivery.updatedAt),
        ]
    }

    static func delivery(_ row: Statement, path: String) throws(StoreError) -> Delivery {
        let rawStatus = row.string(5)
        guard let status = DeliveryStatus(rawValue: rawStatus) else {
            throw StoreError.unreadable(path: path, table: "deliveries", column: "status", value: rawStatus)
        }
        return Delivery(
            destination: Destination(
                phoneID: row.int64(0),
                memberID: row.optionalInt64(1),
                name: row.string(2),
                driver: row.string(3),
                address: row.string(4)
            ),
            status: status,
            attempts: row.int(6),
            repetitions: row.int(7),
            lastOutcome: row.optionalString(8),
            updatedAt: row.time(9)
        )
    }

    static let entryColumns = "alarm_id, at, kind, phone_id, status, detail, actor, group_number, destinations, attempt, repetition, number"

    /// One journal row: the entry's payload spread over the columns it needs, the rest NULL. `status`
    /// holds the delivery status, the new alarm state or the end reason, so REST can show one field.
    static func entryValues(alarmID: AlarmID, at: Date, _ entry: JournalEntry) -> [SQLValue] {
        var phoneID: Int64?
        var status: String?
        var detail: String?
        var actor: String?
        var group: String?
        var destinations: Int?
        var attempt: Int?
        var repetition: Int?
        var number: String?
        switch entry {
        case .received:
            break
        case .routed(let routedGroup, let count, let note):
            group = routedGroup
            destinations = count
            detail = note
        case .stateChanged(let state):
            status = state.rawValue
        case .attempt(let phone, let number, let repeated):
            phoneID = phone
            attempt = number
            repetition = repeated
        case .outcome(let phone, let deliveryStatus, let text):
            phoneID = phone
            status = deliveryStatus.rawValue
            detail = text
        case .acknowledged(let by, let phone):
            actor = by
            phoneID = phone
        case .ended(let reason, let by):
            status = reason.rawValue
            actor = by
        case .escalationCall(let step, let called):
            attempt = step
            number = called
        case .escalationOutcome(let step, let called, let outcome, let text):
            attempt = step
            number = called
            status = outcome
            detail = text
        }
        return [
            .integer(alarmID), .time(at), .text(entry.kind), .optional(phoneID), .optional(status), .optional(detail),
            .optional(actor), .optional(group), .optional(destinations), .optional(attempt), .optional(repetition), .optional(number),
        ]
    }

    static func record(_ row: Statement, path: String) throws(StoreError) -> JournalRecord {
        let kind = row.string(2)
        func unreadable(_ column: String, _ value: String) -> StoreError {
            .unreadable(path: path, table: "journal", column: column, value: value)
        }
        func raw<T: RawRepresentable<String>>(_ type: T.Type) throws(StoreError) -> T {
            let text = row.string(4)
            guard let value = T(rawValue: text) else { throw unreadable("status", text) }
            return value
        }
        let entry: JournalEntry
        switch kind {
        case "received":
            entry = .received
        case "routed":
            entry = .routed(group: row.optionalString(7), destinations: row.int(8), note: row.optionalString(5))
        case "state":
            entry = .stateChanged(try raw(AlarmState.self))
        case "attempt":
            entry = .attempt(phoneID: row.int64(3), attempt: row.int(9), repetition: row.int(10))
        case "outcome":
            entry = .outcome(phoneID: row.int64(3), status: try raw(DeliveryStatus.self), detail: row.string(5))
        case "acknowledged":
            entry = .acknowledged(by: row.string(6), phoneID: row.optionalInt64(3))
        case "ended":
            entry = .ended(reason: try raw(EndReason.self), by: row.optionalString(6))
        case "call":
            entry = .escalationCall(step: row.int(9), number: row.string(11))
        case "call-outcome":
            entry = .escalationOutcome(step: row.int(9), number: row.string(11), outcome: row.string(4), detail: row.string(5))
        default:
            throw unreadable("kind", kind)
        }
        return JournalRecord(alarmID: row.int64(0), at: row.time(1), entry: entry)
    }
}

extension SQLValue {
    /// Seconds since `Date`'s reference date, so the value round-trips exactly (see `Schema`).
    static func time(_ date: Date) -> SQLValue { .real(date.timeIntervalSinceReferenceDate) }
    static func time(_ date: Date?) -> SQLValue { date.map { .time($0) } ?? .null }
}

extension Statement {
    func time(_ column: Int32) -> Date { Date(timeIntervalSinceReferenceDate: double(column)) }
    func optionalTime(_ column: Int32) -> Date? { isNull(column) ? nil : time(column) }
}
