import Alarming
import Testing

@Suite(.timeLimit(.minutes(1))) struct RepetitionTests {
    @Test func repetitionsGoOnlyToPhonesThatHaveNotAcknowledgedAndStopAtTheCount() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available)], rule: .all, repetitions: 2, interval: 10)
        _ = try await h.raise()
        await h.clock.waitForSleepers()
        #expect(h.driver.calls.count == 2)

        _ = try await h.service.acknowledge(1, by: "Bob", phoneID: 2)
        h.clock.advance(by: .seconds(9))
        #expect(h.clock.sleeperCount == 1)
        h.clock.advance(by: .seconds(1))
        await h.clock.waitForSleepers()
        h.clock.advance(by: .seconds(10))
        await h.service.waitForDeliveries()

        #expect(h.clock.requestedSleeps == [.seconds(10), .seconds(10)])
        #expect(Array(h.driver.calls.dropFirst(2)) == [
            .init(alarmID: 1, phoneID: 1, attempt: 1, repetition: 1),
            .init(alarmID: 1, phoneID: 1, attempt: 1, repetition: 2),
        ])
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.isOpen)
        #expect(alarm.deliveries.map(\.repetitions) == [2, 0])
        #expect(alarm.deliveries.map(\.status) == [.accepted, .acknowledged])
        #expect(h.journal.entries(1).contains(.attempt(phoneID: 1, attempt: 1, repetition: 2)))
        #expect(!h.journal.entries(1).contains(.attempt(phoneID: 2, attempt: 1, repetition: 1)))
    }

    @Test func anAcknowledgementStopsTheRepetitions() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)], repetitions: 5, interval: 30)
        _ = try await h.raise()
        await h.clock.waitForSleepers()
        _ = try await h.service.acknowledge(1, by: "Anna", phoneID: 1)
        await h.service.waitForDeliveries()
        #expect(h.clock.sleeperCount == 0)
        h.clock.advance(by: .seconds(300))
        #expect(h.driver.calls.count == 1)
        #expect(h.journal.stored(1)?.state == .ended)
    }

    @Test func aRepetitionAcceptedByAPhoneWhoseFirstPushFailedMakesItAccepted() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available)], repetitions: 1, interval: 5)
        h.driver.script(2, ScriptedDriver.gone)
        _ = try await h.raise()
        await h.clock.waitForSleepers()
        #expect(h.journal.stored(1)?.deliveries.map(\.status) == [.accepted, .failed])
        h.clock.advance(by: .seconds(5))
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.deliveries.map(\.status) == [.accepted, .accepted])
        #expect(alarm.deliveries.map(\.repetitions) == [1, 1])
    }

    @Test func aFailedRepetitionDoesNotUndoAnEarlierAcceptedPush() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)], repetitions: 1, interval: 5)
        h.driver.script(1, ScriptedDriver.ok, ScriptedDriver.gone)
        _ = try await h.raise()
        await h.clock.waitForSleepers()
        h.clock.advance(by: .seconds(5))
        await h.service.waitForDeliveries()
        let delivery = try #require(h.journal.stored(1)?.deliveries.first)
        #expect(delivery.status == .accepted)
        #expect(delivery.repetitions == 1)
        #expect(delivery.lastOutcome == "failed: HTTP 404 Not Found")
        #expect(h.journal.stored(1)?.isOpen == true)
    }

    @Test(arguments: [(1, 2), (2, 2), (60, 60), (90, 60)])
    func theIntervalIsKeptBetweenTwoAndSixtySeconds(_ configured: Int, _ used: Int) async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)], repetitions: 1, interval: configured)
        _ = try await h.raise()
        await h.clock.waitForSleepers()
        #expect(h.clock.requestedSleeps == [.seconds(used)])
        h.clock.advance(by: .seconds(used))
        await h.service.waitForDeliveries()
        #expect(h.driver.calls.count == 2)
    }
}
