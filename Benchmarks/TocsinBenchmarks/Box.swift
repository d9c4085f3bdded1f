// The gateway box's figures: the time from exec to READY=1 on the notify socket, the idle RSS of a
// furnished daemon (4 serial ports, 10 ESPA-X sessions, 200 phones), and the RSS while a million
// alarms pass through (raised over ESPA-X, delivered to a webhook phone, stopped by the client),
// which shows whether memory grows with the alarms that have ended.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Alarming
import TocsinTestKit

/// Milliseconds from starting the daemon to READY=1: the first start (which creates and migrates
/// the journal) and `starts` restarts on the same state directory, which is what a reboot costs.
func startupToReady(_ tocsin: String, starts: Int = 10) async throws -> (first: Double, restarts: [Double]) {
    let folder = try makeBenchFolder(tocsin, name: "bench-ready")
    try writeBenchConfiguration(folder)
    let socketPath = folder + "/notify"
    let listener = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(listener); unlink(socketPath) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in socketPath.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
    guard bound == 0 else { throw HarnessError("bind \(socketPath) failed") }

    var first = 0.0
    var restarts: [Double] = []
    for start in 0...starts {
        let process = DaemonProcess(folder: folder)
        let started = ContinuousClock.now
        try process.start(["run", "--config", "tocsin.toml"], environment: ["NOTIFY_SOCKET": socketPath])
        var ready = false
        while !ready {
            guard started.duration(to: .now) < .seconds(30) else { throw HarnessError("no READY=1 within 30 s") }
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(listener, $0.baseAddress, $0.count, 0) }
            if count > 0, String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").contains("READY=1") { ready = true }
        }
        let elapsed = milliseconds(started.duration(to: .now))
        process.signal(SIGTERM)
        _ = try? await process.wait()
        if start == 0 { first = elapsed } else { restarts.append(elapsed) }
    }
    return (first, restarts)
}

/// Idle RSS (KiB) of a daemon with 4 ports on ptys, 10 ESPA-X sessions and 200 phones in 20 groups.
func furnishedIdleRSS(_ tocsin: String) async throws -> (resident: Double, privateDirty: Double) {
    let folder = try makeBenchFolder(tocsin, name: "bench-furnished")
    let hash = try cheapPasswordHash(folder: folder)
    var ptys: [PtyPair] = []
    var ports = ""
    for number in 1...4 {
        let pty = try PtyPair()
        ptys.append(pty)
        let link = folder + "/port\(number)"
        guard symlink(pty.slavePath, link) == 0 else { throw HarnessError("symlink \(link) failed") }
        ports += "\n[[ports]]\nlabel = \"port\(number)\"\ndevice = \"\(link)\"\n"
    }
    try writeBenchConfiguration(folder, """
        [espax]
        enabled = true
        host = "127.0.0.1"
        port = 0
        max_sessions_per_client = 10
        [[espax.clients]]
        name = "Bench"
        password_hash = "\(hash)"
        \(ports)
        """)
    let process = DaemonProcess(folder: folder)
    try process.start(["run", "--config", "tocsin.toml"])
    defer { process.stop() }
    let client = RESTClient(port: try await process.waitForPort())
    let port = try await espaxPort(of: process)
    var members: [Int] = []
    for index in 0..<200 {
        let phone = try await client.create("/api/phones", #"{"name":"SEP\#(index)","driver":"cisco","address":"10.1.\#(index / 250).\#(index % 250 + 1)"}"#)
        let member = try await client.create("/api/members", #"{"userName":"m\#(index)","name":"Member \#(index)","phoneId":\#(phone["id"].int ?? 0)}"#)
        members.append(member["id"].int ?? 0)
    }
    for group in 0..<20 {
        let ids = members[(group * 10)..<(group * 10 + 10)].map(String.init).joined(separator: ",")
        _ = try await client.create("/api/groups", #"{"number":"\#(100 + group)","name":"Ward \#(group)","members":[\#(ids)]}"#)
    }
    let sessions = try loggedInSessions(10, port: port)
    for session in sessions { try session.send("REQ.HEARTBEAT") }
    for session in sessions { _ = try session.next("RSP.HEARTBEAT") }
    try await Task.sleep(for: .seconds(3))
    let sampled = try await sampleMemory(process.pid)
    sessions.forEach { $0.disconnect() }
    _ = ptys
    return sampled
}

/// RSS (KiB) after every `interval` of `total` alarms raised over ESPA-X, delivered and stopped.
func rssOverAlarms(_ tocsin: String, total: Int, interval: Int) async throws -> (samples: [(alarms: Int, kib: Int)], seconds: Double) {
    let receiver = try await WebhookReceiver(keepingRequests: false)
    let (daemon, port) = try await startESPAXDaemon(tocsin, name: "bench-million", receiver: receiver, maxConnections: 200)
    defer { daemon.process.stop() }
    let load = try ESPAXLoad(port: port, sessions: 20)
    var samples: [(alarms: Int, kib: Int)] = [(0, memory(daemon.process.pid)?.residentKiB ?? -1)]
    let started = ContinuousClock.now
    try load.churn(total: total, window: 10, interval: interval) { done in
        let kib = memory(daemon.process.pid)?.residentKiB ?? -1
        samples.append((done, kib))
        progress("alarms passed through: \(done), RSS \(kib / 1024) MiB")
    }
    let seconds = started.duration(to: .now).seconds
    await receiver.close()
    return (samples, seconds)
}
