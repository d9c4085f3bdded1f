import Alarming
import Testing

@Suite(.timeLimit(.minutes(1))) struct RetryTests {
    @Test func retryableFailuresAreRetriedWithBackoffAndEveryAttemptIsJournalled() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        h.driver.script(1, ScriptedDriver.busy, ScriptedDriver.busy, ScriptedDriver.ok)
        _ = try await h.raise()

        await h.clock.waitForSleepers()
        #expect(h.driver.calls.count == 1)
        // Not yet: the first backoff is 500 ms.
        h.clock.advance(by: .milliseconds(499))
        #expect(h.clock.sleeperCount == 1)
        h.clock.advance(by: .milliseconds(1))
        await h.clock.waitForSleepers()
        #expect(h.driver.calls.count == 2)
        h.clock.advance(by: .seconds(1))
        await h.service.waitForDeliveries()

        #expect(h.clock.requestedSleeps == [.milliseconds(500), .seconds(1)])
        #expect(h.driver.calls == [
            .init(alarmID: 1, phoneID: 1, attempt: 1, repetition: 0),
            .init(alarmID: 1, phoneID: 1, attempt: 2, repetition: 0),
            .init(alarmID: 1, phoneID: 1, attempt: 3, repetition: 0),
        ])
        #expect(h.journal.entries(1) == [
            .received,
            .routed(group: "12", destinations: 1, note: nil),
            .stateChanged(.dispatching),
            .attempt(phoneID: 1, attempt: 1, repetition: 0),
            .outcome(phoneID: 1, status: .sending, detail: "failed (will retry): HTTP 503 Service Unavailable"),
            .attempt(phoneID: 1, attempt: 2, repetition: 0),
            .outcome(phoneID: 1, status: .sending, detail: "failed (will retry): HTTP 503 Service Unavailable"),
            .attempt(phoneID: 1, attempt: 3, repetition: 0),
            .outcome(phoneID: 1, status: .accepted, detail: "accepted: HTTP 200"),
            .stateChanged(.delivered),
        ])
        let delivery = try #require(h.journal.stored(1)?.deliveries.first)
        #expect(delivery.attempts == 3)
        #expect(delivery.status == .accepted)
        #expect(h.log.changes(1) == [
            .raised, .routed,
            .delivery(phoneID: 1, status: .sending), .delivery(phoneID: 1, status: .sending), .delivery(phoneID: 1, status: .accepted),
        ])
    }

    @Test func backoffIsCappedAtTheMaximum() {
        let policy = RetryPolicy(maxAttempts: 10, initialBackoff: .milliseconds(500), maxBackoff: .seconds(3))
        #expect((1...6).map { policy.backoff(after: $0) } == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3), .seconds(3)])
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test func whenEveryAttemptFailsTheAlarmFailsAndATechnicalAlarmIsRaised() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        try await h.group("999", [("Tech", .available)])
        h.driver.script(1, ScriptedDriver.busy, ScriptedDriver.busy, ScriptedDriver.busy)
        _ = try await h.raise(priority: .low)
        await h.clock.waitForSleepers()
        h.clock.advance(by: .milliseconds(500))
        await h.clock.waitForSleepers()
        h.clock.advance(by: .seconds(1))
        await h.service.waitForDeliveries()

        let failed = try #require(h.journal.stored(1))
        #expect(failed.state == .ended)
        #expect(failed.endReason == .failure)
        #expect(failed.endedBy == nil)
        #expect(failed.deliveries.first?.status == .failed)
        #expect(failed.deliveries.first?.lastOutcome == "failed after 3 attempts: HTTP 503 Service Unavailable")
        #expect(Array(h.journal.entries(1).suffix(3)) == [
            .attempt(phoneID: 1, attempt: 3, repetition: 0),
            .outcome(phoneID: 1, status: .failed, detail: "failed after 3 attempts: HTTP 503 Service Unavailable"),
            .ended(reason: .failure, by: nil),
        ])
        let technical = try #require(h.journal.stored(2))
        #expect(technical.request.text == "Alarm 1 for 12 could not be delivered (no destination took the alarm): Room 12 bed 1")
        #expect(technical.request.priority == .high)
        #expect(technical.deliveries.map(\.destination.name) == ["Tech"])
        #expect(technical.state == .delivered)
        // The failed alarm's events all come before the technical alarm is raised.
        let events = h.log.events
        let endIndex = try #require(events.firstIndex { $0.alarm.id == 1 && $0.change == .ended(.failure) })
        let raisedIndex = try #require(events.firstIndex { $0.alarm.id == 2 && $0.change == .raised })
        #expect(endIndex < raisedIndex)
        #expect(await h.service.openCount == 1)
    }

    @Test func aFinalFailureIsNotRetried() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available), ("Bob", .available)])
        h.driver.script(1, ScriptedDriver.gone)
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        #expect(h.clock.requestedSleeps.isEmpty)
        #expect(h.driver.calls.filter { $0.phoneID == 1 }.count == 1)
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.deliveries.map(\.status) == [.failed, .accepted])
        #expect(alarm.deliveries[0].lastOutcome == "failed: HTTP 404 Not Found")
        #expect(alarm.state == .delivered)
    }

    @Test func aQueuedPushCountsAsTaken() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("Anna", .available)])
        h.driver.script(1, .queued(detail: "SIP 202"))
        _ = try await h.raise()
        await h.service.waitForDeliveries()
        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.deliveries.first?.status == .queued)
        #expect(alarm.state == .delivered)
    }

    @Test func journalRevisionsOnlyGrowEvenWithManyParallelDeliveries() async throws {
        let h = AlarmHarness()
        try await h.group("12", [("A", .available), ("B", .available), ("C", .available), ("D", .available), ("E", .available)])
        for phone in 1...5 { h.driver.script(Int64(phone), ScriptedDriver.busy) }
        _ = try await h.raise()
        await h.clock.waitForSleepers(5)
        h.clock.advance(by: .milliseconds(500))
        await h.service.waitForDeliveries()
        let revisions = h.journal.updates.filter { $0.id == 1 }.map(\.revision)
        // Two commits per attempt (attempt, outcome), two attempts per phone: 20 changes after the
        // record, which is routed already. Changes committed while a write is on its way share the
        // next write.
        #expect(revisions == revisions.sorted())
        #expect(Set(revisions).count == revisions.count)
        #expect(revisions.count < 20)
        #expect(revisions.last == 21)
        let entries = h.journal.entries(1)
        #expect(entries.filter { if case .attempt = $0 { true } else { false } }.count == 10)
        #expect(entries.filter { if case .outcome = $0 { true } else { false } }.count == 10)
        let published = h.log.events.filter { $0.alarm.id == 1 }.map(\.alarm.revision)
        #expect(published == published.sorted())
        #expect(h.journal.stored(1)?.revision == 21)
        #expect(h.journal.stored(1)?.deliveries.allSatisfy { $0.status == .accepted && $0.attempts == 2 } == true)
    }
}

@Suite(.timeLimit(.minutes(1))) struct JournalWriteCoalescingTests {
    @Test func aLargeGroupCostsAFewJournalWritesAndKeepsEveryEntry() async throws {
        let h = AlarmHarness()
        let people = (1...100).map { ("Person \($0)", Presence.available) }
        try await h.group("12", people)
        // The first update waits, so that every later change piles up behind it.
        h.journal.holdUpdates()
        _ = try await h.raise()
        await h.journal.waitForHeldUpdates(1)
        h.journal.releaseUpdates()
        await h.service.waitForDeliveries()

        let alarm = try #require(h.journal.stored(1))
        #expect(alarm.deliveries.count == 100)
        #expect(alarm.deliveries.allSatisfy { $0.status == .accepted && $0.attempts == 1 })
        // The record is routed already; then an attempt and an outcome for each phone: 200 changes.
        #expect(alarm.revision == 201)
        let entries = h.journal.entries(1)
        #expect(entries.filter { if case .attempt = $0 { true } else { false } }.count == 100)
        #expect(entries.filter { if case .outcome = $0 { true } else { false } }.count == 100)
        let writes = h.journal.updates.filter { $0.id == 1 }
        #expect(writes.count < 50, "\(writes.count) journal writes for 200 changes")
        #expect(writes.map(\.revision) == writes.map(\.revision).sorted())
        // Every published delivery event is there, in order, and none carries a stale alarm.
        let deliveries = h.log.events.filter { if case .delivery = $0.change { true } else { false } }
        #expect(deliveries.count == 100)
        #expect(deliveries.map(\.alarm.revision) == deliveries.map(\.alarm.revision).sorted())
    }
}
