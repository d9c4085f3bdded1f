import Alarming
import Metrics
import Prometheus

/// Collects what the daemon's parts record through swift-metrics into one Prometheus registry, and
/// adds at scrape time the figures that are states rather than events: open alarms and the links.
final class MetricsExposition: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let openAlarms: Prometheus.Gauge

    /// Installs the registry as the process's metrics backend; call once, before anything records.
    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["tocsin_journal_commit_seconds"] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        factory.valueHistogramBuckets["tocsin_journal_batch_writes"] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        MetricsSystem.bootstrap(factory)
        openAlarms = registry.makeGauge(name: "tocsin_open_alarms", help: "Alarms not yet ended")
    }

    func render(openAlarmCount: Int, links: [LinkStatus]) -> String {
        openAlarms.set(Double(openAlarmCount))
        var text = registry.emitToString()
        text += Self.linkLines(links)
        return text
    }

    /// `tocsin_link_up` is 1 while a link is up; `tocsin_link_state` names the state, one series per
    /// state so a dashboard can colour it; counters come as `tocsin_link_events_total`.
    static func linkLines(_ links: [LinkStatus]) -> String {
        guard !links.isEmpty else { return "" }
        var text = "# TYPE tocsin_link_up gauge\n"
        for link in links {
            text += "tocsin_link_up{\(labels(link))} \(link.state == .up ? 1 : 0)\n"
        }
        text += "# TYPE tocsin_link_state gauge\n"
        for link in links {
            for state in LinkStatus.State.allCases {
                text += "tocsin_link_state{\(labels(link)),state=\"\(state.rawValue)\"} \(link.state == state ? 1 : 0)\n"
            }
        }
        let counted = links.filter { !$0.counters.isEmpty }
        if !counted.isEmpty {
            text += "# TYPE tocsin_link_events_total counter\n"
            for link in counted {
                for (name, value) in link.counters.sorted(by: { $0.key < $1.key }) {
                    text += "tocsin_link_events_total{\(labels(link)),event=\"\(escape(name))\"} \(value)\n"
                }
            }
        }
        return text
    }

    private static func labels(_ link: LinkStatus) -> String {
        "kind=\"\(escape(link.kind))\",name=\"\(escape(link.name))\""
    }

    /// Label values escape backslash, double quote and line feed, per the text format.
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
