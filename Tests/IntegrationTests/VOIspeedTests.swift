#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import TocsinTestKit

/// The built daemon with `[voispeed]` pointed at a fake VOIspeed PBX: SMS to a phone whose driver
/// is `voispeed-sms`, escalation calls placed with `srv=0`, followed with `srv=3&info=7` and
/// cleared with `srv=1`, a PBX that refuses, is slow or is gone, and the configuration's checks.
/// Every request is asserted as the exact query string on the wire.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct VOIspeedTests {
    static func configuration(pbx: FakeVOIspeedPBX, pollIntervalMs: Int = 200, extra: String = "") -> String {
        DaemonTests.configuration() + """

        [voispeed]
        enabled = true
        name = "vs"
        base_url = "\(pbx.baseURL)"
        timeout_ms = 1000
        supervision_seconds = 1
        connect_to = "900"
        callee_interface = "SIP"
        poll_interval_ms = \(pollIntervalMs)
        sms_sender = "202"
        sms_sender_name = "Tocsin"
        sms_max_attempts = 2
        \(extra)
        """
    }

    struct Running {
        var daemon: DaemonProcess
        var client: RESTClient
        var pbx: FakeVOIspeedPBX
        var receiver: WebhookReceiver
    }

    /// A daemon with the PBX answering, a technical group 999 and a group 40 with one webhook phone.
    static func start(_ name: String, pollIntervalMs: Int = 200, extra: String = "") async throws -> Running {
        let pbx = try await FakeVOIspeedPBX()
        let receiver = try await WebhookReceiver()
        let folder = try makeTemporaryFolder(name)
        try writeFile(folder + "/tocsin.toml", configuration(pbx: pbx, pollIntervalMs: pollIntervalMs, extra: extra))
        let daemon = DaemonProcess(folder: folder)
        try daemon.start(["run", "--config", "tocsin.toml"])
        let client = RESTClient(port: try await daemon.waitForPort())
        try await DaemonTests.makeGroup(client, number: "999", receiver: receiver, paths: ["/engineer"])
        try await DaemonTests.makeGroup(client, number: "40", receiver: receiver, paths: ["/ward4"])
        return Running(daemon: daemon, client: client, pbx: pbx, receiver: receiver)
    }

    static func stop(_ running: Running) async {
        running.daemon.stop()
        await running.pbx.close()
        await running.receiver.close()
    }

    static func link(_ client: RESTClient, state: String) async throws -> JSONValue {
        let links = try await client.waitFor("/api/links") { body in
            body["links"].array.contains { $0["kind"].string == "voispeed" && $0["name"].string == "vs" && $0["state"].string == state }
        }
        return links["links"].array.first { $0["kind"].string == "voispeed" } ?? .null
    }

    /// A group of SMS phones, one member each.
    static func smsGroup(_ client: RESTClient, number: String, addresses: [String]) async throws -> [Int] {
        var members: [Int] = []
        var phones: [Int] = []
        for (index, address) in addresses.enumerated() {
            let phone = try await client.create("/api/phones", #"{"name":"Mobile \#(number)-\#(index)","driver":"voispeed-sms","address":"\#(address)"}"#)
            phones.append(try #require(phone["id"].int))
            let member = try await client.create("/api/members", #"{"userName":"s\#(number)-\#(index)","name":"Nurse \#(number)-\#(index)","phoneId":\#(phones.last!)}"#)
            members.append(try #require(member["id"].int))
        }
        _ = try await client.create("/api/groups", #"{"number":"\#(number)","name":"SMS \#(number)","members":[\#(members.map(String.init).joined(separator: ","))],"rule":"any","repetitions":0,"repeatInterval":2}"#)
        return phones
    }

    // MARK: - SMS

    @Test func anAlarmGoesOutAsAnSMSWithTheExactQuery() async throws {
        let running = try await Self.start("voispeed-sms")
        defer { Task { await Self.stop(running) } }
        let (client, pbx) = (running.client, running.pbx)
        pbx.scriptSMS("299", result: 24)
        _ = try await Self.smsGroup(client, number: "60", addresses: ["+39 333 123-4567", "299"])
        let created = try await client.post("/api/alarms", #"{"group":"60","text":"Room 4: fall detected, bed 2","priority":"emergency"}"#)
        #expect(created.status == 201)
        let id = try #require(created.json["id"].int)
        let alarm = try await client.waitFor("/api/alarms/\(id)") { body in
            body["deliveries"].array.count == 2 && body["deliveries"].array.allSatisfy { $0["status"].string == "queued" || $0["status"].string == "failed" }
        }
        let deliveries = alarm["deliveries"].array
        let mobile = try #require(deliveries.first { $0["address"].string == "+39 333 123-4567" })
        #expect(mobile["driver"].string == "voispeed-sms")
        #expect(mobile["status"].string == "queued")
        #expect(mobile["lastOutcome"].string == "queued: the VOIspeed PBX took the SMS for +393331234567 (result=0); it reports no delivery to the handset")
        let unknown = try #require(deliveries.first { $0["address"].string == "299" })
        #expect(unknown["status"].string == "failed")
        // A final refusal is not tried again.
        #expect(unknown["attempts"].int == 1)
        #expect(unknown["lastOutcome"].string?.contains("result=24 (user not found)") == true)
        #expect(Set(pbx.queries(srv: 5)) == [
            "srv=5&recipient=%2B393331234567&body=EMERGENCY%3A%20Room%204%3A%20fall%20detected%2C%20bed%202&sender=202&info=Tocsin",
            "srv=5&recipient=299&body=EMERGENCY%3A%20Room%204%3A%20fall%20detected%2C%20bed%202&sender=202&info=Tocsin",
        ])
        #expect(alarm["state"].string == "delivered")
        let up = try await Self.link(client, state: "up")
        #expect((up["counters"]["sms"].int ?? 0) == 2)
        // Without events_from there is no A.N.S. URL.
        #expect(try await client.get("/voispeed/events?event=5&call_id=1").status == 404)
    }

    @Test func aSlowPBXTimesOutAndIsTriedAgainThenRaisesATechnicalAlarm() async throws {
        let running = try await Self.start("voispeed-slow")
        defer { Task { await Self.stop(running) } }
        let (client, pbx) = (running.client, running.pbx)
        _ = try await Self.link(client, state: "up")
        _ = try await Self.smsGroup(client, number: "61", addresses: ["333444"])
        pbx.set(.silent)
        let created = try await client.post("/api/alarms", #"{"group":"61","text":"Room 6","priority":"high"}"#)
        let id = try #require(created.json["id"].int)
        let failed = try await client.waitFor("/api/alarms/\(id)") { $0["deliveries"][0]["status"].string == "failed" && $0["state"].string == "ended" }
        // sms_max_attempts = 2, each bounded by timeout_ms = 1000.
        #expect(failed["deliveries"][0]["attempts"].int == 2)
        #expect(failed["deliveries"][0]["lastOutcome"].string == "failed after 2 attempts: SMS to 333444: no answer from the VOIspeed PBX at \(pbx.baseURL) within 1000 ms")
        #expect(failed["state"].string == "ended")
        #expect(failed["endReason"].string == "Failure")
        // Supervision (every second) takes the link down and raises voispeed:vs after two failures.
        let down = try await Self.link(client, state: "down")
        #expect(down["detail"].string?.contains("within 1000 ms") == true)
        let technical = try await client.waitFor("/api/alarms?limit=500") { body in
            body["alarms"].array.contains { $0["reference"].string == "voispeed:vs" && $0["state"].string != "ended" }
        }
        let alarm = try #require(technical["alarms"].array.first { $0["reference"].string == "voispeed:vs" })
        #expect(alarm["group"].string == "999")
        #expect(alarm["text"].string?.hasPrefix("The VOIspeed PBX vs cannot be used: no answer from the VOIspeed PBX at") == true)
        // The PBX answers again: the link comes up and the technical alarm ends.
        pbx.set(.normal)
        _ = try await Self.link(client, state: "up")
        let technicalID = try #require(alarm["id"].int)
        let cleared = try await client.waitFor("/api/alarms/\(technicalID)") { $0["state"].string == "ended" }
        #expect(cleared["endReason"].string == "Finished")
    }

    @Test func aPBXThatRefusesTheInterfaceShowsOnTheLink() async throws {
        let running = try await Self.start("voispeed-45")
        defer { Task { await Self.stop(running) } }
        let (client, pbx) = (running.client, running.pbx)
        pbx.set(.refusing(45))
        let down = try await Self.link(client, state: "down")
        #expect(down["detail"].string == "the VOIspeed PBX at \(pbx.baseURL) refused to ask information about the PBX status: result=45 (no capability to use this interface); allow Tocsin (its address, or the user) to use the PBX's HTTP interface")
        #expect(pbx.queries.allSatisfy { $0 == "srv=3&info=7" })
    }

    // MARK: - Escalation calls

    @Test func anUnansweredCallIsClearedAndTheNextNumberAnswers() async throws {
        let running = try await Self.start("voispeed-chain")
        defer { Task { await Self.stop(running) } }
        let (client, pbx) = (running.client, running.pbx)
        pbx.script("101", .neverAnswers)
        pbx.script("102", .answers(after: .seconds(1)))
        _ = try await EscalationTests.setChain(client, #"{"delay":0,"noAnswerTime":5,"numbers":["101","102"]}"#)
        let id = try await EscalationTests.raise(client)
        try await pbx.waitFor(srv: 0, count: 2, timeout: .seconds(20))
        // 101 rings for T2 = 5 s from the PBX's answer; then Tocsin clears it and calls 102.
        let placings = pbx.requests.filter { $0.srv == 0 }.map(\.at)
        #expect(placings[1] - placings[0] >= .seconds(5))
        let reached = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "delivered" && $0["endReason"] == .null }
        #expect(reached["state"].string == "delivered")

        let calls = pbx.queries.filter { !$0.hasPrefix("srv=3") }
        #expect(calls == [
            "srv=0&first_number=101&second_number=900&first_interface=SIP&timeout=10",
            "srv=1&call_id=12345",
            "srv=0&first_number=102&second_number=900&first_interface=SIP&timeout=10",
        ])
        // Between placing 101 and clearing it Tocsin polled the current calls (every 200 ms, and
        // supervision's once a second): 5 s of ringing take many polls.
        let queries = pbx.queries
        let placed = try #require(queries.firstIndex(of: "srv=0&first_number=101&second_number=900&first_interface=SIP&timeout=10"))
        let cleared = try #require(queries.firstIndex(of: "srv=1&call_id=12345"))
        #expect(queries[placed..<cleared].filter { $0 == "srv=3&info=7" }.count >= 15)
        #expect(pbx.listedCalls == ["12346"])

        let journal = try await EscalationTests.calls(client, alarm: id)
        #expect(journal.map(\.kind) == ["call", "call-outcome", "call", "call-outcome"])
        #expect(journal.map(\.number) == ["101", "101", "102", "102"])
        #expect(journal.compactMap(\.outcome) == ["no-answer", "answered"])
        let entries = try await client.get("/api/alarms/\(id)/journal").json["entries"].array.filter { $0["kind"].string == "call-outcome" }
        #expect(entries.first?["detail"].string == "call 12345 to 101 rang 5 s without an answer (last seen ringing (status 2)); Tocsin cleared it")
        #expect(entries.last?["detail"].string?.hasPrefix("call 12346 to 102 answered after ") == true)
        let up = try await Self.link(client, state: "up")
        #expect(up["counters"]["calls"].int == 2)
        #expect(up["counters"]["answered"].int == 1)
        #expect(up["counters"]["no-answer"].int == 1)
    }

    @Test func anAnswerThatAcknowledgesEndsTheAlarm() async throws {
        let running = try await Self.start("voispeed-answer")
        defer { Task { await Self.stop(running) } }
        let (client, pbx) = (running.client, running.pbx)
        pbx.script("401", .answers(after: .milliseconds(500)))
        _ = try await EscalationTests.setChain(client, #"{"delay":1,"noAnswerTime":30,"numbers":["401"],"answerAcknowledges":true}"#)
        let raised = ContinuousClock.now
        let id = try await EscalationTests.raise(client)
        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ContinuousClock.now - raised >= .seconds(1))
        #expect(ended["endReason"].string == "Finished")
        #expect(ended["acknowledgedBy"].string == "401")
        #expect(pbx.queries(srv: 0) == ["srv=0&first_number=401&second_number=900&first_interface=SIP&timeout=35"])
        // An answered call stays up: the callee is put through to 900.
        #expect(pbx.queries(srv: 1).isEmpty)
        #expect(pbx.listedCalls == ["12345"])
    }

    @Test func anAcknowledgementDuringRingingClearsTheCall() async throws {
        let running = try await Self.start("voispeed-ack")
        defer { Task { await Self.stop(running) } }
        let (client, pbx) = (running.client, running.pbx)
        pbx.script("201", .neverAnswers)
        _ = try await EscalationTests.setChain(client, #"{"delay":0,"noAnswerTime":60,"numbers":["201","202"]}"#)
        let id = try await EscalationTests.raise(client)
        try await pbx.waitFor(srv: 3, count: 2)
        _ = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "escalating" }
        let acknowledged = try await client.post("/api/alarms/\(id)/acknowledge", #"{"by":"Nurse Anna"}"#)
        #expect(acknowledged.status == 200)
        let at = ContinuousClock.now
        // Cleared long before T2 (60 s).
        try await pbx.waitFor(srv: 1, timeout: .seconds(10))
        #expect(ContinuousClock.now - at < .seconds(5))
        #expect(pbx.queries(srv: 1) == ["srv=1&call_id=12345"])
        #expect(pbx.queries(srv: 0) == ["srv=0&first_number=201&second_number=900&first_interface=SIP&timeout=65"])
        #expect(pbx.listedCalls.isEmpty)
        let journal = try await client.waitFor("/api/alarms/\(id)/journal") { body in
            body["entries"].array.contains { $0["kind"].string == "call-outcome" }
        }
        let outcome = try #require(journal["entries"].array.first { $0["kind"].string == "call-outcome" })
        #expect(outcome["number"].string == "201")
        #expect(outcome["outcome"].string == "cancelled")
    }

    @Test func refusedAndRungOutCallsExhaustTheChain() async throws {
        let running = try await Self.start("voispeed-exhausted")
        defer { Task { await Self.stop(running) } }
        let (client, pbx) = (running.client, running.pbx)
        pbx.script("301", .refused(24))
        pbx.script("302", .ringsOut(after: .milliseconds(1500)))
        pbx.script("303", .neverListed)
        _ = try await EscalationTests.setChain(client, #"{"delay":0,"noAnswerTime":5,"numbers":["301","302","303"],"answerAcknowledges":true}"#)
        let id = try await EscalationTests.raise(client)
        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Failure")
        #expect(pbx.queries(srv: 0) == [
            "srv=0&first_number=301&second_number=900&first_interface=SIP&timeout=10",
            "srv=0&first_number=302&second_number=900&first_interface=SIP&timeout=10",
            "srv=0&first_number=303&second_number=900&first_interface=SIP&timeout=10",
        ])
        // Nothing was left to clear: 301 never started, 302 and 303 were gone already.
        #expect(pbx.queries(srv: 1).isEmpty)
        let entries = try await client.get("/api/alarms/\(id)/journal").json["entries"].array.filter { $0["kind"].string == "call-outcome" }
        #expect(entries.compactMap { $0["outcome"].string } == ["failed", "no-answer", "failed"])
        #expect(entries[0]["detail"].string == "the PBX refused to place a call between two party numbers: result=24 (user not found); the PBX has no user with this number; check the phone's address or the extension")
        #expect(entries[1]["detail"].string == "call 12345 to 302 ended without an answer (last seen ringing (status 2))")
        #expect(entries[2]["detail"].string == "the PBX never listed call 12346 to 303 among its current calls: it did not get through (busy, unreachable or refused)")
        let technical = try await client.waitFor("/api/alarms?limit=500") { body in
            body["alarms"].array.contains { $0["reference"].string == "undeliverable:\(id)" }
        }
        #expect(technical["alarms"].array.contains { $0["reference"].string == "undeliverable:\(id)" && $0["group"].string == "999" })
    }

    @Test func anANSAnswerIsSeenAtOnceWithoutWaitingForAPoll() async throws {
        // Polls every 10 s: only the event can tell the answer within the test's few seconds.
        let running = try await Self.start("voispeed-ans", pollIntervalMs: 10_000, extra: #"events_from = ["127.0.0.1"]"#)
        defer { Task { await Self.stop(running) } }
        let (client, pbx) = (running.client, running.pbx)
        pbx.script("601", .neverAnswers)
        _ = try await EscalationTests.setChain(client, #"{"delay":0,"noAnswerTime":30,"numbers":["601"],"answerAcknowledges":true}"#)
        let id = try await EscalationTests.raise(client)
        try await pbx.waitFor(srv: 0)
        _ = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "escalating" }
        // Not an event, and an event about another call: taken or refused, and nothing changes.
        let bad = try await client.get("/voispeed/events?key=1&event=five")
        #expect(bad.status == 400)
        #expect(bad.body == "Bad event: event=\"five\" is not an A.N.S. event number\n")
        #expect(try await client.get("/voispeed/events?key=2&event=5&call_id=99999&result=0&final=1").status == 200)
        let sent = ContinuousClock.now
        let answered = try await client.get("/voispeed/events?key=3&event=5&datetime=20261123101500000&interface=SIP&call_id=12345&result=0&final=1&connected_number=601&info=")
        #expect(answered.status == 200)
        #expect(answered.body == "OK\n")
        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ContinuousClock.now - sent < .seconds(5))
        #expect(ended["endReason"].string == "Finished")
        #expect(ended["acknowledgedBy"].string == "601")
        let entries = try await client.get("/api/alarms/\(id)/journal").json["entries"].array.filter { $0["kind"].string == "call-outcome" }
        #expect(entries.first?["outcome"].string == "answered")
        #expect(entries.first?["detail"].string?.hasSuffix("(A.N.S. call answered event)") == true)
        #expect(pbx.queries(srv: 1).isEmpty)
    }

    @Test func eventsFromAnyoneButThePBXAreRefused() async throws {
        let running = try await Self.start("voispeed-ans-403", extra: #"events_from = ["192.0.2.1"]"#)
        defer { Task { await Self.stop(running) } }
        let refused = try await running.client.get("/voispeed/events?key=1&event=5&call_id=12345&result=0&final=1")
        #expect(refused.status == 403)
        #expect(refused.body == "Forbidden: only the PBX may send events here\n")
    }

    @Test func anUnreachablePBXFailsEachCall() async throws {
        let running = try await Self.start("voispeed-gone")
        defer { Task { await Self.stop(running) } }
        let (client, pbx) = (running.client, running.pbx)
        let base = pbx.baseURL
        await pbx.close()
        _ = try await EscalationTests.setChain(client, #"{"delay":0,"noAnswerTime":5,"numbers":["501"]}"#)
        let id = try await EscalationTests.raise(client)
        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Failure")
        let entries = try await client.get("/api/alarms/\(id)/journal").json["entries"].array.filter { $0["kind"].string == "call-outcome" }
        // The daemon's HTTP client may still be waiting out its reconnect backoff when the
        // deadline comes, so the refusal can show as the deadline instead.
        let detail = try #require(entries.first?["detail"].string)
        #expect(detail == "the call to 501 could not be placed: connection refused by the VOIspeed PBX at \(base)"
            || detail == "the call to 501 could not be placed: no answer from the VOIspeed PBX at \(base) within 1000 ms", "\(detail)")
        let links = try await client.waitFor("/api/links") { body in
            body["links"].array.contains { $0["kind"].string == "voispeed" && $0["state"].string != "up" }
        }
        let link = try #require(links["links"].array.first { $0["kind"].string == "voispeed" })
        #expect(link["state"].string == "absent" || link["state"].string == "down")
        #expect(link["detail"].string?.contains(base) == true)
    }

    // MARK: - Configuration

    @Test func checkConfigNamesVOIspeedProblems() async throws {
        let folder = try makeTemporaryFolder("voispeed-check")
        try writeFile(folder + "/bad.toml", """
            [csta]
            enabled = true
            host = "ecss"
            username = "u"
            calling_devices = ["725"]

            [voispeed]
            enabled = true
            base_url = "http://pbx:3541/services.cgi"
            callee_interface = "DECT"
            poll_interval_ms = 50
            password = "pbx-secret"
            """)
        let (status, output) = try await runTocsin(["check-config", "bad.toml"], in: folder)
        #expect(status == 78)
        #expect(output.contains("bad.toml:8"))
        #expect(output.contains("voispeed.escalation"))
        #expect(output.contains("only one PBX can"))
        #expect(output.contains("bad.toml:9"))
        #expect(output.contains("voispeed.base_url"))
        #expect(output.contains("bad.toml:10"))
        #expect(output.contains("voispeed.callee_interface"))
        #expect(output.contains("bad.toml:11"))
        #expect(output.contains("voispeed.poll_interval_ms"))
        #expect(output.contains("voispeed.connect_to"))
        #expect(output.contains("voispeed.username"))
        #expect(!output.contains("pbx-secret"))

        try writeFile(folder + "/sms-only.toml", """
            [csta]
            enabled = true
            host = "ecss"
            username = "u"
            calling_devices = ["725"]

            [voispeed]
            enabled = true
            base_url = "http://pbx:3541"
            escalation = false
            """)
        let good = try await runTocsin(["check-config", "sms-only.toml"], in: folder)
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains("sms-only.toml: OK"))
    }
}
