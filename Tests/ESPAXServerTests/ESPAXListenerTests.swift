import Alarming
import ESPAX
@testable import ESPAXServer
import ServiceLifecycle
import Testing

/// The listener on real sockets over an in-memory journal: login, the process family in both
/// reporting modes, the caps, the throttle and hostile input.
@Suite(.timeLimit(.minutes(2)))
struct ESPAXListenerTests {
    @Test func processStartIsAnsweredAfterTheJournalWithTheAlarmIDThenStartedAndEnded() async throws {
        let server = try await ServerHarness()
        let client = try WireClient(port: server.port)
        #expect(try await client.login()["RSP-CODE"] == "200")
        let invokeID = client.send("REQ.P-START", [("CP-PR-REF", "nc-1"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "FIRE ZONE 12"), ("CP-PRIO", "Emergency")])
        let response = try await client.expect("RSP.P-START")
        #expect(response.document["RSP-CODE"] == "200")
        #expect(response.document.invokeID == invokeID)
        #expect(response.frame.number == UInt32(invokeID))
        #expect(response.document["CP-PR-REF"] == "nc-1")
        let tan = try #require(response.document["SP-PR-TAN"].flatMap { Int64($0) })
        // Journalled before the answer: the journal already holds it with the request's fields.
        let journalled = try #require(try await server.journal.alarm(id: tan))
        #expect(journalled.request.source == AlarmSource(kind: .espax, name: "NurseCall-1"))
        #expect(journalled.request.sourceReference == "nc-1")
        #expect(journalled.request.target == .group("0815"))
        #expect(journalled.request.text == "FIRE ZONE 12")
        #expect(journalled.request.priority == .emergency)
        let started = try await client.expect("IND.P-STARTED").document
        #expect(started.sessionID == client.sessionID)
        #expect(started["SP-PR-TAN"] == String(tan))
        #expect(started["CP-GROUPID"] == "0815")
        #expect(started["SP-STATUS"] == "Active")
        let ended = try await client.expect("IND.P-ENDED")
        #expect(ended.frame.number == 0)
        #expect(ended.document["SP-ENDREASON"] == "Finished")
        #expect(ended.document["SP-RESULT"] == "None")
        #expect(ended.document["CP-PR-REF"] == "nc-1")
        #expect(ended.document["CP-GROUPID"] == "0815")
        #expect(server.links.all.contains { $0.kind == "espax" && $0.name.hasPrefix("NurseCall-1") && $0.counters["process_starts"] == 1 })
        try await server.stop()
    }

    @Test func eventsOfProcessesOfAClosedConnectionLeaveNothingBehind() async throws {
        // A client that reconnects leaves its processes running without a session to report to.
        // Their later events (acknowledged, ended) must not be kept as snapshots of processes still
        // starting: with tens of thousands of such alarms, every event scanned them all.
        let server = try await ServerHarness()
        var tans: [Int64] = []
        // Another session's processes stay tracked when the first connection closes.
        let other = try WireClient(port: server.port)
        #expect(try await other.login()["RSP-CODE"] == "200")
        for index in 0..<3 {
            _ = other.send("REQ.P-START", [("CP-PR-REF", "other-\(index)"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "Room \(index)")])
            _ = try await other.expect("RSP.P-START")
            _ = try await other.expect("IND.P-STARTED")
            _ = try await other.expect("IND.P-ENDED")
        }
        do {
            let client = try WireClient(port: server.port)
            #expect(try await client.login()["RSP-CODE"] == "200")
            for index in 0..<20 {
                let fields = index.isMultiple(of: 2) ? [("CP-PR-REF", "nc-\(index)")] : []
                _ = client.send("REQ.P-START", fields + [("CP-GROUPID", "0815"), ("CP-TEXTMSG", "Bed \(index)")])
                let response = try await client.expect("RSP.P-START")
                tans.append(try #require(response.document["SP-PR-TAN"].flatMap { Int64($0) }))
                _ = try await client.expect("IND.P-STARTED")
                _ = try await client.expect("IND.P-ENDED")
            }
            #expect(server.listener.desk.trackedCount == 23)
        }
        // The connection is closed; the desk forgets its processes, the alarms go on.
        let deadline = ContinuousClock.now + .seconds(5)
        while server.listener.desk.trackedCount > 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.listener.desk.trackedCount == 3)
        // The other session's process is still its own: a stop reports no second IND.P-ENDED.
        _ = other.send("REQ.P-STOP", [("CP-PR-REF", "other-0")])
        #expect(try await other.expect("RSP.P-STOP").document["RSP-CODE"] == "200")
        other.send("REQ.HEARTBEAT")
        _ = try await other.expect("RSP.HEARTBEAT")
        #expect(server.listener.desk.trackedCount == 2)
        other.disconnect()
        let otherGone = ContinuousClock.now + .seconds(5)
        while server.listener.desk.trackedCount > 0, ContinuousClock.now < otherGone { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.listener.desk.trackedCount == 0)
        for tan in tans { _ = try await server.alarms.acknowledge(tan, by: "Nurse Anna") }
        #expect(try await server.journal.alarm(id: tans[19])?.state == .ended)
        // The desk reads the events on its own task: give it the time to have seen them all.
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.listener.desk.earlySnapshotCount == 0)
        try await server.stop()
    }

    /// Two P-STARTs with one reference sent back to back race in the server: one is raised, the
    /// other refused with 450 (naming the running process, or 0 while it is still being raised).
    @Test func aReferenceSentTwiceAtOnceIsRaisedOnce() async throws {
        let server = try await ServerHarness(settings: ServerHarness.settings(mode: .tracked))
        let client = try WireClient(port: server.port)
        _ = try await client.login()
        client.send("REQ.P-START", [("CP-PR-REF", "twice"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "one")])
        client.send("REQ.P-START", [("CP-PR-REF", "twice"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "two")])
        let answers = [
            try await client.expect("RSP.P-START", skippingIndications: true).document,
            try await client.expect("RSP.P-START", skippingIndications: true).document,
        ]
        #expect(answers.map { $0["RSP-CODE"] ?? "" }.sorted() == ["200", "450"])
        let raised = try #require(answers.first { $0["RSP-CODE"] == "200" }?["SP-PR-TAN"])
        let refused = try #require(answers.first { $0["RSP-CODE"] == "450" })
        #expect(refused["SP-PR-TAN"] == raised || refused["SP-PR-TAN"] == "0")
        #expect(refused["CP-PR-REF"] == "twice")
        let journalled = try await server.journal.alarms(matching: AlarmQuery())
        #expect(journalled.filter { $0.request.sourceReference == "twice" }.count == 1)
        try await server.stop()
    }

    @Test func refusalsBeforeLoginDuplicatesMissingTargetsAndUnknownGroups() async throws {
        let server = try await ServerHarness(settings: ServerHarness.settings(mode: .tracked))
        let client = try WireClient(port: server.port)
        client.send("REQ.HEARTBEAT", sessionID: "guess")
        #expect(try await client.expect("RSP.HEARTBEAT").document["RSP-CODE"] == "407")
        _ = try await client.login()
        client.send("REQ.P-START", [("CP-PR-REF", "dup"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "one")])
        let first = try await client.expect("RSP.P-START").document
        #expect(first["RSP-CODE"] == "200")
        _ = try await client.expect("IND.P-STARTED")
        client.send("REQ.P-START", [("CP-PR-REF", "dup"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "again")])
        let duplicate = try await client.expect("RSP.P-START", skippingIndications: true).document
        #expect(duplicate["RSP-CODE"] == "450")
        #expect(duplicate["SP-PR-TAN"] == first["SP-PR-TAN"])
        client.send("REQ.P-START", [("CP-PR-REF", "none"), ("CP-TEXTMSG", "no target"), ("CP-PHONENO", "")])
        let missing = try await client.expect("RSP.P-START", skippingIndications: true).document
        #expect(missing["RSP-CODE"] == "400")
        #expect(missing["SP-PR-TAN"] == "0")
        client.send("REQ.P-START", [("CP-PR-REF", "lost"), ("CP-GROUPID", "4711"), ("CP-TEXTMSG", "unknown group")])
        let unknown = try await client.expect("RSP.P-START", skippingIndications: true).document
        #expect(unknown["RSP-CODE"] == "404")
        let technical = try #require(unknown["SP-PR-TAN"].flatMap { Int64($0) })
        #expect(try await server.journal.alarm(id: technical)?.request.target == .group("4711"))
        try await server.stop()
    }

    @Test func stopEndsTheAlarmAsClientAndAStoppedProcessIsGone() async throws {
        let server = try await ServerHarness(settings: ServerHarness.settings(mode: .tracked))
        let client = try WireClient(port: server.port)
        _ = try await client.login()
        client.send("REQ.P-START", [("CP-PR-REF", "stop-me"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "x")])
        let tan = try #require(try await client.expect("RSP.P-START").document["SP-PR-TAN"])
        _ = try await client.expect("IND.P-STARTED")
        let event = try await client.expect("IND.P-EVENT").document
        #expect(event["SS-RESULT"] == "Reached")
        #expect(event["SS-NETW-NAME"] == "Anna")
        client.send("REQ.P-GETSTAT", [("CP-PR-REF", "stop-me")])
        #expect(try await client.expect("RSP.P-GETSTAT").document["RSP-CODE"] == "200")
        let status = try await client.expect("IND.P-STATUS").document
        #expect(status["SP-PR-TAN"] == tan)
        #expect(status["SP-STATUS"] == "Active")
        _ = try await client.expect("IND.P-SYNC")
        client.send("REQ.P-STOP", [("CP-PR-REF", "stop-me"), ("CP-PR-MASK", "All")])
        #expect(try await client.expect("RSP.P-STOP").document["RSP-CODE"] == "200")
        let ended = try await client.expect("IND.P-ENDED").document
        #expect(ended["SP-ENDREASON"] == "Client")
        #expect(ended["SP-RESULT"] == "Positive")
        #expect(try await server.journal.alarm(id: Int64(tan)!)?.endReason == .client)
        client.send("REQ.P-STOP", [("SP-PR-TAN", tan), ("CP-PR-MASK", "All")])
        #expect(try await client.expect("RSP.P-STOP").document["RSP-CODE"] == "410")
        try await server.stop()
    }

    @Test func badCredentialsCloseAndRepeatedFailuresAreSlowedDown() async throws {
        let server = try await ServerHarness()
        let first = try WireClient(port: server.port)
        let started = ContinuousClock.now
        #expect(try await first.login(password: "wrong1")["RSP-CODE"] == "401")
        #expect(try await first.closes())
        let firstTook = started.duration(to: .now)
        let second = try WireClient(port: server.port)
        let secondStart = ContinuousClock.now
        #expect(try await second.login(password: "wrong2")["RSP-CODE"] == "401")
        #expect(secondStart.duration(to: .now) >= .milliseconds(300))
        #expect(firstTook < .milliseconds(300))
        let third = try WireClient(port: server.port)
        let thirdStart = ContinuousClock.now
        #expect(try await third.login()["RSP-CODE"] == "200")
        #expect(thirdStart.duration(to: .now) >= .milliseconds(600))
        try await server.stop()
    }

    @Test func aFullTableEvictsTheOldestConnectionThatHasNotLoggedIn() async throws {
        let server = try await ServerHarness(settings: ServerHarness.settings(maximumConnections: 3))
        // One round trip each, so the server has admitted them in this order.
        var idle: [WireClient] = []
        for _ in 0..<3 {
            let connection = try WireClient(port: server.port)
            connection.send("REQ.S-CONDITION", sessionID: "x")
            #expect(try await connection.expect("RSP.S-CONDITION").document["RSP-CODE"] == "407")
            idle.append(connection)
        }
        let client = try WireClient(port: server.port)
        #expect(try await idle[0].closes())
        #expect(try await client.login()["RSP-CODE"] == "200")
        client.send("REQ.S-CONDITION")
        let condition = try await client.expect("RSP.S-CONDITION").document
        #expect(condition["RSP-CODE"] == "200")
        #expect(condition["S-HEALTH"] == "OK")
        try await server.stop()
    }

    @Test func hostileFramesClose600AndBadXMLStaysUpWith601() async throws {
        let server = try await ServerHarness()
        let huge = try WireClient(port: server.port)
        huge.write([0x45, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        let error = try await huge.expect("IND.ERROR").document
        #expect(error["RSP-CODE"] == "600")
        #expect(try await huge.closes())
        let garbage = try WireClient(port: server.port)
        garbage.write(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(try await garbage.expect("IND.ERROR").document["RSP-CODE"] == "600")
        #expect(try await garbage.closes())
        let sloppy = try WireClient(port: server.port)
        _ = try await sloppy.login()
        sloppy.write(EXFrame(number: 7, body: Array("<ESPA-X><REQ.HEARTBEAT".utf8)).bytes)
        let notWellFormed = try await sloppy.expect("IND.ERROR")
        #expect(notWellFormed.document["RSP-CODE"] == "601")
        #expect(notWellFormed.frame.number == 7)
        sloppy.send("REQ.HEARTBEAT")
        #expect(try await sloppy.expect("RSP.HEARTBEAT").document["RSP-CODE"] == "200")
        try await server.stop()
    }

    @Test func silentSessionsExpireLogoutClosesAndShutdownSendsTheCommand() async throws {
        let server = try await ServerHarness(settings: ServerHarness.settings(heartbeat: .seconds(1)))
        let silent = try WireClient(port: server.port)
        _ = try await silent.login()
        let loggedIn = ContinuousClock.now
        #expect(try await silent.closes(timeout: .seconds(5)))
        #expect(loggedIn.duration(to: .now) >= .milliseconds(900))
        let leaving = try WireClient(port: server.port)
        _ = try await leaving.login()
        leaving.send("REQ.LOGOUT", [("LO-REASON", "Normal")])
        #expect(try await leaving.expect("RSP.LOGOUT").document["RSP-CODE"] == "200")
        #expect(try await leaving.closes())
        let staying = try WireClient(port: server.port)
        _ = try await staying.login()
        await server.group.triggerGracefulShutdown()
        let command = try await staying.expect("CMD.SHUTDOWN").document
        #expect(command.sessionID == staying.sessionID)
        #expect(command["SD-REASON"] == "Normal")
        #expect(try await staying.closes())
        try await server.stop()
    }
}
