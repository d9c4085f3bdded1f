// The benchmarks behind README's performance figures. Each figure is a distribution over many
// iterations (median and p99), measured beside a baseline taken in the same run on the same
// machine, because the build machines are shared and noisy. Run with `make bench`.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Alarming
import AsyncHTTPClient
import CSQLite
import NIOCore
import NIOHTTP1
import Storage
import TocsinTestKit

struct Figure {
    var name: String
    var value: String
    var baseline: String
    var target: String
    var command: String
}

/// Progress lines go to stderr so that stdout carries only the table.
func progress(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func format(_ value: Double, _ digits: Int = 2) -> String {
    let scale = pow(10.0, Double(digits))
    return String((value * scale).rounded() / scale)
}

func milliseconds(_ duration: Duration) -> Double { duration.seconds * 1000 }

/// The benchmark sections, in the order they run; `--only` picks some of them.
let sections = ["journal", "rest", "serial", "espax", "fanout", "escalation", "idle", "box", "million"]

func arguments() -> (tocsin: String, output: String?, only: Set<String>) {
    var tocsin = DaemonProcess.binary
    var output: String?
    var only = Set(sections)
    var iterator = CommandLine.arguments.dropFirst().makeIterator()
    while let argument = iterator.next() {
        switch argument {
        case "--tocsin": tocsin = iterator.next() ?? tocsin
        case "--output": output = iterator.next()
        case "--only":
            only = Set((iterator.next() ?? "").split(separator: ",").map(String.init))
            guard only.isSubset(of: sections) else {
                progress("--only takes a comma-separated list of: \(sections.joined(separator: ", "))")
                exit(2)
            }
        default:
            progress("usage: TocsinBenchmarks [--tocsin PATH] [--output FILE] [--only SECTION,…]")
            exit(2)
        }
    }
    return (tocsin, output, only)
}

// MARK: - Journal throughput

/// Sustained `record` rate with synchronous=FULL and group commit, many concurrent producers.
func journalThroughput(rounds: Int, alarmsPerRound: Int, producers: Int) async throws -> (rates: [Double], latencies: [Double]) {
    let folder = try makeTemporaryFolder("bench-journal")
    let store = try Store(path: folder + "/journal.sqlite")
    defer { store.close() }
    let request = AlarmRequest(source: AlarmSource(kind: .rest, name: "bench"), target: .group("12"), text: "Room 12 bed 1: patient call", priority: .high)
    var rates: [Double] = []
    var latencies: [Double] = []
    for _ in 0..<rounds {
        let clock = ContinuousClock()
        let start = clock.now
        let roundLatencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<producers {
                group.addTask {
                    var local: [Double] = []
                    for _ in 0..<(alarmsPerRound / producers) {
                        let begin = clock.now
                        _ = try await store.journal.record(request, at: Date())
                        local.append(milliseconds(clock.now - begin))
                    }
                    return local
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = (clock.now - start).seconds
        rates.append(Double(roundLatencies.count) / elapsed)
        latencies += roundLatencies
    }
    return (rates, latencies)
}

/// The baseline: the same row written with one transaction (one fsync) per alarm, as a naive
/// journal would, on the same disk in the same run.
func naiveThroughput(alarms: Int) throws -> Double {
    let folder = try makeTemporaryFolder("bench-naive")
    var db: OpaquePointer?
    guard sqlite3_open(folder + "/naive.sqlite", &db) == SQLITE_OK else { throw HarnessError("sqlite3_open failed") }
    defer { sqlite3_close(db) }
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE alarms(id INTEGER PRIMARY KEY, text TEXT, at REAL)", nil, nil, nil)
    var statement: OpaquePointer?
    sqlite3_prepare_v2(db, "INSERT INTO alarms(text, at) VALUES ('Room 12 bed 1: patient call', 1.0)", -1, &statement, nil)
    defer { sqlite3_finalize(statement) }
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<alarms {
        sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil)
        sqlite3_step(statement)
        sqlite3_reset(statement)
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
    }
    return Double(alarms) / (clock.now - start).seconds
}

// MARK: - The real daemon

struct RunningDaemon {
    var process: DaemonProcess
    var client: RESTClient
}

/// A fresh folder for one benchmark daemon of the binary `tocsin`.
func makeBenchFolder(_ tocsin: String, name: String) throws -> String {
    setenv("TOCSIN_BINARY", tocsin, 1)
    return try makeTemporaryFolder(name)
}

/// Writes the folder's tocsin.toml: the [daemon] and [http] tables every benchmark daemon shares
/// (loopback; port 0 picks a free one), then `extra`.
func writeBenchConfiguration(_ folder: String, httpPort: Int = 0, daemon: String = "", _ extra: String = "") throws {
    try writeFile(folder + "/tocsin.toml", """
        [daemon]
        state_directory = "state"
        log_level = "notice"
        \(daemon)
        [http]
        host = "127.0.0.1"
        port = \(httpPort)
        \(extra)
        """)
}

func startDaemon(_ tocsin: String, name: String, webhookTimeoutMs: Int = 5000) async throws -> RunningDaemon {
    let folder = try makeBenchFolder(tocsin, name: name)
    try writeBenchConfiguration(folder, "[webhook]\ntimeout_ms = \(webhookTimeoutMs)")
    let process = DaemonProcess(folder: folder)
    try process.start(["run", "--config", "tocsin.toml"])
    let port = try await process.waitForPort()
    return RunningDaemon(process: process, client: RESTClient(port: port))
}

func makeGroup(_ client: RESTClient, number: String, address: String) async throws {
    let phone = try await client.create("/api/phones", #"{"name":"Bench \#(number)","driver":"webhook","address":"\#(address)"}"#)
    let member = try await client.create("/api/members", #"{"userName":"bench\#(number)","name":"Bench \#(number)","phoneId":\#(phone["id"].int ?? 0)}"#)
    _ = try await client.create("/api/groups", #"{"number":"\#(number)","name":"Bench \#(number)","members":[\#(member["id"].int ?? 0)]}"#)
}

/// REST POST → journalled → webhook request received, one alarm at a time.
func endToEndLatency(_ daemon: RunningDaemon, receiver: WebhookReceiver, iterations: Int) async throws -> [Double] {
    try await makeGroup(daemon.client, number: "100", address: receiver.url("/latency"))
    var latencies: [Double] = []
    for index in 0..<iterations {
        let before = receiver.received(path: "/latency").count
        let start = ContinuousClock.now
        let response = try await daemon.client.post("/api/alarms", #"{"group":"100","text":"Latency \#(index)"}"#)
        guard response.status == 201 else { throw HarnessError("POST /api/alarms → \(response.status): \(response.body)") }
        while receiver.received(path: "/latency").count == before {
            try await Task.sleep(for: .microseconds(50))
        }
        let arrived = receiver.received(path: "/latency")[before].at
        latencies.append(milliseconds(arrived - start))
    }
    return latencies
}

/// The baseline: the same loopback HTTP POST straight to the receiver, with no daemon between.
func loopbackLatency(receiver: WebhookReceiver, iterations: Int) async throws -> [Double] {
    var latencies: [Double] = []
    for index in 0..<iterations {
        var request = HTTPClientRequest(url: receiver.url("/baseline"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"alarm":\#(index)}"#))
        let start = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        latencies.append(milliseconds(ContinuousClock.now - start))
    }
    return latencies
}

/// Sustained REST raise rate: many clients raising alarms to a group whose phone is the receiver.
func restThroughput(_ daemon: RunningDaemon, receiver: WebhookReceiver, alarms: Int, clients: Int) async throws -> Double {
    try await makeGroup(daemon.client, number: "200", address: receiver.url("/throughput"))
    let client = daemon.client
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<clients {
            group.addTask {
                for index in 0..<(alarms / clients) {
                    let response = try await client.post("/api/alarms", #"{"group":"200","text":"Load \#(worker)-\#(index)"}"#)
                    guard response.status == 201 else { throw HarnessError("POST → \(response.status)") }
                }
            }
        }
        try await group.waitForAll()
    }
    return Double(alarms) / (ContinuousClock.now - start).seconds
}

/// Resident memory from /proc: all of it (`Rss`), and the part only this process dirtied
/// (`Private_Dirty`: heap, stacks, written data). The rest of RSS is clean pages of the binary and
/// the shared libraries, which the kernel can drop and reread at will.
struct Memory {
    var residentKiB: Int
    var privateDirtyKiB: Int
}

func memory(_ pid: pid_t) -> Memory? {
    guard let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return nil }
    func field(_ name: String) -> Int? {
        for line in rollup.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }
    guard let rss = field("Rss"), let dirty = field("Private_Dirty") else { return nil }
    return Memory(residentKiB: rss, privateDirtyKiB: dirty)
}

func strippedSize(_ binary: String) throws -> Int {
    let copy = try makeTemporaryFolder("bench-strip") + "/tocsin"
    guard system("cp '\(binary)' '\(copy)' && strip '\(copy)'") == 0 else { throw HarnessError("strip failed") }
    var info = stat()
    guard stat(copy, &info) == 0 else { throw HarnessError("stat failed") }
    return Int(info.st_size)
}

func machine() -> String {
    var name = utsname()
    uname(&name)
    let release = withUnsafeBytes(of: &name.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
    let arch = withUnsafeBytes(of: &name.machine) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last.map { String($0.drop { $0 == " " || $0 == "\t" }) } ?? "unknown CPU"
    let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("MemTotal") }
        .map { String($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
        .flatMap { Int($0) }.map { "\($0 / 1_048_576) GiB" } ?? "?"
    return "\(cpu), \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) cores, \(memory), Linux \(release) \(arch)"
}

// MARK: - Main

let (tocsin, output, only) = arguments()
var figures: [Figure] = []
let command = "make bench"

if only.contains("journal") {
    progress("journal throughput…")
    let journal = try await journalThroughput(rounds: 7, alarmsPerRound: 20_000, producers: 64)
    let naive = try naiveThroughput(alarms: 500)
    figures.append(Figure(
        name: "Journal: sustained alarms/s (synchronous=FULL, group commit, 64 producers, 7 rounds × 20,000)",
        value: "median \(Int(percentile(journal.rates, 50))) /s, slowest round \(Int(journal.rates.min() ?? 0)) /s; record latency p50 \(format(percentile(journal.latencies, 50))) ms, p99 \(format(percentile(journal.latencies, 99))) ms",
        baseline: "one fsync per alarm: \(Int(naive)) /s",
        target: "≥ 5,000 /s",
        command: command
    ))
}

if only.contains("rest") {
    progress("end-to-end latency…")
    let receiver = try await WebhookReceiver()
    let daemon = try await startDaemon(tocsin, name: "bench-daemon")
    let latency = try await endToEndLatency(daemon, receiver: receiver, iterations: 1000)
    let baseline = try await loopbackLatency(receiver: receiver, iterations: 1000)
    figures.append(Figure(
        name: "REST POST /api/alarms → journalled → webhook received (1,000 sequential alarms)",
        value: "p50 \(format(percentile(latency, 50))) ms, p99 \(format(percentile(latency, 99))) ms",
        baseline: "bare loopback HTTP POST: p50 \(format(percentile(baseline, 50))) ms, p99 \(format(percentile(baseline, 99))) ms",
        target: "—",
        command: command
    ))

    progress("REST throughput…")
    let restRate = try await restThroughput(daemon, receiver: receiver, alarms: 8_000, clients: 32)
    figures.append(Figure(
        name: "REST: sustained alarms/s raised and delivered to a webhook phone (32 clients, 8,000 alarms)",
        value: "\(Int(restRate)) /s",
        baseline: "journal alone above",
        target: "—",
        command: command
    ))
    daemon.process.signal(SIGTERM)
    _ = try? await daemon.process.wait()
    await receiver.close()
}

if only.contains("serial") {
    progress("ESPA 4.4.4 over a pty…")
    figures += try await serialFigures(tocsin)
}

if only.contains("espax") {
    progress("ESPA-X…")
    let espaxReceiver = try await WebhookReceiver(keepingRequests: false)
    let (espaxDaemon, espaxPort) = try await startESPAXDaemon(tocsin, name: "bench-espax", receiver: espaxReceiver, maxConnections: 6000)
    let rounds = try await espaxStartThroughput(espaxDaemon, port: espaxPort, receiver: espaxReceiver)
    let rates = rounds.map(\.rate)
    let cpu = rounds.map(\.cpuMicrosecondsPerAlarm)
    figures.append(Figure(
        name: "ESPA-X: sustained REQ.P-START/s answered 200 (100 sessions, durable journalling, each pushed to a webhook phone; \(rounds.count) rounds × 10,000)",
        value: "median \(Int(percentile(rates, 50))) /s (slowest round \(Int(rates.min() ?? 0)) /s); daemon CPU median \(Int(percentile(cpu, 50))) µs an alarm, "
            + "load generator and webhook receiver (same cores) \(Int(percentile(rounds.map(\.harnessMicrosecondsPerAlarm), 50))) µs; "
            + "\(format(percentile(rounds.map(\.writesPerAlarm), 50), 1)) journal writes an alarm, \(format(percentile(rounds.map(\.alarmsPerTransaction), 50), 1)) alarms a transaction",
        baseline: "journal alone above",
        target: "≥ 10,000 /s",
        command: command
    ))
    // Alarms are answered before they are delivered: the pushes of the run above are let finish,
    // so that the latency below is measured on a daemon doing only what it is asked at that rate.
    try await waitUntilQuiet(espaxReceiver)
    let espaxLatency = try espaxStartLatency(port: espaxPort)
    figures.append(Figure(
        name: "ESPA-X: RSP.P-START latency at 1,000 requests/s",
        value: "p50 \(format(percentile(espaxLatency, 50))) ms, p99 \(format(percentile(espaxLatency, 99))) ms",
        baseline: "REST raise above",
        target: "p99 ≤ 10 ms",
        command: command
    ))
    let openAfterLoad = try await espaxDaemon.client.get("/api/health").json["openAlarms"].int ?? -1
    let loadedRSS = memory(espaxDaemon.process.pid)?.residentKiB ?? -1
    espaxDaemon.process.signal(SIGTERM)
    _ = try? await espaxDaemon.process.wait()
    // The sessions' own cost, on a daemon that has not just taken tens of thousands of alarms that
    // nobody ended (those stay in memory until acknowledged, and are reported beside it).
    let (idleDaemon, idlePort) = try await startESPAXDaemon(tocsin, name: "bench-espax-idle", receiver: espaxReceiver, maxConnections: 6000)
    try await Task.sleep(for: .seconds(2))
    let idleRSS = memory(idleDaemon.process.pid)?.residentKiB ?? -1
    let espaxRSS = try espaxIdleSessionsRSS(idleDaemon, port: idlePort)
    figures.append(Figure(
        name: "ESPA-X: RSS with 5,000 idle sessions sending heartbeats",
        value: "\(format(Double(espaxRSS) / 1024, 1)) MiB (\(format(Double(espaxRSS - idleRSS) / 5000, 1)) KiB a session)",
        baseline: "the same daemon before the sessions: \(format(Double(idleRSS) / 1024, 1)) MiB; after the two runs above, with \(openAfterLoad) alarms left open: \(format(Double(loadedRSS) / 1024, 1)) MiB",
        target: "≤ 100 MB",
        command: command
    ))
    idleDaemon.process.signal(SIGTERM)
    _ = try? await idleDaemon.process.wait()
    await espaxReceiver.close()
}

if only.contains("fanout") {
    progress("500-phone fan-out…")
    figures += try await fanOutBenchmark(tocsin: tocsin)
}

if only.contains("escalation") {
    progress("escalation…")
    figures += try await escalationFigures(tocsin)
}

if only.contains("idle") {
    progress("idle memory…")
    figures += try await idleMemoryFigures(tocsin)
    let size = try strippedSize(tocsin)
    figures.append(Figure(
        name: "Stripped static release binary",
        value: "\(format(Double(size) / 1_048_576, 1)) MiB",
        baseline: "—",
        target: "≤ 30 MB",
        command: "make bench (thin LTO, lld); strip"
    ))
}

if only.contains("box") {
    progress("start-up and furnished idle memory…")
    let ready = try await startupToReady(tocsin)
    figures.append(Figure(
        name: "Start-up: exec → READY=1 on the notify socket (10 restarts on an existing journal)",
        value: "median \(format(percentile(ready.restarts, 50), 1)) ms, p99 \(format(percentile(ready.restarts, 99), 1)) ms",
        baseline: "first start, creating the journal: \(format(ready.first, 1)) ms",
        target: "—",
        command: command
    ))
    let furnished = try await furnishedIdleRSS(tocsin)
    figures.append(Figure(
        name: "Idle RSS with 4 serial ports, 10 ESPA-X sessions and 200 phones in 20 groups (10 samples)",
        value: "RSS median \(format(furnished.resident, 1)) MiB, of which private dirty \(format(furnished.privateDirty, 1)) MiB",
        baseline: "bare idle daemon above",
        target: "≤ 20 MB (README)",
        command: command
    ))
}

if only.contains("million") {
    progress("a million alarms through…")
    // TOCSIN_BENCH_ALARMS shortens the run for a quick check of the harness itself.
    let total = getenv("TOCSIN_BENCH_ALARMS").flatMap { Int(String(cString: $0)) } ?? 1_000_000
    let run = try await rssOverAlarms(tocsin, total: total, interval: total / 10)
    let kib = run.samples.map(\.kib)
    let afterFirst = run.samples.first { $0.alarms == total / 10 }?.kib ?? -1
    figures.append(Figure(
        name: "RSS while \(total) alarms pass through (ESPA-X P-START, pushed to a webhook phone, P-STOP; sampled every \(total / 10))",
        value: "after \(total / 10): \(format(Double(afterFirst) / 1024, 1)) MiB; after \(total): \(format(Double(kib.last ?? -1) / 1024, 1)) MiB; highest \(format(Double(kib.max() ?? -1) / 1024, 1)) MiB (\(Int(Double(total) / run.seconds)) alarms/s)",
        baseline: "before the first alarm: \(format(Double(kib.first ?? -1) / 1024, 1)) MiB",
        target: "no growth",
        command: command
    ))
}

var table = """
    # Benchmark results

    Machine: \(machine())
    Date: \(Date().formatted(.iso8601))
    Command: `\(command)` (release build, static Swift standard library, thin LTO)

    | figure | value | baseline (same run) | target | command |
    |---|---|---|---|---|

    """
for figure in figures {
    table += "| \(figure.name) | \(figure.value) | \(figure.baseline) | \(figure.target) | `\(figure.command)` |\n"
}
print(table)
if let output {
    try writeFile(output, table)
}
