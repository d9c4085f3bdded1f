// ESPA-X figures: sustained REQ.P-START/s over 100 sessions with durable journalling, RSP.P-START
// latency at 1,000/s, and the daemon's RSS with 5,000 idle sessions sending heartbeats. Every
// figure drives the real binary over loopback with `ESPAXTestClient`.

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

/// A cost-4 bcrypt hash of `secret1` (libxcrypt through Python), so that 5,000 logins do not
/// measure bcrypt.
func cheapPasswordHash(folder: String) throws -> String {
    let script = "import crypt; print(crypt.crypt('secret1', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))"
    guard system("python3 -W ignore -c \"\(script)\" > \(folder)/hash") == 0 else { throw HarnessError("python3 crypt failed") }
    return try String(contentsOfFile: folder + "/hash", encoding: .utf8).filter { !$0.isWhitespace }
}

/// A daemon with ESPA-X on, one client `Bench` (password `secret1`) and group 0815 with one webhook phone.
func startESPAXDaemon(_ tocsin: String, name: String, receiver: WebhookReceiver, maxConnections: Int) async throws -> (RunningDaemon, Int) {
    let folder = try makeBenchFolder(tocsin, name: name)
    let hash = try cheapPasswordHash(folder: folder)
    try writeBenchConfiguration(folder, """
        [espax]
        enabled = true
        host = "127.0.0.1"
        port = 0
        max_connections = \(maxConnections)
        max_sessions_per_client = \(maxConnections)
        [[espax.clients]]
        name = "Bench"
        password_hash = "\(hash)"
        """)
    let process = DaemonProcess(folder: folder)
    try process.start(["run", "--config", "tocsin.toml"])
    let webPort = try await process.waitForPort()
    let port = try await espaxPort(of: process)
    let daemon = RunningDaemon(process: process, client: RESTClient(port: webPort))
    try await makeGroup(daemon.client, number: "0815", address: receiver.url("/bench"))
    return (daemon, port)
}

/// The ESPA-X port a daemon started with `port = 0` listens on, from its log.
func espaxPort(of process: DaemonProcess) async throws -> Int {
    try await process.waitForLog("ESPA-X listening")
    guard let line = process.runLog.split(separator: "\n").first(where: { $0.contains("ESPA-X listening") }),
          let range = line.firstRange(of: " port="), let port = Int(line[range.upperBound...].prefix { $0.isNumber })
    else { throw HarnessError("no ESPA-X port in the log") }
    return port
}

func loggedInSessions(_ count: Int, port: Int) throws -> [ESPAXTestClient] {
    try (0..<count).map { _ in
        let client = try ESPAXTestClient(port: port)
        guard try client.login(client: "Bench", password: "secret1").code == 200 else { throw HarnessError("login refused") }
        return client
    }
}

/// One round of the sustained P-START figure: the rate answered 200, and the daemon's CPU time
/// (user and system, from /proc) per alarm over the round, which a shared machine's noise moves
/// far less than the rate.
struct StartRound {
    var rate: Double
    var cpuMicrosecondsPerAlarm: Double
    /// This process's own CPU an alarm (load generator and webhook receiver), which shares the
    /// daemon's two cores and so bounds the rate as much as the daemon does.
    var harnessMicrosecondsPerAlarm: Double
    /// Journal writes (one alarm's changes committed together) per alarm, and alarms per fsync'd
    /// transaction, from the daemon's `/metrics`.
    var writesPerAlarm: Double
    var alarmsPerTransaction: Double
}

/// The journal writer's totals from `/metrics`: transactions and the writes they carried.
func journalTotals(_ daemon: RunningDaemon) async throws -> (transactions: Double, writes: Double) {
    let text = try await daemon.client.get("/metrics").body
    func value(_ name: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }
    return (value("tocsin_journal_batch_writes_count"), value("tocsin_journal_batch_writes_sum"))
}

/// Sustained REQ.P-START/s: every session keeps `window` requests in flight; counts RSP.P-START 200.
/// Each round logs in its sessions afresh and waits until the previous round's pushes are done.
func espaxStartThroughput(_ daemon: RunningDaemon, port: Int, receiver: WebhookReceiver, rounds: Int = 7,
                          sessions: Int = 100, perSession: Int = 100, window: Int = 10) async throws -> [StartRound] {
    // A short warm-up, so that the figure is the sustained rate and not the first allocations.
    _ = try ESPAXLoad(port: port, sessions: sessions).sustained(perSession: 20, window: window)
    var results: [StartRound] = []
    try await waitUntilQuiet(receiver)
    for _ in 0..<rounds {
        let load = try ESPAXLoad(port: port, sessions: sessions)
        let journalBefore = try await journalTotals(daemon)
        let cpuBefore = cpuSeconds(daemon.process.pid)
        let harnessBefore = cpuSeconds(getpid())
        let rate = try load.sustained(perSession: perSession, window: window)
        let cpu = cpuSeconds(daemon.process.pid) - cpuBefore
        let harness = cpuSeconds(getpid()) - harnessBefore
        // Every process answered must also be reported ended (callisto mode: once its push is sent).
        try load.awaitEnds()
        guard load.ended == load.answered else {
            throw HarnessError("\(load.answered - load.ended) of \(load.answered) processes answered 200 never had IND.P-ENDED")
        }
        // The pushes' outcomes are journalled by the time the receiver is quiet.
        try await waitUntilQuiet(receiver)
        let journalAfter = try await journalTotals(daemon)
        let alarms = Double(load.answered)
        results.append(StartRound(
            rate: rate, cpuMicrosecondsPerAlarm: cpu * 1_000_000 / alarms,
            harnessMicrosecondsPerAlarm: harness * 1_000_000 / alarms,
            writesPerAlarm: (journalAfter.writes - journalBefore.writes) / alarms,
            alarmsPerTransaction: alarms / max(1, journalAfter.transactions - journalBefore.transactions)))
    }
    return results
}

/// The CPU time a process has used so far, user and system, in seconds.
func cpuSeconds(_ pid: pid_t) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let end = stat.lastIndex(of: ")") else { return 0 }
    // After the command name: state is field 3, utime and stime are fields 14 and 15.
    let fields = stat[stat.index(after: end)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Returns once the receiver has had no request for a second.
func waitUntilQuiet(_ receiver: WebhookReceiver) async throws {
    var last = -1
    while receiver.receivedCount != last {
        last = receiver.receivedCount
        try await Task.sleep(for: .seconds(1))
    }
}

/// RSP.P-START latency in milliseconds at `rate` requests per second over `sessions` sessions.
func espaxStartLatency(port: Int, rate: Int = 1000, seconds: Int = 10, sessions: Int = 10) throws -> [Double] {
    let load = try ESPAXLoad(port: port, sessions: sessions)
    try load.paced(rate: rate, seconds: seconds)
    return load.latencies
}

/// The daemon's RSS in KiB with `sessions` logged-in sessions, each sending one heartbeat.
func espaxIdleSessionsRSS(_ daemon: RunningDaemon, port: Int, sessions: Int = 5000) throws -> Int {
    let clients = try loggedInSessions(sessions, port: port)
    for client in clients { try client.send("REQ.HEARTBEAT") }
    for client in clients { guard try client.next("RSP.HEARTBEAT").code == 200 else { throw HarnessError("heartbeat refused") } }
    let rss = memory(daemon.process.pid)?.residentKiB ?? -1
    clients.forEach { $0.disconnect() }
    return rss
}
