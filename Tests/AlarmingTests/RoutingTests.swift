import Alarming
import Testing

@Suite(.timeLimit(.minutes(1))) struct RoutingTests {
    @Test func routesToAvailableMembersInOrderAndNotesWhoWasSkipped() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .dnd), ("Carl", .offline), ("Dora", .busy), ("Eve", .away)])
        let raised = try await h.raise()
        #expect(raised.id == 1)
        #expect(raised.state == .dispatching)
        await h.service.waitForDeliveries()

        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.state == .delivered)
        #expect(alarm.routedGroup == "12")
        #expect(alarm.routingNote == "skipped Bob (dnd), Carl (offline)")
        #expect(alarm.deliveries.map(\.destination) == [
            Destination(phoneID: 1, memberID: 1, name: "Anna", driver: "test", address: "http://phones.test/anna"),
            Destination(phoneID: 4, memberID: 4, name: "Dora", driver: "test", address: "http://phones.test/dora"),
            Destination(phoneID: 5, memberID: 5, name: "Eve", driver: "test", address: "http://phones.test/eve"),
        ])
        #expect(alarm.deliveries.map(\.status) == [.accepted, .accepted, .accepted])
        #expect(alarm.deliveries.map(\.lastOutcome) == Array(repeating: "accepted: HTTP 200", count: 3))
        #expect(Set(h.driver.calls.map(\.phoneID)) == [1, 4, 5])
        #expect(h.driver.calls.count == 3)
        #expect(h.journal.entries(1).contains(.routed(group: "12", destinations: 3, note: "skipped Bob (dnd), Carl (offline)")))
    }

    @Test func aSingleDestinationIsJournalledStepByStep() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        #expect(h.journal.entries(1) == [
            .received,
            .routed(group: "12", destinations: 1, note: nil),
            .stateChanged(.dispatching),
            .attempt(phoneID: 1, attempt: 1, repetition: 0),
            .outcome(phoneID: 1, status: .accepted, detail: "accepted: HTTP 200"),
            .stateChanged(.delivered),
        ])
        // Delivered is not acknowledged: the alarm stays open until a person acts.
        #expect(await h.service.openCount == 1)
        #expect(h.journal.stored(1)?.isOpen == true)
    }

    @Test func anAlarmIsJournalledRoutedInItsFirstWrite() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available)])
        h.driver.script(1, [.hold])
        h.driver.script(2, [.hold])
        let raised = try await h.raise()
        #expect(raised.state == .dispatching)
        #expect(raised.deliveries.map(\.destination.name) == ["Anna", "Bob"])
        // The record itself holds the routing: no push has been answered and no update written,
        // yet the disk already names both destinations.
        let stored = try #require(h.journal.stored(raised.id))
        #expect(stored.routedGroup == "12")
        #expect(stored.deliveries.map(\.destination.name) == ["Anna", "Bob"])
        #expect(Array(h.journal.entries(raised.id).prefix(3)) == [.received, .routed(group: "12", destinations: 2, note: nil), .stateChanged(.dispatching)])
        _ = await h.log.wait { $0.alarm.id == raised.id && $0.change == .routed }
        #expect(h.log.changes(raised.id).prefix(2) == [.raised, .routed])
        await h.driver.waitForCalls(2)
        h.driver.release(1)
        h.driver.release(2)
        await h.service.waitForDeliveries()
        #expect(h.journal.stored(raised.id)?.deliveries.map(\.status) == [.accepted, .accepted])
    }

    @Test func anAttemptAnsweredAtOnceSharesItsOutcomesWrite() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        // One update after the record: the attempt waited for its outcome instead of a write of its own.
        #expect(h.journal.updates.count == 1)
        #expect(h.journal.updates.first?.deliveries.map(\.attempts) == [1])
    }

    @Test func anAttemptNobodyAnswersIsJournalledAfterTheLinger() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        h.driver.script(1, [.hold])
        _ = try await h.raise()
        await h.driver.waitForCalls(1)
        // The phone never answers: the attempt still reaches the disk on its own, soon after.
        let deadline = ContinuousClock.now + .seconds(10)
        while h.journal.stored(1)?.deliveries.first?.status != .sending, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(h.journal.stored(1)?.deliveries.first?.status == .sending)
        #expect(h.journal.entries(1).last == .attempt(phoneID: 1, attempt: 1, repetition: 0))
        h.driver.release(1)
        await h.service.waitForDeliveries()
    }

    @Test func membersSharingOnePhoneGetOnePush() async throws {
        let h = AlarmHarness()
        let (anna, phone) = try await h.directory.addPerson("Anna")
        let bob = try await h.directory.createMember(Member(userName: "bob", name: "Bob", phoneID: phone.id))
        _ = try await h.directory.createGroup(Group(number: "12", name: "Ward", memberIDs: [anna.id, bob.id]))
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        #expect(h.journal.stored(1)?.deliveries.map(\.destination.phoneID) == [phone.id])
        #expect(h.driver.calls.count == 1)
    }

    @Test func anUnknownGroupGoesToTheTechnicalGroup() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        try await h.group("999", [("Tech", .available)])
        _ = try await h.raise(.group("77"))
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.routedGroup == "999")
        #expect(alarm.routingNote == "unknown group 77, raised to technical group 999")
        #expect(alarm.deliveries.map(\.destination.name) == ["Tech"])
        #expect(alarm.state == .delivered)
        #expect(alarm.request.target == .group("77"))
    }

    @Test(arguments: [String?.none, ""])
    func anUnknownGroupWithoutATechnicalGroupFailsButIsRecorded(_ technicalGroup: String?) async throws {
        let h = AlarmHarness(technicalGroup: technicalGroup)
        try await h.group("999", [("Tech", .available)])
        _ = try await h.raise(.group("77"))
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.state == .ended)
        #expect(alarm.endReason == .failure)
        #expect(alarm.routingNote == "unknown group 77, and no technical group to raise it to")
        #expect(h.journal.entries(1) == [
            .received,
            .routed(group: nil, destinations: 0, note: "unknown group 77, and no technical group to raise it to"),
            .stateChanged(.dispatching),
            .ended(reason: .failure, by: nil),
        ])
        // Nowhere to raise a technical alarm either, and nothing was pushed.
        #expect(try await h.journal.alarms(matching: AlarmQuery()).count == 1)
        #expect(h.driver.calls.isEmpty)
        #expect(h.log.changes(1) == [.raised, .routed, .ended(.failure)])
    }

    @Test func aTechnicalGroupMissingFromTheDirectoryIsNamed() async throws {
        let h = AlarmHarness()
        _ = try await h.raise(.group("77"))
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.endReason == .failure)
        #expect(alarm.routingNote == "unknown group 77, and the technical group 999 does not exist")
    }

    @Test func aGroupWithNobodyAvailableFailsAndRaisesATechnicalAlarm() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .dnd), ("Bob", .offline)])
        try await h.group("999", [("Tech", .available)])
        _ = try await h.raise(.group("12"), priority: .emergency)
        await h.service.waitForDeliveries()
        let failed = try #require(h.journal.stored(1))
        #expect(failed.endReason == .failure)
        #expect(failed.routingNote == "skipped Anna (dnd), Bob (offline)")
        let technical = try #require(h.journal.stored(2))
        #expect(technical.request.source == AlarmSource(kind: .technical, name: "tocsin"))
        #expect(technical.request.sourceReference == "undeliverable:1")
        #expect(technical.request.target == .group("999"))
        #expect(technical.request.text == "Alarm 1 for 12 could not be delivered (skipped Anna (dnd), Bob (offline)): Room 12 bed 1")
        // An emergency stays an emergency; anything less is raised as high.
        #expect(technical.request.priority == .emergency)
        #expect(technical.state == .delivered)
    }

    @Test func aPhoneTargetGoesToThatPhoneOnly() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available)])
        _ = try await h.raise(.phone("http://phones.test/bob"))
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.routedGroup == nil)
        #expect(alarm.routingNote == nil)
        #expect(alarm.deliveries.map(\.destination) == [Destination(phoneID: 2, name: "Bob's phone", driver: "test", address: "http://phones.test/bob")])
        #expect(alarm.state == .delivered)
    }

    @Test func anUnknownPhoneGoesToTheTechnicalGroup() async throws {
        let h = AlarmHarness()
        try await h.group("999", [("Tech", .available)])
        _ = try await h.raise(.phone("4711"))
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.routedGroup == "999")
        #expect(alarm.routingNote == "unknown phone 4711, raised to technical group 999")
        #expect(alarm.deliveries.map(\.destination.name) == ["Tech"])
    }

    @Test func aDirectoryThatCannotBeReadIsNamedInTheNote() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        h.directory.fail(with: .invalid(field: "database", reason: "locked"))
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.endReason == .failure)
        #expect(alarm.routingNote == "group 12 could not be looked up (database: locked), and the technical group 999 could not be looked up (database: locked)")
    }

    @Test func aTechnicalAlarmForAMissingTechnicalGroupSaysSoOnce() async throws {
        let h = AlarmHarness()
        let id = try #require(await h.service.raiseTechnical(key: "port", text: "unplugged"))
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(id))
        #expect(alarm.endReason == .failure)
        #expect(alarm.routingNote == "unknown group 999")
        #expect(try await h.journal.alarms(matching: AlarmQuery()).count == 1)
    }

    @Test func aDestinationWithAnUnknownDriverFailsAtOnceWhileOthersDeliver() async throws {
        let h = AlarmHarness()
        let (sms, _) = try await h.directory.addPerson("Sam", driver: "sms")
        let (anna, _) = try await h.directory.addPerson("Anna")
        _ = try await h.directory.createGroup(Group(number: "12", name: "Ward", memberIDs: [sms.id, anna.id]))
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.state == .delivered)
        #expect(alarm.deliveries.map(\.status) == [.failed, .accepted])
        #expect(alarm.deliveries[0].attempts == 0)
        #expect(alarm.deliveries[0].lastOutcome == "failed: no delivery driver named sms")
        #expect(h.journal.entries(1).contains(.outcome(phoneID: 1, status: .failed, detail: "failed: no delivery driver named sms")))
        #expect(h.driver.calls.map(\.phoneID) == [2])
    }
}
