#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Testing
@testable import TocsinDaemon

struct MetricsExpositionTests {
    @Test func linksAreExposedAsUpStateAndEventSeries() {
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        let text = MetricsExposition.linkLines([
            LinkStatus(kind: "serial", name: "ward \"3\"", state: .up, counters: ["blocks": 7, "naks": 1], since: since),
            LinkStatus(kind: "csta", name: "pbx", state: .down, since: since),
        ])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains(#"tocsin_link_up{kind="serial",name="ward \"3\""} 1"#))
        #expect(lines.contains(#"tocsin_link_up{kind="csta",name="pbx"} 0"#))
        #expect(lines.contains(#"tocsin_link_state{kind="csta",name="pbx",state="down"} 1"#))
        #expect(lines.contains(#"tocsin_link_state{kind="csta",name="pbx",state="up"} 0"#))
        #expect(lines.contains(#"tocsin_link_events_total{kind="serial",name="ward \"3\"",event="blocks"} 7"#))
        #expect(lines.contains(#"tocsin_link_events_total{kind="serial",name="ward \"3\"",event="naks"} 1"#))
        #expect(lines.filter { $0.hasPrefix("# TYPE") } == ["# TYPE tocsin_link_up gauge", "# TYPE tocsin_link_state gauge", "# TYPE tocsin_link_events_total counter"])
        #expect(MetricsExposition.linkLines([]) == "")
    }

    @Test func labelValuesEscapeBackslashQuoteAndNewline() {
        #expect(MetricsExposition.escape(#"a\b"#) == #"a\\b"#)
        #expect(MetricsExposition.escape("a\"b") == #"a\"b"#)
        #expect(MetricsExposition.escape("a\nb") == #"a\nb"#)
    }
}
