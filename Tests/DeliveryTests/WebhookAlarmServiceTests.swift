import Alarming
import Delivery
import Logging
import NIOHTTP1
import NIOPosix
import Testing

/// The webhook driver under the real alarm service: the service runs the retries, the driver
/// talks to a real HTTP server.
@Suite(.timeLimit(.minutes(1))) struct WebhookAlarmServiceTests {
    @Test func a503ThenA200GivesTwoJournalledAttemptsAndAnAcceptedDelivery() async throws {
        let server = try await ScriptedHTTPServer(script: [.status(503, reason: "Service Unavailable"), .status(200, reason: "OK")])
        let client = PushHTTPClient()
        let policy = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(500), maxBackoff: .seconds(8))
        let driver = WebhookDriver(client: client, timeout: .seconds(5), retryPolicy: policy, version: "1.2.3", logger: Logger(label: "test.webhook"))
        let journal = InMemoryJournal()
        let directory = InMemoryDirectory()
        let clock = ManualAlarmClock()
        let phone = try await directory.createPhone(Phone(name: "Ward 3 board", driver: "webhook", address: server.url + "/alarms"))
        let member = try await directory.createMember(Member(userName: "board", name: "Ward 3 board", phoneID: phone.id))
        _ = try await directory.createGroup(Group(number: "12", name: "Ward 3", memberIDs: [member.id]))
        let service = AlarmService(journal: journal, directory: directory, drivers: [driver], settings: AlarmSettings(technicalGroup: "999"), clock: clock)

        let alarm = try await service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "Room 12 bed 1", priority: .high))
        await clock.waitForSleepers()
        #expect(clock.requestedSleeps == [.milliseconds(500)])
        clock.advance(by: .milliseconds(500))
        await service.waitForDeliveries()

        #expect(journal.entries(alarm.id) == [
            .received,
            .routed(group: "12", destinations: 1, note: nil),
            .stateChanged(.dispatching),
            .attempt(phoneID: phone.id, attempt: 1, repetition: 0),
            .outcome(phoneID: phone.id, status: .sending, detail: "failed (will retry): HTTP 503 Service Unavailable from \(server.url)"),
            .attempt(phoneID: phone.id, attempt: 2, repetition: 0),
            .outcome(phoneID: phone.id, status: .accepted, detail: "accepted: HTTP 200"),
            .stateChanged(.delivered),
        ])
        let stored = try #require(journal.stored(alarm.id))
        #expect(stored.state == .delivered)
        #expect(stored.deliveries.map(\.status) == [.accepted])
        #expect(stored.deliveries.map(\.attempts) == [2])

        let requests = server.recorded
        #expect(requests.map(\.uri) == ["/alarms", "/alarms"])
        #expect(requests.map { $0.headers["Idempotency-Key"] } == [["tocsin-\(alarm.id)-\(phone.id)-0"], ["tocsin-\(alarm.id)-\(phone.id)-0"]])
        #expect(requests.map { $0.bodyText.contains("\"attempt\":1") } == [true, false])
        #expect(requests.map { $0.bodyText.contains("\"attempt\":2") } == [false, true])

        await service.shutdown()
        client.shutdown()
        try await server.shutdown()
    }
}
