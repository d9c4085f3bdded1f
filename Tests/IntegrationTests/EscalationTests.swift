#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import TocsinTestKit

/// Escalation calls through the built daemon: `[csta]` pointed at a scripted ECSS-10 server (Annex J
/// framing, the seed's XML), groups with escalation chains set over REST, and what reaches the wire.
@Suite(.serialized)
struct EscalationTests {
    static func configuration(pbxPort: Int, dialect: String = "eltex") -> String {
        DaemonTests.configuration() + """

        [csta]
        enabled = true
        name = "ecss"
        dialect = "\(dialect)"
        pbx_domain = "100.pbx.example"
        host = "127.0.0.1"
        port = \(pbxPort)
        transport = "tcp"
        username = "tocsin"
        password = "pbx-secret"
        calling_devices = ["\(ScriptedECSSServer.callingDevice)"]
        request_timeout_seconds = 5
        reconnect_initial_ms = 100
        reconnect_max_ms = 400
        """
    }

    struct Running {
        var daemon: DaemonProcess
        var client: RESTClient
        var server: ScriptedECSSServer
        var receiver: WebhookReceiver
    }

    /// A daemon with the PBX link up, a technical group 999 and a group 40 with one webhook phone.
    static func start(_ name: String, grantedDuration: Int = 300, uniTel: Bool = false) async throws -> Running {
        let server = try await ScriptedECSSServer(grantedDuration: grantedDuration, nulDelimited: uniTel)
        let receiver = try await WebhookReceiver()
        let folder = try makeTemporaryFolder(name)
        try writeFile(folder + "/tocsin.toml", configuration(pbxPort: server.port, dialect: uniTel ? "unitel" : "eltex"))
        let daemon = DaemonProcess(folder: folder)
        try daemon.start(["run", "--config", "tocsin.toml"])
        let client = RESTClient(port: try await daemon.waitForPort())
        _ = try await waitForLink(client, state: "up")
        try await DaemonTests.makeGroup(client, number: "999", receiver: receiver, paths: ["/engineer"])
        try await DaemonTests.makeGroup(client, number: "40", receiver: receiver, paths: ["/ward4"])
        return Running(daemon: daemon, client: client, server: server, receiver: receiver)
    }

    static func stop(_ running: Running) async {
        running.daemon.stop()
        await running.server.shutdown()
        await running.receiver.close()
    }

    static func waitForLink(_ client: RESTClient, state: String) async throws -> JSONValue {
        let links = try await client.waitFor("/api/links") { body in
            body["links"].array.contains { $0["kind"].string == "csta" && $0["name"].string == "ecss" && $0["state"].string == state }
        }
        return links["links"].array.first { $0["kind"].string == "csta" } ?? .null
    }

    static func setChain(_ client: RESTClient, _ chain: String) async throws -> JSONValue {
        let groups = try await client.get("/api/groups")
        let group = try #require(groups.json["groups"].array.first { $0["number"].string == "40" })
        let id = try #require(group["id"].int)
        let response = try await client.put("/api/groups/\(id)", #"{"escalation":\#(chain)}"#)
        guard response.status == 200 else { throw HarnessError("PUT escalation → \(response.status): \(response.body)") }
        return response.json
    }

    static func raise(_ client: RESTClient) async throws -> Int {
        let created = try await client.post("/api/alarms", #"{"group":"40","text":"Room 4: fall detected","priority":"high"}"#)
        guard created.status == 201 else { throw HarnessError("POST alarm → \(created.status): \(created.body)") }
        return try #require(created.json["id"].int)
    }

    /// The MakeCall documents the PBX received, as (calling device, called number).
    static func makeCalls(_ server: ScriptedECSSServer) -> [(String, String)] {
        server.requestDocuments.filter { $0.contains("<MakeCall") }.map { xml in
            (element("callingDevice", in: xml), element("calledDirectoryNumber", in: xml))
        }
    }

    static func element(_ name: String, in xml: String) -> String {
        guard let open = xml.firstRange(of: "<\(name)"), let close = xml.firstRange(of: "</\(name)>") else { return "" }
        let afterOpen = xml[open.upperBound...]
        guard let end = afterOpen.firstIndex(of: ">") else { return "" }
        return String(xml[xml.index(after: end)..<close.lowerBound])
    }

    static func calls(_ client: RESTClient, alarm id: Int) async throws -> [(kind: String, number: String, outcome: String?)] {
        let journal = try await client.get("/api/alarms/\(id)/journal")
        return journal.json["entries"].array.compactMap { entry in
            guard let kind = entry["kind"].string, kind == "call" || kind == "call-outcome" else { return nil }
            return (kind, entry["number"].string ?? "", entry["outcome"].string)
        }
    }

    @Test func busyThenUnansweredThenAnsweredAndTheRESTShapeOfTheChain() async throws {
        let running = try await Self.start("escalation-chain")
        defer { Task { await Self.stop(running) } }
        let (client, server) = (running.client, running.server)
        server.script("101", .busy)
        server.script("102", .neverAnswers)
        server.script("103", .answers)
        let group = try await Self.setChain(client, #"{"delay":1,"noAnswerTime":5,"numbers":["101","102","103"]}"#)
        #expect(group["escalation"]["delay"].int == 1)
        #expect(group["escalation"]["noAnswerTime"].int == 5)
        #expect(group["escalation"]["numbers"].array.compactMap(\.string) == ["101", "102", "103"])
        #expect(group["escalation"]["answerAcknowledges"] == .bool(false))

        let raised = ContinuousClock.now
        let id = try await Self.raise(client)
        await server.waitForRequests("MakeCall")
        // T is one second from receipt; the first call must not come before it.
        #expect(ContinuousClock.now - raised >= .seconds(1))
        #expect(Self.makeCalls(server).first! == ("725", "101"))
        await server.waitForRequests("MakeCall", count: 2)
        let secondPlaced = ContinuousClock.now
        // 102 rings until T2 (5 s): the daemon clears it and calls the next number.
        await server.waitForRequests("MakeCall", count: 3)
        #expect(ContinuousClock.now - secondPlaced >= .seconds(5))
        // The unanswered call is cleared before the next number is dialled.
        let requests = server.requests
        let makeCallIndices = requests.indices.filter { requests[$0] == "MakeCall" }
        let clears = requests.indices.filter { requests[$0] == "ClearConnection" || requests[$0] == "ClearCall" }
        #expect(clears.contains { $0 > makeCallIndices[1] && $0 < makeCallIndices[2] }, "\(requests)")
        #expect(Self.makeCalls(server).map(\.1) == ["101", "102", "103"])
        #expect(Self.makeCalls(server).allSatisfy { $0.0 == "725" })

        // Answered without answerAcknowledges: reached, back to delivered, still open.
        let reached = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "delivered" && $0["endReason"] == .null }
        #expect(reached["state"].string == "delivered")
        let calls = try await Self.calls(client, alarm: id)
        #expect(calls.map(\.kind) == ["call", "call-outcome", "call", "call-outcome", "call", "call-outcome"])
        #expect(calls.map(\.number) == ["101", "101", "102", "102", "103", "103"])
        #expect(calls.compactMap(\.outcome) == ["failed", "no-answer", "answered"])
    }

    @Test func anAcknowledgementStopsTheChainAndClearsTheRingingCall() async throws {
        let running = try await Self.start("escalation-ack")
        defer { Task { await Self.stop(running) } }
        let (client, server) = (running.client, running.server)
        server.script("201", .neverAnswers)
        _ = try await Self.setChain(client, #"{"delay":0,"noAnswerTime":60,"numbers":["201","202"]}"#)
        let id = try await Self.raise(client)
        await server.waitForRequests("MakeCall")
        _ = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "escalating" }
        let acknowledged = try await client.post("/api/alarms/\(id)/acknowledge", #"{"by":"Nurse Anna"}"#)
        #expect(acknowledged.status == 200)
        #expect(acknowledged.json["state"].string == "ended")
        // The ringing call is cleared long before T2 (60 s) would have.
        try await withTimeout(.seconds(10)) { await server.waitForRequests("ClearConnection") }
        #expect(Self.makeCalls(server).map(\.1) == ["201"])
        let calls = try await client.waitFor("/api/alarms/\(id)/journal") { body in
            body["entries"].array.contains { $0["kind"].string == "call-outcome" }
        }
        let outcome = try #require(calls["entries"].array.first { $0["kind"].string == "call-outcome" })
        #expect(outcome["number"].string == "201")
        #expect(outcome["outcome"].string == "cancelled")
    }

    @Test func anExhaustedChainFailsTheAlarmAndRaisesATechnicalAlarm() async throws {
        let running = try await Self.start("escalation-exhausted")
        defer { Task { await Self.stop(running) } }
        let (client, server) = (running.client, running.server)
        server.script("301", .refused("invalidCalledDeviceID"))
        server.script("302", .busy)
        _ = try await Self.setChain(client, #"{"delay":0,"noAnswerTime":5,"numbers":["301","302"],"answerAcknowledges":true}"#)
        let id = try await Self.raise(client)
        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Failure")
        #expect(Self.makeCalls(server).map(\.1) == ["301", "302"])
        let calls = try await Self.calls(client, alarm: id)
        #expect(calls.compactMap(\.outcome) == ["failed", "failed"])
        let technical = try await client.waitFor("/api/alarms?limit=500") { body in
            body["alarms"].array.contains { $0["reference"].string == "undeliverable:\(id)" }
        }
        let alarm = try #require(technical["alarms"].array.first { $0["reference"].string == "undeliverable:\(id)" })
        #expect(alarm["group"].string == "999")
        #expect(alarm["source"]["kind"].string == "technical")
    }

    @Test func aDroppedLinkRaisesATechnicalAlarmClearedOnReconnect() async throws {
        let running = try await Self.start("escalation-link")
        defer { Task { await Self.stop(running) } }
        let (client, server) = (running.client, running.server)
        #expect(server.sessionsStarted == 1)
        server.refuseNextSessionStart()
        server.dropConnections()
        let technical = try await client.waitFor("/api/alarms?limit=500") { body in
            body["alarms"].array.contains { $0["reference"].string == "csta:ecss" && $0["state"].string != "ended" }
        }
        let alarm = try #require(technical["alarms"].array.first { $0["reference"].string == "csta:ecss" })
        #expect(alarm["group"].string == "999")
        #expect(alarm["text"].string?.hasPrefix("CSTA link to the PBX ecss is down") == true)
        let id = try #require(alarm["id"].int)
        // The refused session start is one more failure; the next attempt gets a session.
        let up = try await Self.waitForLink(client, state: "up")
        #expect(up["detail"].string?.contains("tcp://127.0.0.1:\(server.port) (") == true)
        #expect(server.sessionsStarted == 2)
        #expect(server.requests.filter { $0 == "StartApplicationSession" }.count == 3)
        let cleared = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(cleared["endReason"].string == "Finished")
        #expect(!running.daemon.log.contains("pbx-secret"))
    }

    @Test func aSessionThePBXTerminatesMidCallIsRestartedItsLeftoverCallClearedAndTheChainGoesOn() async throws {
        let running = try await Self.start("escalation-expiry")
        defer { Task { await Self.stop(running) } }
        let (client, server) = (running.client, running.server)
        server.script("501", .neverAnswers)
        server.script("502", .answers)
        _ = try await Self.setChain(client, #"{"delay":0,"noAnswerTime":60,"numbers":["501","502"],"answerAcknowledges":true}"#)
        let id = try await Self.raise(client)
        await server.waitForRequests("MakeCall")
        _ = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "escalating" }
        let ringing = server.activeCallIDs
        #expect(ringing.count == 1)

        // The PBX ends the session while 501 rings, as ECSS-10 does when its session timer runs out.
        server.terminateSessions(reason: "sessionTimerExpired")
        try await withTimeout(.seconds(10)) { await server.waitForRequests("MakeCall", count: 2) }
        #expect(server.sessionsStarted == 2)
        // A new session, its monitor, the call 501 left ringing on the PBX cleared, and only then 502.
        let requests = server.requests
        let restart = try #require(requests.indices.filter { requests[$0] == "StartApplicationSession" }.last)
        #expect(Array(requests[restart...].prefix(5)) == ["StartApplicationSession", "MonitorStart", "SnapshotDevice", "ClearConnection", "MakeCall"], "\(requests)")
        let clear = try #require(server.requestDocuments.last { $0.contains("<ClearConnection") })
        #expect(Self.element("callID", in: clear) == ringing.first)
        #expect(!server.activeCallIDs.contains(ringing[0]))
        #expect(Self.makeCalls(server).map(\.1) == ["501", "502"])

        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Finished")
        let journal = try await client.get("/api/alarms/\(id)/journal")
        let outcomes = journal.json["entries"].array.filter { $0["kind"].string == "call-outcome" }
        #expect(outcomes.map { $0["number"].string ?? "" } == ["501", "502"])
        #expect(outcomes.map { $0["outcome"].string ?? "" } == ["failed", "answered"])
        #expect(outcomes.first?["detail"].string?.contains("PBX terminated the application session (sessionTimerExpired)") == true, "\(outcomes)")
        _ = try await Self.waitForLink(client, state: "up")
        #expect(running.daemon.log.contains("PBX terminated the application session (sessionTimerExpired)"))
    }

    @Test func theSessionIsRefreshedAtHalfTheGrantedDurationAndCallsStillGoThrough() async throws {
        // The PBX grants 2 s whatever was asked for; the session must be kept alive by the grant.
        let running = try await Self.start("escalation-session", grantedDuration: 2)
        defer { Task { await Self.stop(running) } }
        let (client, server) = (running.client, running.server)
        let started = ContinuousClock.now
        try await withTimeout(.seconds(6)) { await server.waitForRequests("ResetApplicationSessionTimer", count: 3) }
        // Three refreshes at about 1 s each: never later than the grant, never in a burst.
        #expect(ContinuousClock.now - started >= .milliseconds(2500))
        #expect(server.sessionsStarted == 1)
        server.script("401", .answers)
        _ = try await Self.setChain(client, #"{"delay":0,"numbers":["401"],"answerAcknowledges":true}"#)
        let id = try await Self.raise(client)
        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Finished")
        #expect(Self.makeCalls(server).map(\.1) == ["401"])
        _ = try await Self.waitForLink(client, state: "up")
    }

    @Test func uniTelNulFramingPlacesAndFollowsTheCall() async throws {
        let running = try await Self.start("escalation-unitel", grantedDuration: 20, uniTel: true)
        defer { Task { await Self.stop(running) } }
        let (client, server) = (running.client, running.server)
        let login = try #require(server.requestDocuments.first)
        #expect(login.contains("vendorData:userID"))
        #expect(login.contains("100.pbx.example"))
        #expect(!login.contains("SessionLoginInfo"))
        server.script("501", .busy)
        server.script("502", .answers)
        _ = try await Self.setChain(client, #"{"delay":0,"numbers":["501","502"],"answerAcknowledges":true}"#)
        let id = try await Self.raise(client)
        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Finished")
        #expect(Self.makeCalls(server).map(\.1) == ["501", "502"])
        // No FailedEvent reaches the daemon: the busy callee is known by the clearing's cause.
        let calls = try await Self.calls(client, alarm: id)
        #expect(calls.compactMap(\.outcome) == ["failed", "answered"])

        // Uni-tel ends an expired session and closes the connection; the daemon logs in again.
        server.terminateSessions(reason: "sessionTimerExpired", closing: true)
        try await withTimeout(.seconds(10)) { await server.waitForRequests("StartApplicationSession", count: 2) }
        _ = try await Self.waitForLink(client, state: "up")
        #expect(server.sessionsStarted == 2)
        #expect(running.daemon.log.contains("PBX terminated the application session (sessionTimerExpired)"))
        #expect(server.requestDocuments.filter { $0.contains("vendorData:userID") }.count == 2)
    }

    @Test func aBadChainIsRefusedNamingTheField() async throws {
        let running = try await Self.start("escalation-rest")
        defer { Task { await Self.stop(running) } }
        let client = running.client
        let groups = try await client.get("/api/groups")
        let id = try #require(groups.json["groups"].array.first { $0["number"].string == "40" }?["id"].int)
        let cases: [(String, String)] = [
            (#"{"delay":1,"noAnswerTime":2,"numbers":["1"]}"#, "escalation.noAnswerTime"),
            (#"{"delay":1,"numbers":["12a"]}"#, "escalation.numbers"),
            (#"{"delay":-1,"numbers":["1"]}"#, "escalation.delay"),
            (#"{"numbers":["1"]}"#, "escalation.delay"),
            (#"{"delay":1,"numbers":["1"],"ring":3}"#, "escalation.ring"),
            (#""soon""#, "escalation"),
        ]
        for (chain, field) in cases {
            let response = try await client.put("/api/groups/\(id)", #"{"escalation":\#(chain)}"#)
            #expect(response.status == 400, "\(chain)")
            #expect(response.json["error"]["field"].string == field, "\(chain): \(response.body)")
        }
        _ = try await Self.setChain(client, #"{"delay":5,"numbers":["*7#"]}"#)
        let removed = try await Self.setChain(client, "null")
        #expect(removed["escalation"] == .null)
    }
}

/// Runs `operation`, failing when it takes longer than `limit`.
private func withTimeout(_ limit: Duration, _ operation: @escaping @Sendable () async -> Void) async throws {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask { await operation(); return true }
        group.addTask { try await Task.sleep(for: limit); return false }
        let finished = try await group.next() ?? false
        group.cancelAll()
        if !finished { throw HarnessError("did not happen within \(limit)") }
    }
}
