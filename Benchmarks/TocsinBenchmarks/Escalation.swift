// Escalation through the PBX: how long from an escalation deadline to MakeCall on the wire, and
// what the CSTA client adds to the daemon's memory. The PBX is the scripted ECSS-10 server on
// loopback (Annex J framing), so the figure is Tocsin's own scheduling, journalling and encoding.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import TocsinTestKit

/// A daemon with `[csta]` pointed at `server`, a webhook group "700" and, when `chainDelay` is set,
/// its escalation chain calling "7001" (answered, which acknowledges).
func startEscalationDaemon(_ tocsin: String, name: String, server: ScriptedECSSServer?, receiver: WebhookReceiver) async throws -> RunningDaemon {
    let folder = try makeBenchFolder(tocsin, name: name)
    var csta = ""
    if let server {
        csta = """
            [csta]
            enabled = true
            name = "bench"
            host = "127.0.0.1"
            port = \(server.port)
            transport = "tcp"
            username = "tocsin"
            password = "bench"
            calling_devices = ["\(ScriptedECSSServer.callingDevice)"]
            """
    }
    try writeBenchConfiguration(folder, csta)
    let process = DaemonProcess(folder: folder)
    try process.start(["run", "--config", "tocsin.toml"])
    let daemon = RunningDaemon(process: process, client: RESTClient(port: try await process.waitForPort()))
    try await makeGroup(daemon.client, number: "700", address: receiver.url("/escalation"))
    if server != nil {
        _ = try await daemon.client.waitFor("/api/links") { body in
            body["links"].array.contains { $0["kind"].string == "csta" && $0["state"].string == "up" }
        }
    }
    return daemon
}

/// Escalation deadline → MakeCall received by the PBX, one alarm at a time. The deadline is taken
/// as the POST's start plus T, which is before the daemon's own receipt: each figure is an upper bound.
func escalationDeadlineToMakeCall(_ daemon: RunningDaemon, server: ScriptedECSSServer, iterations: Int, delaySeconds: Int = 1) async throws -> [Double] {
    server.script("7001", .answers)
    let groups = try await daemon.client.get("/api/groups")
    guard let id = groups.json["groups"].array.first(where: { $0["number"].string == "700" })?["id"].int else {
        throw HarnessError("group 700 is missing")
    }
    let chain = #"{"escalation":{"delay":\#(delaySeconds),"numbers":["7001"],"answerAcknowledges":true}}"#
    let updated = try await daemon.client.put("/api/groups/\(id)", chain)
    guard updated.status == 200 else { throw HarnessError("PUT escalation → \(updated.status): \(updated.body)") }
    var latencies: [Double] = []
    for index in 0..<iterations {
        let start = ContinuousClock.now
        let response = try await daemon.client.post("/api/alarms", #"{"group":"700","text":"Escalation \#(index)"}"#)
        guard response.status == 201, let alarm = response.json["id"].int else {
            throw HarnessError("POST /api/alarms → \(response.status): \(response.body)")
        }
        await server.waitForRequests("MakeCall", count: index + 1)
        latencies.append(milliseconds(ContinuousClock.now - start - .seconds(delaySeconds)))
        _ = try await daemon.client.waitFor("/api/alarms/\(alarm)") { $0["state"].string == "ended" }
    }
    return latencies
}

/// The daemon's RSS in KiB with the CSTA link up after the calls, and a daemon without `[csta]`
/// that has served the same group, as the baseline.
func escalationFigures(_ tocsin: String, iterations: Int = 30) async throws -> [Figure] {
    let receiver = try await WebhookReceiver()
    defer { Task { await receiver.close() } }
    let server = try await ScriptedECSSServer()
    let daemon = try await startEscalationDaemon(tocsin, name: "bench-escalation", server: server, receiver: receiver)
    let latencies = try await escalationDeadlineToMakeCall(daemon, server: server, iterations: iterations)
    let withClient = memory(daemon.process.pid)?.residentKiB ?? 0
    daemon.process.signal(SIGTERM)
    _ = try? await daemon.process.wait()
    await server.shutdown()

    let plain = try await startEscalationDaemon(tocsin, name: "bench-escalation-baseline", server: nil, receiver: receiver)
    for index in 0..<iterations {
        _ = try await plain.client.post("/api/alarms", #"{"group":"700","text":"Baseline \#(index)"}"#)
    }
    let without = memory(plain.process.pid)?.residentKiB ?? 0
    plain.process.signal(SIGTERM)
    _ = try? await plain.process.wait()

    return [
        Figure(
            name: "Escalation deadline → MakeCall on the wire",
            value: "p50 \(format(percentile(latencies, 50))) ms, p99 \(format(percentile(latencies, 99))) ms",
            baseline: "T = 1 s, measured from the POST's start",
            target: "milliseconds",
            command: "make bench"),
        Figure(
            name: "Daemon RSS with the CSTA link up",
            value: "\(format(Double(withClient) / 1024, 1)) MiB",
            baseline: "\(format(Double(without) / 1024, 1)) MiB without [csta]",
            target: "a few MiB for the client",
            command: "make bench"),
    ]
}
