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

/// The built daemon with an ESPA 4.4.4 port on a pty pair, driven by a control-station simulator on
/// the master side: exact bytes answered, alarms seen through REST and the webhook, unplug and re-plug.
@Suite(.serialized)
struct SerialPortTests {
    static let linkCheck: [UInt8] = [0x04, 0x31, 0x05, 0x32, 0x05]
    static let e4 = espaBlock("1", [("1", "0815"), ("2", "FIRE ZONE 12 FLOOR 3"), ("4", "3"), ("6", "1")])
    static let e5 = espaBlock("1", [("1", "0815"), ("2", "FIRE ZONE 12 FLOOR 3"), ("4", "1")])

    static func configuration(device: String) -> String {
        DaemonTests.configuration() + """


        [[ports]]
        label = "port1"
        device = "\(device)"
        framing = "8N1"
        baud = 9600
        presence_check_ms = 100
        supervision_seconds = 0
        """
    }

    /// A daemon whose port1 is a symlink in its folder to a fresh pty's slave.
    static func start(_ name: String) async throws -> (DaemonProcess, RESTClient, PtyPair, String) {
        let folder = try makeTemporaryFolder(name)
        let pty = try PtyPair()
        let link = folder + "/port1"
        guard symlink(pty.slavePath, link) == 0 else { throw HarnessError("symlink \(link): \(String(cString: strerror(errno)))") }
        try writeFile(folder + "/tocsin.toml", configuration(device: link))
        let daemon = DaemonProcess(folder: folder)
        try daemon.start(["run", "--config", "tocsin.toml"])
        let client = RESTClient(port: try await daemon.waitForPort())
        _ = try await waitForPort(client, state: "connecting")
        return (daemon, client, pty, link)
    }

    static func waitForPort(_ client: RESTClient, state: String) async throws -> JSONValue {
        let links = try await client.waitFor("/api/links") { body in
            body["links"].array.contains { $0["kind"].string == "serial" && $0["name"].string == "port1" && $0["state"].string == state }
        }
        return links["links"].array.first { $0["name"].string == "port1" } ?? .null
    }

    static func alarms(_ client: RESTClient, kind: String) async throws -> [JSONValue] {
        try await client.get("/api/alarms?limit=500").json["alarms"].array.filter { $0["source"]["kind"].string == kind }
    }

    @Test func aPanelCallIsACKedJournalledAndDeliveredThenDuplicateAndReset() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let (daemon, client, pty, _) = try await Self.start("serial-call")
        defer { daemon.stop() }
        try await DaemonTests.makeGroup(client, number: "0815", receiver: receiver, paths: ["/fire"])

        #expect(try pty.exchange(Self.linkCheck, expecting: 1) == [0x06])
        #expect(try pty.exchange(Self.e4, expecting: 1) == [0x06])
        try pty.write([0x04])
        // ACK means journalled: the alarm is already in REST.
        let raised = try await Self.alarms(client, kind: "espa444")
        #expect(raised.count == 1)
        let alarm = try #require(raised.first)
        #expect(alarm["reference"].string == "port1/0815/1")
        #expect(alarm["group"].string == "0815")
        #expect(alarm["text"].string == "FIRE ZONE 12 FLOOR 3")
        #expect(alarm["priority"].string == "Emergency")
        #expect(alarm["source"]["name"].string == "port1")
        let id = try #require(alarm["id"].int)
        _ = try await client.waitFor("/api/alarms/\(id)") { $0["deliveries"][0]["status"].string == "accepted" }
        #expect(receiver.received(path: "/fire").first?.json["text"] == .string("FIRE ZONE 12 FLOOR 3"))

        // The ACK got lost on the way: the panel sends the same block again. Same alarm.
        #expect(try pty.exchange(Self.linkCheck, expecting: 1) == [0x06])
        #expect(try pty.exchange(Self.e4, expecting: 1) == [0x06])
        try pty.write([0x04])
        #expect(try await Self.alarms(client, kind: "espa444").count == 1)

        // A bad BCC is answered '1' NAK and raises nothing.
        var bad = Self.e4
        bad[bad.count - 1] ^= 0x40
        #expect(try pty.exchange(Self.linkCheck, expecting: 1) == [0x06])
        #expect(try pty.exchange(bad, expecting: 2) == [0x31, 0x15])
        // The reset (call type '1') ends the running alarm with that address on this port.
        #expect(try pty.exchange(Self.e5, expecting: 1) == [0x06])
        try pty.write([0x04])
        let ended = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Client")
        #expect(try await Self.alarms(client, kind: "espa444").count == 1)

        let port = try await Self.waitForPort(client, state: "up")
        #expect(port["counters"]["blocks"].int == 2)
        #expect(port["counters"]["resets"].int == 1)
        #expect(port["counters"]["duplicates"].int == 1)
        #expect(port["counters"]["naks"].int == 1)
        #expect(port["detail"].string?.contains("last traffic") == true)
    }

    @Test func unplugRaisesATechnicalAlarmAndReplugReopensAndClearsIt() async throws {
        let receiver = try await WebhookReceiver()
        defer { Task { await receiver.close() } }
        let (daemon, client, pty, link) = try await Self.start("serial-replug")
        defer { daemon.stop() }
        try await DaemonTests.makeGroup(client, number: "999", receiver: receiver, paths: ["/engineer"])
        #expect(try pty.exchange(Self.linkCheck, expecting: 1) == [0x06])

        pty.unplug()
        _ = try await Self.waitForPort(client, state: "absent")
        let technical = try await client.waitFor("/api/alarms?limit=500") { body in
            body["alarms"].array.contains { $0["reference"].string == "serial.port1.absent" && $0["state"].string != "ended" }
        }
        let alarm = try #require(technical["alarms"].array.first { $0["reference"].string == "serial.port1.absent" })
        #expect(alarm["group"].string == "999")
        #expect(alarm["source"]["kind"].string == "technical")
        #expect(alarm["text"].string?.hasPrefix("Serial port port1: \(link) unplugged") == true)
        let id = try #require(alarm["id"].int)

        // Plugged in again: the stable path now leads to a new line.
        let replugged = try PtyPair()
        let staging = link + ".new"
        guard symlink(replugged.slavePath, staging) == 0, rename(staging, link) == 0 else { throw HarnessError("cannot move \(link)") }
        _ = try await Self.waitForPort(client, state: "connecting")
        let cleared = try await client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(cleared["endReason"].string == "Finished")
        #expect(try replugged.exchange(Self.linkCheck, expecting: 1) == [0x06])
        #expect(try replugged.exchange(Self.e4, expecting: 1) == [0x06])
        try replugged.write([0x04])
        let raised = try await Self.alarms(client, kind: "espa444")
        #expect(raised.map { $0["reference"].string } == ["port1/0815/1"])
        #expect(daemon.runLog.contains("serial port closed"))
    }

    @Test func aRestartContinuesTheCallSequence() async throws {
        let (daemon, client, pty, _) = try await Self.start("serial-restart")
        defer { daemon.stop() }
        #expect(try pty.exchange(Self.e4, expecting: 1) == [0x06])
        daemon.signal(SIGTERM)
        #expect(try await daemon.wait() == 0)
        try daemon.start(["run", "--config", "tocsin.toml"])
        let restarted = RESTClient(port: try await daemon.waitForPort())
        _ = try await Self.waitForPort(restarted, state: "connecting")
        #expect(try pty.exchange(espaBlock("1", [("1", "12"), ("2", "Bed 1")]), expecting: 1) == [0x06])
        let references = try await Self.alarms(restarted, kind: "espa444").compactMap { $0["reference"].string }.sorted()
        #expect(references == ["port1/0815/1", "port1/12/2"])
        _ = client
    }
}
