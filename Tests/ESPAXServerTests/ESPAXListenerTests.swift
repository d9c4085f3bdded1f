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
        #expect(try client.login()["RSP-CODE"] == "200")
        let invokeID = client.send("REQ.P-START", [("CP-PR-REF", "nc-1"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "FIRE ZONE 12"), ("CP-PRIO", "Emergency")])
        let response = try client.expect("RSP.P-START")
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
        let started = try client.expect("IND.P-STARTED").document
        #expect(started.sessionID == client.sessionID)
        #expect(started["SP-PR-TAN"] == String(tan))
        #expect(started["CP-GROUPID"] == "0815")
        #expect(started["SP-STATUS"] == "Active")
        let ended = try client.expect("IND.P-ENDED")
        #expect(ended.frame.number == 0)
        #expect(ended.document["SP-ENDREASON"] == "Finished")
        #expect(ended.document["SP-RESULT"] == "None")
        #expect(ended.document["CP-PR-REF"] == "nc-1")
        #expect(ended.document["CP-GROUPID"] == "0815")
        #expect(server.links.all.contains { $0.kind == "espax" && $0.name.hasPrefix("NurseCall-1") && $0.counters["process_starts"] == 1 })
        try await server.stop()
    }

    @Test func refusalsBeforeLoginDuplicatesMissingTargetsAndUnknownGroups() async throws {
        let server = try await ServerHarness(settings: ServerHarness.settings(mode: .tracked))
        let client = try WireClient(port: server.port)
        client.send("REQ.HEARTBEAT", sessionID: "guess")
        #expect(try client.expect("RSP.HEARTBEAT").document["RSP-CODE"] == "407")
        _ = try client.login()
        client.send("REQ.P-START", [("CP-PR-REF", "dup"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "one")])
        let first = try client.expect("RSP.P-START").document
        #expect(first["RSP-CODE"] == "200")
        _ = try client.expect("IND.P-STARTED")
        client.send("REQ.P-START", [("CP-PR-REF", "dup"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "again")])
        var duplicate = try client.expect("IND.P-EVENT").document
        while duplicate.name != "RSP.P-START" { duplicate = try #require(try client.next()).document }
        #expect(duplicate["RSP-CODE"] == "450")
        #expect(duplicate["SP-PR-TAN"] == first["SP-PR-TAN"])
        client.send("REQ.P-START", [("CP-PR-REF", "none"), ("CP-TEXTMSG", "no target"), ("CP-PHONENO", "")])
        let missing = try client.expect("RSP.P-START").document
        #expect(missing["RSP-CODE"] == "400")
        #expect(missing["SP-PR-TAN"] == "0")
        client.send("REQ.P-START", [("CP-PR-REF", "lost"), ("CP-GROUPID", "4711"), ("CP-TEXTMSG", "unknown group")])
        let unknown = try client.expect("RSP.P-START").document
        #expect(unknown["RSP-CODE"] == "404")
        let technical = try #require(unknown["SP-PR-TAN"].flatMap { Int64($0) })
        #expect(try await server.journal.alarm(id: technical)?.request.target == .group("4711"))
        try await server.stop()
    }

    @Test func stopEndsTheAlarmAsClientAndAStoppedProcessIsGone() async throws {
        let server = try await ServerHarness(settings: ServerHarness.settings(mode: .tracked))
        let client = try WireClient(port: server.port)
        _ = try client.login()
        client.send("REQ.P-START", [("CP-PR-REF", "stop-me"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "x")])
        let tan = try #require(client.expect("RSP.P-START").document["SP-PR-TAN"])
        _ = try client.expect("IND.P-STARTED")
        let event = try client.expect("IND.P-EVENT").document
        #expect(event["SS-RESULT"] == "Reached")
        #expect(event["SS-NETW-NAME"] == "Anna")
        client.send("REQ.P-GETSTAT", [("CP-PR-REF", "stop-me")])
        #expect(try client.expect("RSP.P-GETSTAT").document["RSP-CODE"] == "200")
        let status = try client.expect("IND.P-STATUS").document
        #expect(status["SP-PR-TAN"] == tan)
        #expect(status["SP-STATUS"] == "Active")
        _ = try client.expect("IND.P-SYNC")
        client.send("REQ.P-STOP", [("CP-PR-REF", "stop-me"), ("CP-PR-MASK", "All")])
        #expect(try client.expect("RSP.P-STOP").document["RSP-CODE"] == "200")
        let ended = try client.expect("IND.P-ENDED").document
        #expect(ended["SP-ENDREASON"] == "Client")
        #expect(ended["SP-RESULT"] == "Positive")
        #expect(try await server.journal.alarm(id: Int64(tan)!)?.endReason == .client)
        client.send("REQ.P-STOP", [("SP-PR-TAN", tan), ("CP-PR-MASK", "All")])
        #expect(try client.expect("RSP.P-STOP").document["RSP-CODE"] == "410")
        try await server.stop()
    }

    @Test func badCredentialsCloseAndRepeatedFailuresAreSlowedDown() async throws {
        let server = try await ServerHarness()
        let first = try WireClient(port: server.port)
        let started = ContinuousClock.now
        #expect(try first.login(password: "wrong1")["RSP-CODE"] == "401")
        #expect(try first.closes())
        let firstTook = started.duration(to: .now)
        let second = try WireClient(port: server.port)
        let secondStart = ContinuousClock.now
        #expect(try second.login(password: "wrong2")["RSP-CODE"] == "401")
        #expect(secondStart.duration(to: .now) >= .milliseconds(300))
        #expect(firstTook < .milliseconds(300))
        let third = try WireClient(port: server.port)
        let thirdStart = ContinuousClock.now
        #expect(try third.login()["RSP-CODE"] == "200")
        #expect(thirdStart.duration(to: .now) >= .milliseconds(600))
        try await server.stop()
    }

    @Test func aFullTableEvictsTheOldestConnectionThatHasNotLoggedIn() async throws {
        let server = try await ServerHarness(settings: ServerHarness.settings(maximumConnections: 3))
        let idle = try (0..<3).map { _ in try WireClient(port: server.port) }
        // The third idle connection is admitted before the real client arrives.
        idle[2].send("REQ.S-CONDITION", sessionID: "x")
        _ = try idle[2].expect("RSP.S-CONDITION")
        let client = try WireClient(port: server.port)
        #expect(try idle[0].closes())
        #expect(try client.login()["RSP-CODE"] == "200")
        client.send("REQ.S-CONDITION")
        let condition = try client.expect("RSP.S-CONDITION").document
        #expect(condition["RSP-CODE"] == "200")
        #expect(condition["S-HEALTH"] == "OK")
        try await server.stop()
    }

    @Test func hostileFramesClose600AndBadXMLStaysUpWith601() async throws {
        let server = try await ServerHarness()
        let huge = try WireClient(port: server.port)
        huge.write([0x45, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        let error = try huge.expect("IND.ERROR").document
        #expect(error["RSP-CODE"] == "600")
        #expect(try huge.closes())
        let garbage = try WireClient(port: server.port)
        garbage.write(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(try garbage.expect("IND.ERROR").document["RSP-CODE"] == "600")
        #expect(try garbage.closes())
        let sloppy = try WireClient(port: server.port)
        _ = try sloppy.login()
        sloppy.write(EXFrame(number: 7, body: Array("<ESPA-X><REQ.HEARTBEAT".utf8)).bytes)
        let notWellFormed = try sloppy.expect("IND.ERROR")
        #expect(notWellFormed.document["RSP-CODE"] == "601")
        #expect(notWellFormed.frame.number == 7)
        sloppy.send("REQ.HEARTBEAT")
        #expect(try sloppy.expect("RSP.HEARTBEAT").document["RSP-CODE"] == "200")
        try await server.stop()
    }

    @Test func silentSessionsExpireLogoutClosesAndShutdownSendsTheCommand() async throws {
        let server = try await ServerHarness(settings: ServerHarness.settings(heartbeat: .seconds(1)))
        let silent = try WireClient(port: server.port)
        _ = try silent.login()
        let loggedIn = ContinuousClock.now
        #expect(try silent.closes(timeout: .seconds(5)))
        #expect(loggedIn.duration(to: .now) >= .milliseconds(900))
        let leaving = try WireClient(port: server.port)
        _ = try leaving.login()
        leaving.send("REQ.LOGOUT", [("LO-REASON", "Normal")])
        #expect(try leaving.expect("RSP.LOGOUT").document["RSP-CODE"] == "200")
        #expect(try leaving.closes())
        let staying = try WireClient(port: server.port)
        _ = try staying.login()
        await server.group.triggerGracefulShutdown()
        let command = try staying.expect("CMD.SHUTDOWN").document
        #expect(command.sessionID == staying.sessionID)
        #expect(command["SD-REASON"] == "Normal")
        #expect(try staying.closes())
        try await server.stop()
    }
}
