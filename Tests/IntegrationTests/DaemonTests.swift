#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TocsinTestKit

/// The built `tocsin` binary, driven as an integrator would: a configuration file, REST on
/// loopback, a real webhook receiver, and signals.
@Suite(.serialized)
struct DaemonTests {
    static func configuration(technicalGroup: String = "999", webhookTimeoutMs: Int = 3000, logLevel: String = "info") -> String {
        """
        [daemon]
        state_directory = "state"
        log_level = "\(logLevel)"

        [http]
        host = "127.0.0.1"
        port = 0

        [alarms]
        technical_group = "\(technicalGroup)"

        [webhook]
        timeout_ms = \(webhookTimeoutMs)
        max_attempts = 3
        initial_backoff_ms = 50
        max_backoff_ms = 200
        """
    }

    /// Starts a daemon on a fresh folder and returns it with a client.
    static func start(_ name: String, configuration: String = DaemonTests.configuration()) async throws -> (DaemonProcess, RESTClient) {
        let folder = try makeTemporaryFolder(name)
        try writeFile(folder + "/tocsin.toml", configuration)
        let daemon = DaemonProcess(folder: folder)
        try daemon.start(["run", "--config", "tocsin.toml"])
        let port = try await daemon.waitForPort()
        return (daemon, RESTClient(port: port))
    }

    /// One phone per path on the receiver, one member each, all in one group.
    @discardableResult
    static func makeGroup(_ client: RESTClient, number: String, receiver: WebhookReceiver, paths: [String], rule: String = "any", repetitions: Int = 0) async throws -> [Int] {
        var memberIDs: [Int] = []
        var phoneIDs: [Int] = []
        for (index, path) in paths.enumerated() {
            let phone = try await client.create("/api/phones", #"{"name":"Phone \#(number)-\#(index)","driver":"webhook","address":"\#(receiver.url(path))"}"#)
            let phoneID = try #require(phone["id"].int)
            phoneIDs.append(phoneID)
            let member = try await client.create("/api/members", #"{"userName":"m\#(number)-\#(index)","name":"Nurse \#(number)-\#(index)","phoneId":\#(phoneID)}"#)
            memberIDs.append(try #require(member["id"].int))
        }
        let members = memberIDs.map(String.init).joined(separator: ",")
        _ = try await client.create("/api/groups", #"{"number":"\#(number)","name":"Group \#(number)","members":[\#(members)],"rule":"\#(rule)","repetitions":\#(repetitions),"repeatInterval":2}"#)
        return phoneIDs
    }

    /// Adds one more webhook phone, with a member, at the end of an existing group.
    static func addPhone(_ client: RESTClient, group number: String, receiver: WebhookReceiver, path: String) async throws -> [Int] {
        let phone = try await client.create("/api/phones", #"{"name":"Phone \#(path)","driver":"webhook","address":"\#(receiver.url(path))"}"#)
        let phoneID = try #require(phone["id"].int)
        let member = try await client.create("/api/members", #"{"userName":"m\#(path)","name":"Nurse \#(path)","phoneId":\#(phoneID)}"#)
        let memberID = try #require(member["id"].int)
        let groups = try await client.get("/api/groups")
        let group = try #require(groups.json["groups"].array.first { $0["number"].string == number })
        let groupID = try #require(group["id"].int)
        let members = (group["members"].array.compactMap(\.int) + [memberID]).map(String.init).joined(separator: ",")
        let updated = try await client.put("/api/groups/\(groupID)", #"{"number":"\#(number)","name":"Group \#(number)","members":[\#(members)],"rule":"any","repetitions":0,"repeatInterval":2}"#)
        guard updated.status == 200 else { throw HarnessError("PUT group → \(updated.status): \(updated.body)") }
        return [phoneID]
    }

    @Test func restAlarmIsJournalledDeliveredAndAcknowledged() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let (daemon, client) = try await Self.start("rest")
        defer { daemon.stop() }
        let phones = try await Self.makeGroup(client, number: "12", receiver: receiver, paths: ["/ward3/anna"])

        let created = try await client.post("/api/alarms", #"{"group":"12","text":"Room 12 bed 1: patient call","priority":"high","reference":"bed-1"}"#)
        #expect(created.status == 201)
        let id = try #require(created.json["id"].int)
        #expect(created.json["text"].string == "Room 12 bed 1: patient call")
        #expect(created.json["priority"].string == "High")
        #expect(created.json["group"].string == "12")

        let delivered = try await client.waitFor("/api/alarms/\(id)") { $0["deliveries"][0]["status"].string == "accepted" }
        #expect(delivered["state"].string == "delivered")
        #expect(delivered["deliveries"][0]["phoneId"].int == phones[0])

        let posts = receiver.received(path: "/ward3/anna")
        #expect(posts.count == 1)
        #expect(posts.first?.json["alarm"] == .number(Double(id)))
        #expect(posts.first?.json["text"] == .string("Room 12 bed 1: patient call"))
        #expect(posts.first?.json["priority"] == .string("High"))
        #expect(posts.first?.header("Idempotency-Key") == "tocsin-\(id)-\(phones[0])-0")

        let acknowledged = try await client.post("/api/alarms/\(id)/acknowledge", #"{"by":"Nurse Anna"}"#)
        #expect(acknowledged.status == 200)
        #expect(acknowledged.json["state"].string == "ended")
        #expect(acknowledged.json["endReason"].string == "Finished")
        #expect(acknowledged.json["acknowledgedBy"].string == "Nurse Anna")
        let again = try await client.post("/api/alarms/\(id)/acknowledge", #"{"by":"Nurse Anna"}"#)
        #expect(again.status == 409)

        let metrics = try await client.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"tocsin_alarms_raised_total{source="rest",priority="High"} 1"#))
        #expect(metrics.body.contains(#"tocsin_alarms_ended_total{source="rest",priority="High",reason="Finished"} 1"#))
        #expect(metrics.body.contains(#"tocsin_delivery_attempts_total{driver="webhook",outcome="accepted"} 1"#))
        #expect(metrics.body.contains("tocsin_delivery_latency_seconds_bucket"))
        #expect(metrics.body.contains("tocsin_journal_commit_seconds_count"))
        #expect(metrics.body.contains("tocsin_open_alarms 0"))

        let journal = try await client.get("/api/alarms/\(id)/journal")
        let kinds = journal.json["entries"].array.compactMap { $0["kind"].string }
        #expect(kinds.first == "received")
        #expect(kinds.contains("attempt"))
        #expect(kinds.contains("outcome"))
        #expect(kinds.contains("acknowledged"))
        #expect(kinds.last == "ended")
    }

    @Test func unknownGroupIsRaisedToTheTechnicalGroup() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let (daemon, client) = try await Self.start("technical")
        defer { daemon.stop() }
        try await Self.makeGroup(client, number: "999", receiver: receiver, paths: ["/engineer"])

        let created = try await client.post("/api/alarms", #"{"group":"4711","text":"Smoke detector 4711"}"#)
        #expect(created.status == 201)
        let id = try #require(created.json["id"].int)
        let alarm = try await client.waitFor("/api/alarms/\(id)") { $0["deliveries"][0]["status"].string == "accepted" }
        #expect(alarm["group"].string == "4711")
        #expect(alarm["routedGroup"].string == "999")
        #expect(alarm["routingNote"].string?.contains("unknown group 4711") == true)
        #expect(receiver.received(path: "/engineer").first?.json["text"] == .string("Smoke detector 4711"))
    }

    @Test func sigkillDuringDeliveriesLosesNothingAndRepeatsNoAcceptedPush() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        // The slow phone, on a host of its own, holds every request: those deliveries are in flight
        // when the daemon dies.
        let slowHost = try await WebhookReceiver()
        defer { Task { await slowHost.close() } }
        slowHost.answer("/slow", with: .hold)
        let configuration = Self.configuration(webhookTimeoutMs: 60_000)
        let (daemon, client) = try await Self.start("sigkill", configuration: configuration)
        defer { daemon.stop() }
        var phones = try await Self.makeGroup(client, number: "7", receiver: receiver, paths: ["/fast-a", "/fast-b"])
        phones += try await Self.addPhone(client, group: "7", receiver: slowHost, path: "/slow")

        var ids: [Int] = []
        for index in 0..<40 {
            let created = try await client.post("/api/alarms", #"{"group":"7","text":"Alarm \#(index)","priority":"Emergency"}"#)
            #expect(created.status == 201)
            ids.append(try #require(created.json["id"].int))
        }
        // Wait until both fast phones' acceptances are journalled and every slow push is in flight.
        _ = try await client.waitFor("/api/alarms?group=7&limit=500") { body in
            let alarms = body["alarms"].array
            return alarms.count == ids.count && alarms.allSatisfy { alarm in
                let deliveries = alarm["deliveries"].array
                return deliveries.filter { $0["status"].string == "accepted" }.count == 2
                    && deliveries.contains { $0["status"].string == "sending" }
            }
        }
        #expect(slowHost.received(path: "/slow").count == ids.count)
        daemon.signal(SIGKILL)
        #expect(try await daemon.wait() == 128 + SIGKILL)

        slowHost.answer("/slow", with: .status(200))
        slowHost.releaseHeld()
        try daemon.start(["run", "--config", "tocsin.toml"])
        let port = try await daemon.waitForPort()
        let restarted = RESTClient(port: port)
        let body = try await restarted.waitFor("/api/alarms?group=7&limit=500") { body in
            let alarms = body["alarms"].array
            return alarms.count == ids.count && alarms.allSatisfy { alarm in
                alarm["deliveries"].array.allSatisfy { $0["status"].string == "accepted" }
            }
        }
        let stored = Set(body["alarms"].array.compactMap { $0["id"].int })
        #expect(stored == Set(ids))
        for alarm in body["alarms"].array {
            #expect(alarm["state"].string == "delivered")
            #expect(alarm["deliveries"].array.count == 3)
        }
        // The fast phones accepted before the crash: exactly one push each, never a second.
        #expect(receiver.received(path: "/fast-a").count == ids.count)
        #expect(receiver.received(path: "/fast-b").count == ids.count)
        // The slow phone's pushes were in flight: sent again after the restart with the same key.
        let slow = slowHost.received(path: "/slow")
        #expect(slow.count == 2 * ids.count)
        for id in ids {
            let keys = Set(slow.filter { $0.json["alarm"] == .number(Double(id)) }.compactMap { $0.header("Idempotency-Key") })
            #expect(keys == ["tocsin-\(id)-\(phones[2])-0"])
        }
        #expect(daemon.log.contains("resuming open alarms"))
    }

    @Test func sigtermStopsGracefullyAndOpenAlarmsResume() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let (daemon, client) = try await Self.start("sigterm")
        defer { daemon.stop() }
        try await Self.makeGroup(client, number: "3", receiver: receiver, paths: ["/p"])
        let created = try await client.post("/api/alarms", #"{"group":"3","text":"Bath 3 pull cord"}"#)
        let id = try #require(created.json["id"].int)
        _ = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "delivered" }

        daemon.signal(SIGTERM)
        #expect(try await daemon.wait(timeout: .seconds(20)) == 0)
        #expect(daemon.log.contains("stopped"))

        try daemon.start(["run", "--config", "tocsin.toml"])
        let restarted = RESTClient(port: try await daemon.waitForPort())
        let open = try await restarted.get("/api/alarms?state=open")
        #expect(open.json["alarms"].array.compactMap { $0["id"].int } == [id])
        // Resumed, but the phone that accepted it is not paged a second time.
        try await daemon.waitForLog("resuming open alarms")
        #expect(receiver.received(path: "/p").count == 1)
    }

    @Test func sighupReloadsTheTechnicalGroupAndRefusesABadFile() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let (daemon, client) = try await Self.start("sighup", configuration: Self.configuration(technicalGroup: "900"))
        defer { daemon.stop() }
        try await Self.makeGroup(client, number: "901", receiver: receiver, paths: ["/bridge"])

        try writeFile(daemon.folder + "/tocsin.toml", Self.configuration(technicalGroup: "901"))
        daemon.signal(SIGHUP)
        try await daemon.waitForLog("configuration reloaded")
        let created = try await client.post("/api/alarms", #"{"group":"77","text":"Engine room bilge"}"#)
        let id = try #require(created.json["id"].int)
        let alarm = try await client.waitFor("/api/alarms/\(id)") { $0["deliveries"][0]["status"].string == "accepted" }
        #expect(alarm["routedGroup"].string == "901")

        try writeFile(daemon.folder + "/tocsin.toml", "[http]\nprot = 1\n")
        daemon.signal(SIGHUP)
        try await daemon.waitForLog("configuration reload refused")
        #expect(daemon.poll() == nil)
        #expect(try await client.get("/api/health").status == 200)
    }

    @Test func statusReportsARunningDaemonAndFailsClearlyWithoutOne() async throws {
        let (daemon, client) = try await Self.start("status")
        defer { daemon.stop() }
        let (status, output) = try await runTocsin(["status", "--url", "http://127.0.0.1:\(client.port)"], in: daemon.folder)
        #expect(status == 0)
        #expect(output.contains("Tocsin 0.1.0 at http://127.0.0.1:\(client.port): ok, 0 open alarms"))

        daemon.signal(SIGTERM)
        _ = try await daemon.wait()
        let (downStatus, downOutput) = try await runTocsin(["status", "--url", "http://127.0.0.1:\(client.port)"], in: daemon.folder)
        #expect(downStatus == 3)
        #expect(downOutput.contains("tocsin is not answering at http://127.0.0.1:\(client.port)/api/health"))
    }

    @Test func checkConfigNamesEveryProblemWithKeyAndLine() async throws {
        let folder = try makeTemporaryFolder("check")
        try writeFile(folder + "/bad.toml", "[http]\nprot = 8080\nport = \"x\"\n\n[journal]\nretention_days = -1\n")
        let (status, output) = try await runTocsin(["check-config", "bad.toml"], in: folder)
        #expect(status == 78)
        #expect(output.contains("bad.toml:2"))
        #expect(output.contains("http.prot"))
        #expect(output.contains("bad.toml:3"))
        #expect(output.contains("http.port"))
        #expect(output.contains("bad.toml:6"))
        #expect(output.contains("journal.retention_days"))

        try writeFile(folder + "/good.toml", Self.configuration())
        let good = try await runTocsin(["check-config", "good.toml"], in: folder)
        #expect(good.status == 0)
        #expect(good.output.contains("good.toml: OK"))
    }

    @Test func aSecondDaemonOnTheSameStateDirectoryRefusesToStart() async throws {
        let (daemon, client) = try await Self.start("twice")
        defer { daemon.stop() }
        let (status, output) = try await runTocsin(["run", "--config", "tocsin.toml"], in: daemon.folder)
        #expect(status == 1)
        #expect(output.contains("another tocsin is already running on the state directory state"))
        #expect(try await client.get("/api/health").status == 200)
    }

    @Test func aCorruptJournalStopsStartWithAClearError() async throws {
        let folder = try makeTemporaryFolder("corrupt")
        try writeFile(folder + "/tocsin.toml", Self.configuration())
        mkdir(folder + "/state", 0o755)
        try writeFile(folder + "/state/tocsin.sqlite", String(repeating: "this is not a database ", count: 400))
        let (status, output) = try await runTocsin(["run", "--config", "tocsin.toml"], in: folder)
        #expect(status == 1)
        #expect(output.contains("state/tocsin.sqlite"))
        #expect(output.contains("is damaged"))
    }

    @Test func anUnreadableWebhookAuthorityFileStopsStartWithAClearError() async throws {
        let folder = try makeTemporaryFolder("webhook-ca")
        try writeFile(folder + "/not-pem.txt", "these are no certificates\n")
        for path in ["missing.pem", "not-pem.txt"] {
            try writeFile(folder + "/tocsin.toml", Self.configuration() + "\nca_file = \"\(path)\"\n")
            let (status, output) = try await runTocsin(["run", "--config", "tocsin.toml"], in: folder)
            #expect(status == 1)
            #expect(output.contains("webhook.ca_file \(path) cannot be read as PEM certificates"))
        }
    }

    @Test func embeddedDefaultsKeepStateInALocalFolder() async throws {
        let folder = try makeTemporaryFolder("defaults")
        let daemon = DaemonProcess(folder: folder)
        // The defaults listen on 127.0.0.1:8080; another process may hold that port on a shared
        // machine, so accept either a running daemon or a clear bind error, but always the folder.
        try daemon.start(["run"])
        defer { daemon.stop() }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !daemon.log.contains("web server listening"), daemon.poll() == nil {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(FileManager.default.fileExists(atPath: folder + "/tocsin-state/tocsin.sqlite"))
        #expect(daemon.log.contains("embedded defaults"))
        if daemon.poll() == nil {
            #expect(daemon.log.contains("host=127.0.0.1"))
            #expect(daemon.log.contains("port=8080"))
        }
    }
}
