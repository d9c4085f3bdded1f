#if canImport(Glibc)
import Glibc
#endif
import Testing
import TocsinTestKit

/// The built daemon with a TCP "virtual serial" port. The test's `FakeConverter` is a serial-to-IP
/// converter in TCP server mode; on the connection Tocsin opens to it the test plays the panel
/// (a control-station simulator): exact bytes answered, alarms seen through REST and the webhook,
/// a dropped connection, the reconnect, and the technical alarm in between.
@Suite(.serialized)
struct TCPPortTests {
    // The same panel traffic as over a serial line: the converter carries the bytes unchanged.
    static let linkCheck = SerialPortTests.linkCheck
    static let e4 = SerialPortTests.e4
    static let e5 = SerialPortTests.e5

    static func configuration(device: String) -> String {
        DaemonTests.configuration() + """


        [[ports]]
        label = "nport1"
        device = "\(device)"
        supervision_seconds = 0
        keepalive_seconds = 10
        reconnect_initial_ms = 100
        reconnect_max_ms = 400
        """
    }

    static func start(_ name: String, converter: FakeConverter) async throws -> (DaemonProcess, RESTClient) {
        let folder = try makeTemporaryFolder(name)
        try writeFile(folder + "/tocsin.toml", configuration(device: converter.url))
        let daemon = DaemonProcess(folder: folder)
        try daemon.start(["run", "--config", "tocsin.toml"])
        return (daemon, RESTClient(port: try await daemon.waitForPort()))
    }

    static func waitForPort(_ client: RESTClient, state: String) async throws -> JSONValue {
        let links = try await client.waitFor("/api/links") { body in
            body["links"].array.contains { $0["kind"].string == "serial" && $0["name"].string == "nport1" && $0["state"].string == state }
        }
        return links["links"].array.first { $0["name"].string == "nport1" } ?? .null
    }

    static func alarms(_ client: RESTClient, kind: String) async throws -> [JSONValue] {
        try await client.get("/api/alarms?limit=500").json["alarms"].array.filter { $0["source"]["kind"].string == kind }
    }

    static func openTechnical(_ client: RESTClient) async throws -> JSONValue {
        let body = try await client.waitFor("/api/alarms?limit=500") { body in
            body["alarms"].array.contains { $0["reference"].string == "serial.nport1.absent" && $0["state"].string != "ended" }
        }
        return body["alarms"].array.first { $0["reference"].string == "serial.nport1.absent" && $0["state"].string != "ended" } ?? .null
    }

    @Test func aCallOverTCPIsACKedOnlyOnceJournalledThenDuplicateBadBCCAndReset() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let converter = try FakeConverter()
        let (daemon, client) = try await Self.start("tcp-call", converter: converter)
        defer { daemon.stop() }
        try await DaemonTests.makeGroup(client, number: "0815", receiver: receiver, paths: ["/fire"])
        let line = try await converter.accept()
        let port = try await Self.waitForPort(client, state: "connecting")
        #expect(port["detail"].string?.hasPrefix("open: tcp://127.0.0.1:\(converter.port) (TCP) paging-system") == true, "\(port)")
        try await daemon.waitForLog("TCP port connected")
        #expect(daemon.runLog.contains("peer=127.0.0.1:\(converter.port)"))

        #expect(try await line.exchange(Self.linkCheck, expecting: 1) == [0x06])
        #expect(try await line.exchange(Self.e4, expecting: 1) == [0x06])
        try line.write([0x04])
        // ACK means journalled: the alarm is already in REST.
        let raised = try await Self.alarms(client, kind: "espa444")
        #expect(raised.count == 1)
        let alarm = try #require(raised.first)
        #expect(alarm["reference"].string == "nport1/0815/1")
        #expect(alarm["group"].string == "0815")
        #expect(alarm["text"].string == "FIRE ZONE 12 FLOOR 3")
        #expect(alarm["priority"].string == "Emergency")
        #expect(alarm["source"]["name"].string == "nport1")
        let id = try #require(alarm["id"].int)
        _ = try await client.waitFor("/api/alarms/\(id)") { $0["deliveries"][0]["status"].string == "accepted" }
        #expect(receiver.received(path: "/fire").first?.json["text"] == .string("FIRE ZONE 12 FLOOR 3"))

        // The ACK got lost on the way back through the converter: the same block again is the same alarm.
        #expect(try await line.exchange(Self.linkCheck, expecting: 1) == [0x06])
        #expect(try await line.exchange(Self.e4, expecting: 1) == [0x06])
        try line.write([0x04])
        #expect(try await Self.alarms(client, kind: "espa444").count == 1)

        // A bad BCC is '1' NAK, with nothing raised; the reset ends the alarm.
        var bad = Self.e4
        bad[bad.count - 1] ^= 0x40
        #expect(try await line.exchange(Self.linkCheck, expecting: 1) == [0x06])
        #expect(try await line.exchange(bad, expecting: 2) == [0x31, 0x15])
        #expect(try await line.exchange(Self.e5, expecting: 1) == [0x06])
        try line.write([0x04])
        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Client")
        #expect(line.readAvailable() == [], "Tocsin never sends EOT as the paging system")

        let counted = try await Self.waitForPort(client, state: "up")
        #expect(counted["counters"]["blocks"].int == 2)
        #expect(counted["counters"]["duplicates"].int == 1)
        #expect(counted["counters"]["resets"].int == 1)
        #expect(counted["counters"]["naks"].int == 1)
    }

    @Test func aDroppedConnectionRaisesATechnicalAlarmAndTheReconnectClearsIt() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let converter = try FakeConverter()
        let (daemon, client) = try await Self.start("tcp-drop", converter: converter)
        defer { daemon.stop() }
        try await DaemonTests.makeGroup(client, number: "999", receiver: receiver, paths: ["/engineer"])
        let first = try await converter.accept()
        #expect(try await first.exchange(Self.e4, expecting: 1) == [0x06])

        // The converter goes away: its connection closes and it no longer accepts any.
        converter.stopListening()
        first.close()
        _ = try await Self.waitForPort(client, state: "absent")
        let technical = try await Self.openTechnical(client)
        #expect(technical["group"].string == "999")
        #expect(technical["source"]["kind"].string == "technical")
        #expect(technical["text"].string == "TCP port nport1: connection to \(converter.url) lost (connection closed by the peer (read returned 0))")
        let id = try #require(technical["id"].int)
        _ = try await client.waitFor("/api/alarms/\(id)") { $0["deliveries"][0]["status"].string == "accepted" }
        // Reconnect attempts are refused meanwhile, and the board says when the next one comes.
        let waiting = try await client.waitFor("/api/links") { body in
            body["links"].array.contains { $0["name"].string == "nport1" && $0["detail"].string?.contains("Connection refused") == true }
        }
        #expect(waiting["links"].array.first { $0["name"].string == "nport1" }?["detail"].string?.contains("; next attempt in") == true)
        #expect(try await client.get("/api/alarms/\(id)").json["state"].string != "ended", "still unreachable: still raised")

        // Back: Tocsin reconnects by itself and the technical alarm ends.
        try converter.listen()
        let second = try await converter.accept()
        _ = try await Self.waitForPort(client, state: "connecting")
        let cleared = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(cleared["endReason"].string == "Finished")
        #expect(try await second.exchange(Self.linkCheck, expecting: 1) == [0x06])
        #expect(try await second.exchange(espaBlock("1", [("1", "12"), ("2", "Bed 1")]), expecting: 1) == [0x06])
        try second.write([0x04])
        let references = try await Self.alarms(client, kind: "espa444").compactMap { $0["reference"].string }.sorted()
        #expect(references == ["nport1/0815/1", "nport1/12/2"])
        #expect(daemon.runLog.contains("TCP port connection lost"))

        // A converter that reboots mid-session resets the connection: the same alarm, the same recovery.
        second.reset()
        let again = try await Self.openTechnical(client)
        #expect(again["text"].string == "TCP port nport1: connection to \(converter.url) lost (connection lost: Connection reset by peer)")
        let third = try await converter.accept()
        _ = try await client.waitFor("/api/alarms/\(try #require(again["id"].int))") { $0["state"].string == "ended" }
        #expect(try await third.exchange(Self.linkCheck, expecting: 1) == [0x06])
    }

    @Test func aConverterUnreachableAtStartIsWaitedForAndAlarmed() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let converter = try FakeConverter()
        // A first run sets up the technical group (the directory outlives the process).
        let (daemon, first) = try await Self.start("tcp-unreachable", converter: converter)
        defer { daemon.stop() }
        try await DaemonTests.makeGroup(first, number: "999", receiver: receiver, paths: ["/engineer"])
        let firstLine = try await converter.accept()
        daemon.signal(SIGTERM)
        #expect(try await daemon.wait() == 0)
        firstLine.close()

        // The converter is off when Tocsin starts: the port waits for it, alarmed.
        converter.stopListening()
        try daemon.start(["run", "--config", "tocsin.toml"])
        let client = RESTClient(port: try await daemon.waitForPort())
        let port = try await Self.waitForPort(client, state: "absent")
        #expect(port["detail"].string?.hasPrefix("waiting: \(converter.url) (TCP) paging-system; cannot connect to") == true, "\(port)")
        let technical = try await Self.openTechnical(client)
        #expect(technical["text"].string?.hasPrefix("TCP port nport1: cannot connect to \(converter.url): Connection refused (the converter is up but nothing listens") == true, "\(technical)")
        try await daemon.waitForLog("TCP port cannot connect; retrying")

        try converter.listen()
        let line = try await converter.accept()
        let cleared = try await client.waitFor("/api/alarms/\(try #require(technical["id"].int))") { $0["state"].string == "ended" }
        #expect(cleared["endReason"].string == "Finished")
        #expect(try await line.exchange(Self.e4, expecting: 1) == [0x06])
        // Stopping the daemon closes the connection to the converter.
        daemon.signal(SIGTERM)
        #expect(try await daemon.wait() == 0)
        #expect(await line.waitUntilClosedByPeer())
    }

    /// The alarm core resumes open alarms after a restart: the "lost" alarm of a run that ended
    /// while the converter was away is ended by the next run's first connection.
    @Test func aTechnicalAlarmLeftOpenByAnEarlierRunEndsOnTheFirstConnection() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let converter = try FakeConverter()
        let (daemon, client) = try await Self.start("tcp-stale", converter: converter)
        defer { daemon.stop() }
        try await DaemonTests.makeGroup(client, number: "999", receiver: receiver, paths: ["/engineer"])
        let line = try await converter.accept()
        converter.stopListening()
        line.close()
        let technical = try await Self.openTechnical(client)
        let id = try #require(technical["id"].int)
        // Killed while the converter is away: nothing gets to end the alarm.
        daemon.stop()

        try converter.listen()
        try daemon.start(["run", "--config", "tocsin.toml"])
        let restarted = RESTClient(port: try await daemon.waitForPort())
        let again = try await converter.accept()
        let ended = try await restarted.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Finished")
        #expect(try await again.exchange(Self.linkCheck, expecting: 1) == [0x06])
    }

    @Test func checkConfigNamesTheMistakesOfATCPPort() async throws {
        let folder = try makeTemporaryFolder("tcp-check")
        try writeFile(folder + "/bad.toml", """
            [[ports]]
            label = "nport1"
            device = "tcp://10.0.0.5"
            baud = 9600
            [[ports]]
            label = "port2"
            device = "/dev/tocsin/port2"
            keepalive_seconds = 15
            """)
        let (status, output) = try await runTocsin(["check-config", "bad.toml"], in: folder)
        #expect(status == 78)
        #expect(output.contains("bad.toml:3: ports[0].device: \"tcp://10.0.0.5\" has no port; write the converter's address and TCP port, for example tcp://10.0.0.5:4001"), "\(output)")
        #expect(output.contains("bad.toml:4: ports[0].baud: does not apply to a TCP port"), "\(output)")
        #expect(output.contains("bad.toml:8: ports[1].keepalive_seconds: applies only to a TCP port"), "\(output)")

        try writeFile(folder + "/good.toml", Self.configuration(device: "tcp://10.0.0.5:4001"))
        let good = try await runTocsin(["check-config", "good.toml"], in: folder)
        #expect(good.status == 0)
        #expect(good.output.contains("good.toml: OK"))
    }

    /// `tocsin panel tcp://…` plays the panel through a converter: here the test is the paging
    /// system behind it and checks the exact bytes the tool sends and prints.
    @Test func thePanelToolSpeaksThroughAConverter() async throws {
        let converter = try FakeConverter()
        let folder = try makeTemporaryFolder("tcp-panel")
        let panel = DaemonProcess(folder: folder)
        try panel.start(["panel", converter.url, "--address", "12", "--text", "Bed 1", "--priority", "1"])
        defer { panel.stop() }
        let line = try await converter.accept()
        #expect(try await line.read(count: 5) == [0x04, 0x31, 0x05, 0x32, 0x05])
        let block = espaBlock("1", [("1", "12"), ("2", "Bed 1"), ("6", "1")])
        #expect(try await line.exchange([0x06], expecting: block.count) == block)
        #expect(try await line.exchange([0x06], expecting: 1) == [0x04])
        #expect(try await panel.wait() == 0)
        let output = panel.log
        #expect(output.contains("sending to station '2' on \(converter.url): [1] "), "\(output)")
        #expect(output.contains("  <- 06 ACK"))
        #expect(output.contains("  block ACKed by the peer"))
        #expect(!output.contains(" 9600 "), "a converter's frame is its own: no baud rate claimed")
    }
}
