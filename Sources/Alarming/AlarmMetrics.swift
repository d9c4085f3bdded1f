#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Metrics

/// The alarm core's figures for `/metrics`, through swift-metrics, so the core does not know which
/// backend (Prometheus in the daemon, nothing in unit tests) collects them.
enum AlarmMetrics {
    static func raised(_ request: AlarmRequest) {
        Counter(label: "tocsin_alarms_raised_total", dimensions: [
            ("source", request.source.kind.rawValue),
            ("priority", request.priority.rawValue),
        ]).increment()
        if request.source.kind == .technical {
            Counter(label: "tocsin_technical_alarms_total").increment()
        }
    }

    static func ended(_ alarm: Alarm, reason: EndReason) {
        Counter(label: "tocsin_alarms_ended_total", dimensions: [
            ("source", alarm.request.source.kind.rawValue),
            ("priority", alarm.request.priority.rawValue),
            ("reason", reason.rawValue),
        ]).increment()
    }

    static func outcome(driver: String, _ outcome: DeliveryOutcome) {
        let word = switch outcome {
        case .accepted: "accepted"
        case .queued: "queued"
        case .failed(_, let retryable): retryable ? "retryable_failure" : "failure"
        }
        Counter(label: "tocsin_delivery_attempts_total", dimensions: [("driver", driver), ("outcome", word)]).increment()
    }

    /// From the alarm's receipt to the first time this destination took it.
    static func delivered(driver: String, priority: Priority, after latency: TimeInterval) {
        Timer(label: "tocsin_delivery_latency_seconds", dimensions: [("driver", driver), ("priority", priority.rawValue)])
            .recordNanoseconds(Int64(max(0, latency) * 1e9))
    }
}
