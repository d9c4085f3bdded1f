import Alarming
import Testing

/// A phone that keeps failing raises `phone:<id>` after the configured count of final failures in
/// a row, once, and its next accepted push clears it.
@Suite(.timeLimit(.minutes(1))) struct PhoneFailureWatcherTests {
    /// Ann's phone (1) is scripted to fail; Bob's (2) accepts, so the alarms themselves never fail as
    /// a whole; Tech's (3) takes the technical alarms.
    private func harness() async throws -> AlarmHarness {
        let h = AlarmHarness()
        try await h.group("12", [("Ann", .available), ("Bob", .available)])
        try await h.group("999", [("Tech", .available)])
        return h
    }

    private func technicalAlarms(_ h: AlarmHarness, phone: Int64) async throws -> [Alarm] {
        try await h.journal.alarms(matching: AlarmQuery()).filter { $0.request.sourceReference == PhoneFailureWatcher.key(phone) }
    }

    @Test func theThirdFinalFailureRaisesItAndTheNextAcceptClearsIt() async throws {
        let h = try await harness()
        let watcher = PhoneFailureWatcher(service: h.service, failuresBeforeAlarm: 3)
        h.driver.script(1, ScriptedDriver.gone, ScriptedDriver.gone, ScriptedDriver.gone, ScriptedDriver.gone)
        for round in 1...4 {
            let alarm = try await h.raise()
            let failed = await h.log.waitForDelivery(of: alarm.id, phone: 1, status: .failed)
            await watcher.observe(AlarmEvent(alarm: failed, change: .delivery(phoneID: 1, status: .failed)))
            #expect(await watcher.consecutiveFailures(phoneID: 1) == round)
            let raised = try await technicalAlarms(h, phone: 1)
            #expect(raised.count == (round < 3 ? 0 : 1), "after \(round) failures")
            await h.service.waitForDeliveries()
        }
        let technical = try #require(try await technicalAlarms(h, phone: 1).first)
        #expect(technical.request == AlarmRequest(
            source: AlarmSource(kind: .technical, name: "tocsin"), sourceReference: "phone:1", target: .group("999"),
            text: "Phone Ann (test http://phones.test/ann) failed 3 pushes in a row: failed: HTTP 404 Not Found", priority: .high))
        #expect(technical.isOpen)

        let alarm = try await h.raise()
        let accepted = await h.log.waitForDelivery(of: alarm.id, phone: 1, status: .accepted)
        await watcher.observe(AlarmEvent(alarm: accepted, change: .delivery(phoneID: 1, status: .accepted)))
        #expect(await watcher.consecutiveFailures(phoneID: 1) == 0)
        let cleared = try #require(h.journal.stored(technical.id))
        #expect(cleared.endReason == .finished)
        #expect(cleared.endedBy == "tocsin")
        await h.service.waitForDeliveries()
    }

    @Test func aFailureThatWillBeRetriedDoesNotCountButTheLastAttemptDoes() async throws {
        let h = try await harness()
        let watcher = PhoneFailureWatcher(service: h.service, failuresBeforeAlarm: 1)
        h.driver.script(1, ScriptedDriver.gone)
        let alarm = try await h.raise()
        var snapshot = await h.log.waitForDelivery(of: alarm.id, phone: 1, status: .failed)
        await h.service.waitForDeliveries()
        let index = try #require(snapshot.deliveries.firstIndex { $0.destination.phoneID == 1 })

        snapshot.deliveries[index].lastOutcome = "failed (will retry): HTTP 503 Service Unavailable"
        await watcher.observe(AlarmEvent(alarm: snapshot, change: .delivery(phoneID: 1, status: .failed)))
        #expect(await watcher.consecutiveFailures(phoneID: 1) == 0)
        #expect(try await technicalAlarms(h, phone: 1).isEmpty)

        snapshot.deliveries[index].lastOutcome = "failed after 3 attempts: HTTP 503 Service Unavailable"
        await watcher.observe(AlarmEvent(alarm: snapshot, change: .delivery(phoneID: 1, status: .failed)))
        #expect(await watcher.consecutiveFailures(phoneID: 1) == 1)
        let raised = try await technicalAlarms(h, phone: 1)
        #expect(raised.map(\.request.text) == ["Phone Ann (test http://phones.test/ann) failed 1 pushes in a row: failed after 3 attempts: HTTP 503 Service Unavailable"])

        // Still failing: the open technical alarm is not raised a second time.
        await watcher.observe(AlarmEvent(alarm: snapshot, change: .delivery(phoneID: 1, status: .failed)))
        #expect(await watcher.consecutiveFailures(phoneID: 1) == 2)
        #expect(try await technicalAlarms(h, phone: 1).count == 1)
        await h.service.waitForDeliveries()
    }

    @Test func zeroTurnsTheAlarmOffAndAnUpdateTurnsItOn() async throws {
        let h = try await harness()
        let watcher = PhoneFailureWatcher(service: h.service, failuresBeforeAlarm: 0)
        h.driver.script(1, ScriptedDriver.gone)
        let alarm = try await h.raise()
        let failed = await h.log.waitForDelivery(of: alarm.id, phone: 1, status: .failed)
        await h.service.waitForDeliveries()
        let event = AlarmEvent(alarm: failed, change: .delivery(phoneID: 1, status: .failed))
        for _ in 1...5 { await watcher.observe(event) }
        #expect(await watcher.consecutiveFailures(phoneID: 1) == 5)
        #expect(try await technicalAlarms(h, phone: 1).isEmpty)

        await watcher.update(failuresBeforeAlarm: 6)
        await watcher.observe(event)
        #expect(try await technicalAlarms(h, phone: 1).count == 1)
        await h.service.waitForDeliveries()
    }

    @Test func runningOnTheServicesEventsRaisesItWithoutHelp() async throws {
        let h = try await harness()
        let watcher = PhoneFailureWatcher(service: h.service, failuresBeforeAlarm: 2)
        let reading = Task { await watcher.run() }
        defer { reading.cancel() }
        h.driver.script(1, ScriptedDriver.gone, ScriptedDriver.gone)
        _ = try await h.raise()
        _ = try await h.raise()
        let raised = await h.log.wait { event in
            event.change == .raised && event.alarm.request.sourceReference == "phone:1"
        }.alarm
        #expect(raised.request.target == .group("999"))
        #expect(raised.request.text.hasPrefix("Phone Ann (test http://phones.test/ann) failed 2 pushes in a row: "))
        #expect(await watcher.consecutiveFailures(phoneID: 1) == 2)
        await h.service.waitForDeliveries()
    }
}
