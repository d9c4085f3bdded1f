// `PhoneFailureWatcher` turns a phone that keeps failing into a technical alarm. It reads the alarm
// events, counts each phone's final delivery failures in a row (a failure that will still be
// retried does not count), raises the technical alarm `phone:<id>` once the count reaches the
// configured limit, and clears it when that phone next accepts a push. One unreachable phone is
// then a fault someone is told about, not a silent gap in every alarm to its group.

import Logging

public actor PhoneFailureWatcher {
    private let service: AlarmService
    private let events: AsyncStream<AlarmEvent>
    private let logger: Logger
    private var limit: Int
    /// Final failures in a row, per phone.
    private var failures: [Int64: Int] = [:]
    /// Phones whose technical alarm this watcher raised and has not cleared.
    private var raised: Set<Int64> = []
    /// Phones that accepted a push since start. The first accept also clears a technical alarm
    /// left open from before a restart, which this watcher never saw raised.
    private var seenAccepting: Set<Int64> = []

    /// Subscribes at once, so no event published after `init` returns is missed. `failuresBeforeAlarm`
    /// 0 turns the technical alarm off (failures are still counted).
    public init(service: AlarmService, failuresBeforeAlarm: Int, logger: Logger = Logger(label: "tocsin.phones")) {
        self.service = service
        self.events = service.events.subscribe { event in
            if case .delivery = event.change { true } else { false }
        }
        self.limit = max(0, failuresBeforeAlarm)
        self.logger = logger
    }

    public func update(failuresBeforeAlarm: Int) {
        limit = max(0, failuresBeforeAlarm)
    }

    /// Reads events until the task is cancelled or the hub finishes.
    public func run() async {
        for await event in events {
            await observe(event)
        }
    }

    /// The final failures in a row counted for a phone now.
    public func consecutiveFailures(phoneID: Int64) -> Int { failures[phoneID] ?? 0 }

    /// Applies one event; returns once any technical alarm it causes is journalled or cleared.
    public func observe(_ event: AlarmEvent) async {
        guard case .delivery(let phoneID, let status) = event.change,
              let delivery = event.alarm.deliveries.first(where: { $0.destination.phoneID == phoneID })
        else { return }
        switch status {
        case .accepted, .queued:
            failures[phoneID] = nil
            let firstSinceStart = seenAccepting.insert(phoneID).inserted
            if raised.remove(phoneID) != nil || firstSinceStart {
                await service.clearTechnical(key: Self.key(phoneID))
            }
        case .failed:
            // The service records a retryable failure as "failed (will retry): …" and the last one of
            // a push as "failed after n attempts: …" or "failed: …"; only a push's end counts.
            guard delivery.lastOutcome?.hasPrefix("failed (will retry)") != true else { return }
            let count = (failures[phoneID] ?? 0) + 1
            failures[phoneID] = count
            guard limit > 0, count >= limit, !raised.contains(phoneID) else { return }
            let destination = delivery.destination
            let text = "Phone \(destination.name) (\(destination.driver) \(destination.address)) failed \(count) pushes in a row: "
                + (delivery.lastOutcome ?? "no answer")
            logger.error("phone keeps failing", metadata: ["phone": "\(phoneID)", "failures": "\(count)", "outcome": "\(delivery.lastOutcome ?? "")"])
            if await service.raiseTechnical(key: Self.key(phoneID), text: text) != nil {
                raised.insert(phoneID)
            }
        default:
            return
        }
    }

    public static func key(_ phoneID: Int64) -> String { "phone:\(phoneID)" }
}
