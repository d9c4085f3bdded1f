#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Testing

/// A "restart" is a new `AlarmService` over a copy of the journal as the old one left it.
@Suite(.timeLimit(.minutes(1))) struct ResumeTests {
    @Test func afterACrashOnlyThePhonesThatHadNotTakenTheAlarmArePushedAgain() async throws {
        let before = AlarmHarness()
        try await before.group("12", [("Anna", .available), ("Bob", .available), ("Carl", .available)], repetitions: 1, interval: 10)
        before.driver.script(2, [.hold])
        before.driver.script(3, [.hold])
        _ = try await before.raise()
        await before.log.waitForDelivery(of: 1, phone: 1, status: .accepted)
        await before.driver.waitForCalls(3)

        // The daemon dies here: Anna's phone took the alarm, Bob's and Carl's pushes were under way.
        let disk = before.journal.copy()
        #expect(disk.stored(1)?.deliveries.map(\.status) == [.accepted, .sending, .sending])

        let after = AlarmHarness(journal: disk, directory: before.directory)
        #expect(try await after.service.start() == 1)
        #expect(await after.service.openCount == 1)
        await after.clock.waitForSleepers()
        #expect(Set(after.driver.calls) == [
            .init(alarmID: 1, phoneID: 2, attempt: 1, repetition: 0),
            .init(alarmID: 1, phoneID: 3, attempt: 1, repetition: 0),
        ])
        #expect(disk.stored(1)?.deliveries.map(\.status) == [.accepted, .accepted, .accepted])

        // The remaining repetition goes to everyone who has not acknowledged, Anna included.
        after.clock.advance(by: .seconds(10))
        await after.service.waitForDeliveries()
        #expect(Set(after.driver.calls.dropFirst(2)) == [
            .init(alarmID: 1, phoneID: 1, attempt: 1, repetition: 1),
            .init(alarmID: 1, phoneID: 2, attempt: 1, repetition: 1),
            .init(alarmID: 1, phoneID: 3, attempt: 1, repetition: 1),
        ])
        #expect(after.driver.calls.filter { $0.phoneID == 1 && $0.repetition == 0 }.isEmpty)

        before.driver.release(2)
        before.driver.release(3)
        await before.service.shutdown()
    }

    @Test func pendingDestinationsGetTheirFirstPushAndRepetitionsContinueWhereTheyStopped() async throws {
        let directory = InMemoryDirectory()
        let setup = AlarmHarness(directory: directory)
        try await setup.group("12", [("Anna", .available), ("Bob", .available), ("Carl", .available)], rule: .all, repetitions: 3, interval: 20)
        let phones = try await directory.phones()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func delivery(_ index: Int, _ status: DeliveryStatus, repetitions: Int) -> Delivery {
            let phone = phones[index]
            return Delivery(destination: Destination(phoneID: phone.id, memberID: Int64(index + 1), name: phone.name, driver: "test", address: phone.address), status: status, attempts: 1, repetitions: repetitions, updatedAt: now)
        }
        let journal = InMemoryJournal()
        journal.store(Alarm(
            id: 7,
            request: AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "Room 12 bed 1"),
            routedGroup: "12",
            state: .delivered,
            receivedAt: now,
            deliveries: [delivery(0, .accepted, repetitions: 2), delivery(1, .acknowledged, repetitions: 2), delivery(2, .pending, repetitions: 0)],
            revision: 9
        ))

        let h = AlarmHarness(journal: journal, directory: directory)
        #expect(try await h.service.start() == 1)
        await h.clock.waitForSleepers()
        #expect(h.driver.calls == [.init(alarmID: 7, phoneID: 3, attempt: 1, repetition: 0)])
        h.clock.advance(by: .seconds(20))
        await h.service.waitForDeliveries()
        // Repetition 3 is the last one; Bob had acknowledged.
        #expect(Set(h.driver.calls.dropFirst()) == [
            .init(alarmID: 7, phoneID: 1, attempt: 1, repetition: 3),
            .init(alarmID: 7, phoneID: 3, attempt: 1, repetition: 3),
        ])
        #expect(h.clock.requestedSleeps == [.seconds(20)])
        let alarm = try #require(journal.stored(7))
        #expect(alarm.revision > 9)
        #expect(alarm.deliveries.map(\.repetitions) == [3, 2, 3])

        // New alarms continue the journal's numbering.
        #expect(try await h.raise().id == 8)
        await h.service.shutdown()
    }

    @Test func anAlarmJournalledButNotYetRoutedIsRoutedAfterTheRestart() async throws {
        let directory = InMemoryDirectory()
        let setup = AlarmHarness(directory: directory)
        try await setup.group("12", [("Anna", .available)])
        let journal = InMemoryJournal()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        journal.store(Alarm(id: 1, request: AlarmRequest(source: AlarmSource(kind: .espa444, name: "port1"), target: .group("12"), text: "Bed 4"), receivedAt: now, revision: 1), entries: [.received])

        let h = AlarmHarness(journal: journal, directory: directory)
        #expect(try await h.service.start() == 1)
        await h.service.waitForDeliveries()
        #expect(journal.stored(1)?.state == .delivered)
        #expect(journal.entries(1).first == .received)
        #expect(journal.entries(1).dropFirst().first == .routed(group: "12", destinations: 1, note: nil))
        #expect(h.driver.calls == [.init(alarmID: 1, phoneID: 1, attempt: 1, repetition: 0)])
    }

    @Test func endedAlarmsAreNotResumed() async throws {
        let journal = InMemoryJournal()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        journal.store(Alarm(id: 1, request: AlarmRequest(source: AlarmSource(kind: .rest, name: "a"), target: .group("12"), text: "x"), state: .ended, endReason: .operator, receivedAt: now, revision: 4))
        let h = AlarmHarness(journal: journal)
        #expect(try await h.service.start() == 0)
        await h.service.waitForDeliveries()
        #expect(h.driver.calls.isEmpty)
        await #expect(throws: AlarmServiceError.alreadyEnded(1)) { try await h.service.acknowledge(1, by: "x") }
    }

    @Test func aShutdownDuringTheFirstPushIsNotAFailure() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        try await h.group("999", [("Tech", .available)])
        h.driver.script(1, [.hold])
        _ = try await h.raise()
        await h.driver.waitForCalls(1)
        await h.service.shutdown()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.isOpen)
        #expect(alarm.endReason == nil)
        #expect(alarm.deliveries.map(\.status) == [.sending])
        #expect(try await h.journal.alarms(matching: AlarmQuery()).count == 1)

        // And the next start pushes it again.
        let after = AlarmHarness(journal: h.journal.copy(), directory: h.directory)
        #expect(try await after.service.start() == 1)
        await after.service.waitForDeliveries()
        #expect(after.driver.calls == [.init(alarmID: 1, phoneID: 1, attempt: 1, repetition: 0)])
        #expect(after.journal.stored(1)?.state == .delivered)
    }

    @Test func shutdownStopsDeliveryAndLeavesAlarmsOpenForTheNextStart() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)], repetitions: 3, interval: 10)
        _ = try await h.raise()
        await h.clock.waitForSleepers()
        await h.service.shutdown()
        #expect(h.clock.sleeperCount == 0)
        #expect(h.journal.stored(1)?.isOpen == true)
        // Raised after shutdown: journalled (so the peer may be acknowledged) but not pushed until restart.
        let late = try await h.raise()
        #expect(h.journal.stored(late.id)?.deliveries.map(\.status) == [.pending])
        #expect(h.driver.calls.count == 1)
    }
}
