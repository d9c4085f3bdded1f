#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import ESPAX
@testable import ESPAXServer
import Testing

/// The snapshot comparison that decides what a process's client hears, including snapshots that
/// arrive late or were skipped.
struct ESPAXProcessProgressTests {
    func alarm(revision: Int, state: AlarmState, statuses: [DeliveryStatus], end: EndReason? = nil, acknowledged: Bool = false) -> Alarm {
        let now = Date(timeIntervalSince1970: 0)
        return Alarm(
            id: 5, request: AlarmRequest(source: AlarmSource(kind: .espax, name: "c"), target: .group("1"), text: "t"),
            state: state, endReason: end, receivedAt: now, acknowledgedAt: acknowledged ? now : nil,
            deliveries: statuses.enumerated().map { index, status in
                Delivery(destination: Destination(phoneID: Int64(index + 1), name: "P\(index + 1)", driver: "test", address: "10\(index)"), status: status, updatedAt: now)
            },
            revision: revision)
    }

    @Test func reportsEachOutcomeOnceThenDispatchedThenEnded() {
        var progress = ESPAXProcessProgress()
        #expect(progress.changes(for: alarm(revision: 1, state: .received, statuses: [])) == [])
        #expect(progress.changes(for: alarm(revision: 2, state: .dispatching, statuses: [.sending, .pending])) == [])
        let accepted = ESPAXDestinationOutcome(number: "100", name: "P1", outcome: .accepted)
        #expect(progress.changes(for: alarm(revision: 3, state: .delivered, statuses: [.accepted, .sending])) == [.destination(accepted)])
        let failed = ESPAXDestinationOutcome(number: "101", name: "P2", outcome: .failed)
        #expect(progress.changes(for: alarm(revision: 4, state: .delivered, statuses: [.accepted, .failed])) == [.destination(failed), .dispatched(anyAccepted: true)])
        // An older snapshot arriving late changes nothing.
        #expect(progress.changes(for: alarm(revision: 3, state: .delivered, statuses: [.accepted, .sending])) == [])
        let acknowledged = ESPAXDestinationOutcome(number: "100", name: "P1", outcome: .acknowledged)
        #expect(progress.changes(for: alarm(revision: 6, state: .ended, statuses: [.acknowledged, .failed], end: .finished, acknowledged: true))
                == [.destination(acknowledged), .ended(.finished, acknowledged: true, anyAccepted: true, info: nil)])
        #expect(progress.changes(for: alarm(revision: 7, state: .ended, statuses: [.acknowledged, .failed], end: .finished)) == [])
    }

    @Test func aSkippedMiddleSnapshotStillReportsEverythingFromTheLastOne() {
        var progress = ESPAXProcessProgress()
        let changes = progress.changes(for: alarm(revision: 9, state: .ended, statuses: [.failed], end: .failure))
        #expect(changes == [
            .destination(ESPAXDestinationOutcome(number: "100", name: "P1", outcome: .failed)),
            .dispatched(anyAccepted: false),
            .ended(.failure, acknowledged: false, anyAccepted: false, info: nil),
        ])
    }

    @Test func throttleDoublesUpToTheMaximumAndForgetsAfterSuccess() {
        let throttle = ESPAXLoginThrottle(baseDelay: .seconds(1), maximumDelay: .seconds(5))
        #expect(throttle.delay(for: "a") == .zero)
        throttle.failed("a")
        #expect(throttle.delay(for: "a") == .seconds(1))
        throttle.failed("a")
        throttle.failed("a")
        #expect(throttle.delay(for: "a") == .seconds(4))
        throttle.failed("a")
        #expect(throttle.delay(for: "a") == .seconds(5))
        #expect(throttle.delay(for: "b") == .zero)
        throttle.succeeded("a")
        #expect(throttle.delay(for: "a") == .zero)
    }
}
