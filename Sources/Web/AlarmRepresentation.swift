import Alarming

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON shapes of alarms, deliveries, journal entries and alarm events, written by hand so the
/// wire format is the documented one (`Docs/openapi.yaml`) and never follows a refactoring of the
/// model types by accident.
enum AlarmRepresentation {
    static func alarm(_ alarm: Alarm) -> JSONValue {
        let group: String? = if case .group(let number) = alarm.request.target { number } else { nil }
        let phone: String? = if case .phone(let address) = alarm.request.target { address } else { nil }
        return .object([
            ("id", .int(alarm.id)),
            ("state", .string(alarm.state.rawValue)),
            ("endReason", .optional(alarm.endReason?.rawValue)),
            ("group", .optional(group)),
            ("phone", .optional(phone)),
            ("routedGroup", .optional(alarm.routedGroup)),
            ("routingNote", .optional(alarm.routingNote)),
            ("text", .string(alarm.request.text)),
            ("priority", .string(alarm.request.priority.rawValue)),
            ("source", .object([("kind", .string(alarm.request.source.kind.rawValue)), ("name", .string(alarm.request.source.name))])),
            ("reference", .optional(alarm.request.sourceReference)),
            ("callbackNumber", .optional(alarm.request.callbackNumber)),
            ("receivedAt", WebDate.json(alarm.receivedAt)),
            ("updatedAt", WebDate.json(alarm.updatedAt)),
            ("acknowledgedAt", WebDate.json(alarm.acknowledgedAt)),
            ("acknowledgedBy", .optional(alarm.acknowledgedBy)),
            ("endedAt", WebDate.json(alarm.endedAt)),
            ("endedBy", .optional(alarm.endedBy)),
            ("revision", .int(Int64(alarm.revision))),
            ("deliveries", .array(alarm.deliveries.map(delivery))),
        ])
    }

    static func delivery(_ delivery: Delivery) -> JSONValue {
        .object([
            ("phoneId", .int(delivery.destination.phoneID)),
            ("memberId", .optional(delivery.destination.memberID)),
            ("name", .string(delivery.destination.name)),
            ("driver", .string(delivery.destination.driver)),
            ("address", .string(delivery.destination.address)),
            ("status", .string(delivery.status.rawValue)),
            ("attempts", .int(Int64(delivery.attempts))),
            ("repetitions", .int(Int64(delivery.repetitions))),
            ("lastOutcome", .optional(delivery.lastOutcome)),
            ("updatedAt", WebDate.json(delivery.updatedAt)),
        ])
    }

    static func alarms(_ alarms: [Alarm]) -> JSONValue {
        .object([("alarms", .array(alarms.map(alarm)))])
    }

    static func record(_ record: JournalRecord) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("at", WebDate.json(record.at)), ("kind", .string(record.entry.kind))]
        switch record.entry {
        case .received:
            break
        case .routed(let group, let destinations, let note):
            pairs += [("group", .optional(group)), ("destinations", .int(Int64(destinations))), ("note", .optional(note))]
        case .stateChanged(let state):
            pairs += [("state", .string(state.rawValue))]
        case .attempt(let phoneID, let attempt, let repetition):
            pairs += [("phoneId", .int(phoneID)), ("attempt", .int(Int64(attempt))), ("repetition", .int(Int64(repetition)))]
        case .outcome(let phoneID, let status, let detail):
            pairs += [("phoneId", .int(phoneID)), ("status", .string(status.rawValue)), ("detail", .string(detail))]
        case .acknowledged(let by, let phoneID):
            pairs += [("by", .string(by)), ("phoneId", .optional(phoneID))]
        case .ended(let reason, let by):
            pairs += [("reason", .string(reason.rawValue)), ("by", .optional(by))]
        case .escalationCall(let step, let number):
            pairs += [("step", .int(Int64(step))), ("number", .string(number))]
        case .escalationOutcome(let step, let number, let outcome, let detail):
            pairs += [("step", .int(Int64(step))), ("number", .string(number)), ("outcome", .string(outcome)), ("detail", .string(detail))]
        }
        return .object(pairs)
    }

    /// The `data:` of a server-sent `alarm` event: the change word, its particulars, and the whole
    /// alarm, so a client that missed events is brought up to date by the next one.
    static func event(_ event: AlarmEvent) -> JSONValue {
        var pairs: [(String, JSONValue)]
        switch event.change {
        case .raised: pairs = [("change", .string("raised"))]
        case .routed: pairs = [("change", .string("routed"))]
        case .delivery(let phoneID, let status):
            pairs = [("change", .string("delivery")), ("phoneId", .int(phoneID)), ("status", .string(status.rawValue))]
        case .acknowledged(let by, let phoneID):
            pairs = [("change", .string("acknowledged")), ("by", .string(by)), ("phoneId", .optional(phoneID))]
        case .ended(let reason):
            pairs = [("change", .string("ended")), ("reason", .string(reason.rawValue))]
        case .escalation(let step, let number, let outcome):
            pairs = [("change", .string("escalation")), ("step", .int(Int64(step))), ("number", .string(number)), ("outcome", .optional(outcome?.word))]
        }
        pairs.append(("alarm", alarm(event.alarm)))
        return .object(pairs)
    }
}

/// Dates on the wire: ISO 8601 in UTC with milliseconds, such as `2027-01-15T08:00:00.250Z`.
/// Milliseconds keep the order of events that happen within one second.
enum WebDate {
    static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func json(_ date: Date?) -> JSONValue {
        date.map { .string(string($0)) } ?? .null
    }

    /// Accepts ISO 8601 with or without fractional seconds, in UTC (`Z`) or with an offset.
    static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
