import Alarming
import Testing

@Suite(.timeLimit(.minutes(1))) struct TechnicalAlarmTests {
    @Test func aFaultRaisesOneAlarmHoweverOftenItIsReported() async throws {
        let h = AlarmHarness()
        try await h.group("999", [("Tech", .available)])
        let first = await h.service.raiseTechnical(key: "serial:port1", text: "Port 1 is silent")
        let again = await h.service.raiseTechnical(key: "serial:port1", text: "Port 1 is still silent")
        #expect(first == 1)
        #expect(again == 1)

        async let a = h.service.raiseTechnical(key: "csta", text: "CSTA link down")
        async let b = h.service.raiseTechnical(key: "csta", text: "CSTA link down")
        let (csta1, csta2) = await (a, b)
        #expect(csta1 == 2)
        #expect(csta2 == 2)
        await h.service.waitForDeliveries()
        #expect(try await h.journal.alarms(matching: AlarmQuery()).map(\.id) == [2, 1])

        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.request == AlarmRequest(source: AlarmSource(kind: .technical, name: "tocsin"), sourceReference: "serial:port1", target: .group("999"), text: "Port 1 is silent", priority: .high))
        #expect(alarm.state == .delivered)
    }

    @Test func clearingEndsItOnceAndALaterFaultRaisesANewOne() async throws {
        let h = AlarmHarness()
        try await h.group("999", [("Tech", .available)])
        let id = try #require(await h.service.raiseTechnical(key: "journal", text: "Journal cannot be written"))
        await h.service.waitForDeliveries()

        await h.service.clearTechnical(key: "journal")
        let cleared = try #require(h.journal.stored(id))
        #expect(cleared.endReason == .finished)
        #expect(cleared.endedBy == "tocsin")
        let entryCount = h.journal.entries(id).count

        await h.service.clearTechnical(key: "journal")
        #expect(h.journal.entries(id).count == entryCount)
        #expect(h.journal.stored(id)?.revision == cleared.revision)

        let next = await h.service.raiseTechnical(key: "journal", text: "Journal cannot be written")
        #expect(next == id + 1)
        await h.service.waitForDeliveries()
    }

    @Test func anAcknowledgedTechnicalAlarmIsRaisedAgainIfTheFaultIsReportedAgain() async throws {
        let h = AlarmHarness()
        try await h.group("999", [("Tech", .available)])
        let id = try #require(await h.service.raiseTechnical(key: "port", text: "unplugged"))
        await h.service.waitForDeliveries()
        _ = try await h.service.acknowledge(id, by: "Tech")
        #expect(await h.service.raiseTechnical(key: "port", text: "unplugged") == id + 1)
        await h.service.waitForDeliveries()
    }

    @Test func withoutATechnicalGroupNothingIsRaised() async throws {
        let h = AlarmHarness(technicalGroup: nil)
        #expect(await h.service.raiseTechnical(key: "port", text: "unplugged") == nil)
        await h.service.clearTechnical(key: "port")
        #expect(try await h.journal.alarms(matching: AlarmQuery()).isEmpty)
    }

    @Test func aTechnicalAlarmThatCannotBeDeliveredDoesNotRaiseAnother() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        try await h.group("999", [("Tech", .available)])
        h.driver.script(1, ScriptedDriver.gone)
        h.driver.script(2, ScriptedDriver.gone)
        _ = try await h.raise()
        await h.service.waitForDeliveries()

        let alarms = try await h.journal.alarms(matching: AlarmQuery())
        #expect(alarms.map(\.id) == [2, 1])
        #expect(alarms.map(\.endReason) == [.failure, .failure])
        #expect(alarms[0].request.source.kind == .technical)
        #expect(alarms[0].request.sourceReference == "undeliverable:1")
        #expect(await h.service.openCount == 0)
    }

    @Test func aTechnicalAlarmWhoseJournalWriteFailsReturnsNil() async throws {
        let h = AlarmHarness()
        h.journal.fail(with: .unwritable(path: "/var/lib/tocsin/tocsin.sqlite", reason: "disk full"))
        #expect(await h.service.raiseTechnical(key: "x", text: "y") == nil)
        h.journal.fail(with: nil)
        try await h.group("999", [("Tech", .available)])
        #expect(await h.service.raiseTechnical(key: "x", text: "y") == 1)
        await h.service.waitForDeliveries()
    }
}
