import Alarming
import CSTA
import CSTAClient
import Testing
import TocsinTestKit

/// The client against a scripted ECSS-10-style server on a real TCP socket.
@Suite(.timeLimit(.minutes(1))) struct CSTAClientTests {
    private func client(_ server: ScriptedECSSServer, links: LinkBoard) throws -> CSTAClient {
        var session = CSTASessionConfiguration.eltexECSS10(userName: "tocsin", password: "secret", callingDevices: [ScriptedECSSServer.callingDevice])
        session.initialReconnectDelay = .milliseconds(50)
        session.maximumReconnectDelay = .milliseconds(200)
        return try CSTAClient(settings: CSTAClientSettings(name: "ecss", host: "127.0.0.1", port: server.port, tls: false, session: session), links: links)
    }

    /// Waits for the link board to show the link in this state; the client publishes it from its
    /// own task, so the test polls with a bound.
    private func waitFor(_ state: LinkStatus.State, on links: LinkBoard) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while links.all.first(where: { $0.kind == "csta" })?.state != state {
            guard ContinuousClock.now < deadline else {
                Issue.record("link never became \(state): \(links.all)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func callsEndAnsweredBusyOrUnansweredAndALostLinkComesBack() async throws {
        let server = try await ScriptedECSSServer()
        server.script("201", .answers)
        server.script("202", .busy)
        server.script("203", .neverAnswers)
        server.script("204", .refused("invalidCalledDeviceID"))
        let links = LinkBoard()
        let client = try client(server, links: links)
        let running = Task { try await client.run() }
        try await waitFor(.up, on: links)
        #expect(Array(server.requests.prefix(3)) == ["StartApplicationSession", "MonitorStart", "SnapshotDevice"])

        let answered = await client.placeCall(from: nil, to: "201", noAnswerAfter: .seconds(20))
        #expect(answered.word == "answered")
        let busy = await client.placeCall(from: nil, to: "202", noAnswerAfter: .seconds(20))
        #expect(busy == .failed(detail: "failed: FailedEvent (busy)"))
        let unanswered = await client.placeCall(from: nil, to: "203", noAnswerAfter: .milliseconds(300))
        #expect(unanswered.word == "no-answer")
        await server.waitForRequests("ClearConnection")
        let refused = await client.placeCall(from: nil, to: "204", noAnswerAfter: .seconds(20))
        #expect(refused.word == "failed")
        #expect(refused.detail.contains("invalidCalledDeviceID"))

        server.dropConnections()
        try await waitFor(.down, on: links)
        try await waitFor(.up, on: links)
        #expect(server.sessionsStarted == 2)

        await client.stop()
        _ = await running.result
        await server.shutdown()
    }

    @Test func cancellingAWaitingCallClearsItOnThePBX() async throws {
        let server = try await ScriptedECSSServer()
        server.script("203", .neverAnswers)
        let links = LinkBoard()
        let client = try client(server, links: links)
        let running = Task { try await client.run() }
        try await waitFor(.up, on: links)

        let call = Task { await client.placeCall(from: nil, to: "203", noAnswerAfter: .seconds(30)) }
        await server.waitForRequests("MakeCall")
        call.cancel()
        #expect(await call.value == .cancelled)
        await server.waitForRequests("ClearConnection")

        await client.stop()
        _ = await running.result
        await server.shutdown()
    }

    @Test func aCallPlacedWhileTheSessionIsRefusedWaitsForTheNextSession() async throws {
        let server = try await ScriptedECSSServer()
        server.refuseNextSessionStart()
        server.script("201", .answers)
        let links = LinkBoard()
        let client = try client(server, links: links)
        let running = Task { try await client.run() }
        await server.waitForRequests("StartApplicationSession")
        try await waitFor(.down, on: links)
        #expect(links.all.first?.detail.contains("PBX refused StartApplicationSession") == true)
        let outcome = await client.placeCall(from: nil, to: "201", noAnswerAfter: .seconds(5))
        #expect(outcome.word == "answered", "\(outcome)")
        // MakeCall went out only on the granted session, after its monitor and snapshot.
        #expect(server.requests.prefix(5) == ["StartApplicationSession", "StartApplicationSession", "MonitorStart", "SnapshotDevice", "MakeCall"])
        await client.stop()
        _ = await running.result
        await server.shutdown()
    }

    @Test func aCallGivesUpAfterItsNoAnswerTimeWhenThePBXStaysUnreachable() async throws {
        let server = try await ScriptedECSSServer()
        let links = LinkBoard()
        let client = try client(server, links: links)
        await server.shutdown()
        let running = Task { try await client.run() }
        try await waitFor(.absent, on: links)
        let asked = ContinuousClock.now
        let outcome = await client.placeCall(from: nil, to: "201", noAnswerAfter: .seconds(1))
        #expect(ContinuousClock.now - asked >= .seconds(1))
        #expect(outcome.word == "failed")
        #expect(outcome.detail.contains("CSTA link down"), "\(outcome)")
        await client.stop()
        _ = await running.result
    }
}
