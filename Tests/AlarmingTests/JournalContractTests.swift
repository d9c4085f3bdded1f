import Alarming
import Testing

@Suite(.timeLimit(.minutes(1))) struct JournalContractTests {
    @Test func raiseThrowsWhenTheJournalFailsSoNothingIsAcknowledgedOrPushed() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        h.journal.fail(with: .unwritable(path: "/var/lib/tocsin/tocsin.sqlite", reason: "disk full"))
        do {
            _ = try await h.raise()
            Issue.record("raise returned although the journal could not record the alarm")
        } catch let error as JournalError {
            #expect(error.description == "the journal /var/lib/tocsin/tocsin.sqlite cannot be written: disk full")
        }
        await h.service.waitForDeliveries()
        #expect(await h.service.openCount == 0)
        #expect(h.driver.calls.isEmpty)
        #expect(h.log.events.isEmpty)
    }

    @Test func raiseReturnsTheJournalledAlarm() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        h.driver.script(1, [.hold])
        let alarm = try await h.raise()
        // On "disk" before anything else happened to it.
        let stored = try #require(h.journal.stored(alarm.id))
        #expect(stored.request == alarm.request)
        #expect(h.journal.entries(alarm.id).first == .received)
        #expect(alarm.receivedAt == h.clock.now())
        await h.driver.waitForCalls(1)
        h.driver.release(1)
        await h.service.waitForDeliveries()
    }

    @Test func aJournalThatFailsLaterDoesNotStopDelivery() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        h.driver.script(1, [.hold])
        _ = try await h.raise()
        await h.driver.waitForCalls(1)
        h.journal.fail(with: .failed(operation: "update", reason: "I/O error"))
        h.driver.release(1)
        await h.service.waitForDeliveries()
        // Delivering matters more than recording: in memory the alarm moved on.
        #expect(try await h.service.alarm(id: 1)?.state == .delivered)
        #expect(h.log.changes(1).last == .delivery(phoneID: 1, status: .accepted))
        #expect(h.journal.stored(1)?.state == .dispatching)
    }

    @Test func queriesAndAlarmsComeFromTheService() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        _ = try await h.raise(text: "first")
        _ = try await h.raise(text: "second")
        await h.service.waitForDeliveries()
        _ = try await h.service.end(1, reason: .operator, by: nil)
        #expect(await h.service.openAlarms.map(\.id) == [2])
        #expect(try await h.service.alarms(matching: AlarmQuery(open: false)).map(\.request.text) == ["first"])
        #expect(try await h.service.alarm(id: 1)?.state == .ended)
        #expect(try await h.service.alarm(id: 3) == nil)
    }
}
