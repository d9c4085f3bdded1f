import Alarming
import Testing

@Suite(.timeLimit(.minutes(1))) struct AcknowledgementTests {
    @Test func acceptedIsNotAcknowledgedAndAnAcknowledgementEndsTheAlarm() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        #expect(try await h.service.alarm(id: 1)?.state == .delivered)

        let acknowledged = try await h.service.acknowledge(1, by: "Nurse Anna")
        #expect(acknowledged.state == .ended)
        #expect(acknowledged.endReason == .finished)
        #expect(acknowledged.acknowledgedBy == "Nurse Anna")
        #expect(acknowledged.acknowledgedAt == h.clock.now())
        #expect(acknowledged.endedBy == "Nurse Anna")
        #expect(h.journal.stored(1) == acknowledged)
        #expect(Array(h.journal.entries(1).suffix(3)) == [
            .acknowledged(by: "Nurse Anna", phoneID: nil),
            .stateChanged(.acknowledged),
            .ended(reason: .finished, by: "Nurse Anna"),
        ])
        #expect(await h.service.openCount == 0)
        await h.log.waitForEnd(of: 1)
        #expect(h.log.changes(1) == [.raised, .routed, .delivery(phoneID: 1, status: .accepted), .acknowledged(by: "Nurse Anna", phoneID: nil), .ended(.finished)])
        // Raised and routed are one record; the attempt (2) shares no event; outcome, acknowledgement, end.
        let revisions = h.log.events.map(\.alarm.revision)
        #expect(revisions == [1, 1, 3, 4, 4])
    }

    @Test func underTheAnyRuleOnePhoneEndsIt() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available)], rule: .any)
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        let alarm = try await h.service.acknowledge(1, by: "Bob", phoneID: 2)
        #expect(alarm.state == .ended)
        #expect(alarm.deliveries.map(\.status) == [.accepted, .acknowledged])
    }

    @Test func underTheAllRuleEveryPhoneThatTookItMustAcknowledge() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available), ("Carl", .available)], rule: .all)
        h.driver.script(3, ScriptedDriver.gone)
        _ = try await h.raise()
        await h.service.waitForDeliveries()

        let partly = try await h.service.acknowledge(1, by: "Anna", phoneID: 1)
        #expect(partly.state == .delivered)
        #expect(partly.acknowledgedBy == nil)
        #expect(partly.deliveries.map(\.status) == [.acknowledged, .accepted, .failed])
        #expect(h.journal.stored(1)?.isOpen == true)

        // Carl's phone never took it, so Bob is the last one needed.
        let done = try await h.service.acknowledge(1, by: "Bob", phoneID: 2)
        #expect(done.state == .ended)
        #expect(done.endReason == .finished)
        #expect(done.acknowledgedBy == "Bob")
        #expect(done.deliveries.map(\.status) == [.acknowledged, .acknowledged, .failed])
    }

    @Test(arguments: [(AcknowledgementRule.any, true), (.all, false)])
    func anAcknowledgementFromAPhoneTheAlarmWasNotPushedTo(_ rule: AcknowledgementRule, _ ends: Bool) async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)], rule: rule)
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        let alarm = try await h.service.acknowledge(1, by: "Nurse on 4711", phoneID: 42)
        #expect(alarm.isOpen == !ends)
        #expect(alarm.deliveries.map(\.status) == [.accepted])
        #expect(h.journal.entries(1).contains(.acknowledged(by: "Nurse on 4711", phoneID: 42)))
    }

    @Test func underTheAllRuleAWebAcknowledgementEndsItAtOnce() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available)], rule: .all)
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        let alarm = try await h.service.acknowledge(1, by: "web")
        #expect(alarm.state == .ended)
        #expect(alarm.endReason == .finished)
    }

    @Test func underTheAllRuleAPhoneStillBeingTriedHoldsItOpenUntilItFailsForGood() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available)], rule: .all)
        h.driver.script(2, [.hold])
        _ = try await h.raise()
        await h.log.waitForDelivery(of: 1, phone: 1, status: .accepted)
        await h.driver.waitForCalls(2)

        let partly = try await h.service.acknowledge(1, by: "Nurse Anna", phoneID: 1)
        #expect(partly.state == .delivered)

        h.driver.release(2, with: ScriptedDriver.gone)
        let ended = await h.log.waitForEnd(of: 1)
        #expect(ended.endReason == .finished)
        #expect(ended.acknowledgedBy == "Nurse Anna")
        #expect(ended.deliveries.map(\.status) == [.acknowledged, .failed])
        await h.service.waitForDeliveries()
        #expect(h.journal.stored(1)?.state == .ended)
    }

    @Test func anAcknowledgementWhileAPushIsInFlightIsNotUndoneByItsOutcome() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        h.driver.script(1, [.holdThroughCancellation])
        _ = try await h.raise()
        await h.driver.waitForCalls(1)

        let acknowledged = try await h.service.acknowledge(1, by: "web")
        #expect(acknowledged.state == .ended)
        h.driver.release(1)
        await h.service.waitForDeliveries()

        let stored = try #require(h.journal.stored(1))
        #expect(stored.state == .ended)
        #expect(stored.revision == acknowledged.revision)
        let revisions = h.journal.updates.map(\.revision)
        #expect(revisions == revisions.sorted())
        #expect(Set(revisions).count == revisions.count)
        #expect(await h.service.openCount == 0)
        #expect(try await h.service.alarm(id: 1)?.state == .ended)
    }

    @Test func anOutcomeRecordedWhileAnAcknowledgementWaitsForTheDirectoryIsKept() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available)], rule: .all)
        h.driver.script(2, [.holdThroughCancellation])
        _ = try await h.raise()
        await h.log.waitForDelivery(of: 1, phone: 1, status: .accepted)
        await h.driver.waitForCalls(2)

        h.directory.holdGroupLookups()
        async let acknowledging = h.service.acknowledge(1, by: "Anna", phoneID: 1)
        await h.directory.waitForHeldGroupLookups(1)
        // Bob's phone answers while the acknowledgement looks up the group's rule.
        h.driver.release(2)
        await h.log.waitForDelivery(of: 1, phone: 2, status: .accepted)
        h.directory.releaseGroupLookups()
        let acknowledged = try await acknowledging
        await h.service.waitForDeliveries()

        #expect(acknowledged.deliveries.map(\.status) == [.acknowledged, .accepted])
        #expect(acknowledged.isOpen)
        #expect(h.journal.stored(1) == acknowledged)
        let revisions = h.journal.updates.map(\.revision)
        // Every write is newer than the one before (changes committed meanwhile share a write).
        #expect(revisions == revisions.sorted())
        #expect(Set(revisions).count == revisions.count)
    }

    @Test func anOutcomeArrivingWhileTheEndIsBeingWrittenDoesNotReopenTheAlarm() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        h.driver.script(1, [.holdThroughCancellation])
        _ = try await h.raise()
        await h.driver.waitForCalls(1)

        h.journal.holdUpdates()
        async let ending = h.service.end(1, reason: .operator, by: "Nurse")
        await h.journal.waitForHeldUpdates(1)
        h.driver.release(1)
        await h.service.waitForDeliveries()
        #expect(await h.service.openCount == 0)
        // The end is not on disk yet, but it has happened: a second request is told so.
        #expect(try await h.service.alarm(id: 1)?.endReason == .operator)
        await #expect(throws: AlarmServiceError.alreadyEnded(1)) { try await h.service.acknowledge(1, by: "late") }
        h.journal.releaseUpdates()
        let ended = try await ending

        #expect(h.journal.stored(1) == ended)
        #expect(h.journal.entries(1).last == .ended(reason: .operator, by: "Nurse"))
        #expect(!h.journal.entries(1).contains { if case .outcome = $0 { true } else { false } })
        let revisions = h.journal.updates.map(\.revision)
        // Every write is newer than the one before (changes committed meanwhile share a write).
        #expect(revisions == revisions.sorted())
        #expect(Set(revisions).count == revisions.count)
        #expect(try await h.service.alarm(id: 1)?.state == .ended)
    }

    @Test func endingByOperatorOrClientAndWhatComesAfter() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        let source = AlarmSource(kind: .espax, name: "client-1")
        _ = try await h.service.raise(AlarmRequest(source: source, sourceReference: "ref-1", target: .group("12"), text: "A"))
        _ = try await h.raise()
        await h.service.waitForDeliveries()

        let byClient = try #require(await h.service.openAlarm(source: source, reference: "ref-1"))
        let ended = try await h.service.end(byClient.id, reason: .client, by: "client-1")
        #expect(ended.endReason == .client)
        #expect(ended.endedBy == "client-1")
        #expect(ended.endedAt == h.clock.now())
        #expect(h.journal.entries(1).last == .ended(reason: .client, by: "client-1"))
        #expect(await h.service.openAlarm(source: source, reference: "ref-1") == nil)

        let byOperator = try await h.service.end(2, reason: .operator, by: "Nurse Anna")
        #expect(byOperator.state == .ended)
        #expect(byOperator.endReason == .operator)
        #expect(byOperator.acknowledgedBy == nil)
        #expect(h.log.changes(2).last == .ended(.operator))

        await #expect(throws: AlarmServiceError.alreadyEnded(2)) { try await h.service.end(2, reason: .operator, by: nil) }
        await #expect(throws: AlarmServiceError.alreadyEnded(2)) { try await h.service.acknowledge(2, by: "late") }
        await #expect(throws: AlarmServiceError.notFound(99)) { try await h.service.end(99, reason: .operator, by: nil) }
        await #expect(throws: AlarmServiceError.notFound(99)) { try await h.service.acknowledge(99, by: "x") }
        #expect(AlarmServiceError.alreadyEnded(2).description == "alarm 2 has already ended")
    }
}
