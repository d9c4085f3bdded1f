import Alarming
import ESPAX

/// What a process's client has been told so far, worked out from alarm snapshots rather than from
/// single events: the event hub drops the oldest events of a subscriber that falls behind, and
/// every event carries the whole alarm, so comparing snapshots loses nothing that matters.
public struct ESPAXProcessProgress: Sendable, Hashable {
    public private(set) var dispatched = false
    public private(set) var ended = false
    /// Outcomes already reported per phone id.
    private var reported: [Int64: Set<ESPAXDestinationOutcome.Outcome>] = [:]
    /// The newest revision looked at; older snapshots arriving late are ignored.
    public private(set) var revision = -1

    public init() {}

    /// The changes since the last snapshot, in the order a client should hear them: destination
    /// outcomes, then "the pushes are out", then the end.
    public mutating func changes(for alarm: Alarm) -> [ESPAXProcessChange] {
        guard alarm.revision > revision || (alarm.state == .ended && !ended) else { return [] }
        revision = max(revision, alarm.revision)
        var changes: [ESPAXProcessChange] = []
        for delivery in alarm.deliveries {
            let outcomes: [ESPAXDestinationOutcome.Outcome] = switch delivery.status {
            case .pending, .sending: []
            case .queued, .accepted: [.accepted]
            // An acknowledgement implies the device took the alarm first.
            case .acknowledged: [.accepted, .acknowledged]
            case .failed: [.failed]
            }
            for outcome in outcomes where !reported[delivery.destination.phoneID, default: []].contains(outcome) {
                reported[delivery.destination.phoneID, default: []].insert(outcome)
                changes.append(.destination(ESPAXDestinationOutcome(
                    number: delivery.destination.address, name: delivery.destination.name, outcome: outcome)))
            }
        }
        let anyAccepted = alarm.deliveries.contains { $0.status.hasTakenAlarm }
        let routed = alarm.state != .received
        let allSettled = !alarm.deliveries.isEmpty && alarm.deliveries.allSatisfy { $0.status != .pending && $0.status != .sending }
        if !dispatched, routed, allSettled {
            dispatched = true
            changes.append(.dispatched(anyAccepted: anyAccepted))
        }
        if !ended, alarm.state == .ended {
            ended = true
            let reason = alarm.endReason.flatMap { ESPAXEndReason(rawValue: $0.rawValue) } ?? .server
            changes.append(.ended(reason, acknowledged: alarm.acknowledgedAt != nil, anyAccepted: anyAccepted,
                                  info: alarm.routingNote.map { String($0.prefix(200)) }))
        }
        return changes
    }
}
