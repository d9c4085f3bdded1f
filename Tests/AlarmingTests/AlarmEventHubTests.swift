#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Testing

@Suite(.timeLimit(.minutes(1))) struct AlarmEventHubTests {
    func event(_ id: AlarmID, _ kind: AlarmSource.Kind, _ change: AlarmEvent.Change) -> AlarmEvent {
        let request = AlarmRequest(source: AlarmSource(kind: kind, name: "x"), target: .group("12"), text: "t")
        return AlarmEvent(alarm: Alarm(id: id, request: request, receivedAt: Date(timeIntervalSince1970: 0)), change: change)
    }

    @Test func aSubscriberGetsOnlyTheEventsItWantsAndEveryOtherOneGetsThemAll() async {
        let hub = AlarmEventHub()
        let espax = hub.subscribe { $0.alarm.request.source.kind == .espax }
        let all = hub.subscribe()
        hub.publish(event(1, .rest, .raised))
        hub.publish(event(2, .espax, .raised))
        hub.publish(event(1, .rest, .routed))
        hub.publish(event(2, .espax, .routed))
        hub.finish()
        var wanted: [AlarmID] = []
        for await event in espax { wanted.append(event.alarm.id) }
        var everything: [AlarmID] = []
        for await event in all { everything.append(event.alarm.id) }
        #expect(wanted == [2, 2])
        #expect(everything == [1, 2, 1, 2])
        #expect(hub.publishedCount == 4)
    }
}
