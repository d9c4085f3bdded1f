// The phone fan-out figure: one Emergency alarm raised over REST to a group of 500 Cisco phones,
// each a `FakeCiscoPhone` on its own loopback port that fetches the alarm page from the daemon
// before it answers, timed from the POST to the last push answered, with the daemon's RSS sampled
// while it fans out. It drives the real binary, as an integrator's box would run it.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import TocsinTestKit

/// Fan-out time (median and p99 over `iterations` alarms) and peak RSS for `phones` phones, once
/// with the shipped `[cisco] concurrency` (64) and once with every phone in flight at once.
func fanOutBenchmark(tocsin: String, phones count: Int = 500, iterations: Int = 30) async throws -> [Figure] {
    var figures: [Figure] = []
    for concurrency in [64, count] {
        let run = try await fanOut(tocsin: tocsin, phones: count, concurrency: concurrency, iterations: iterations)
        let label = concurrency == 64 ? "shipped concurrency 64" : "concurrency \(concurrency)"
        figures.append(Figure(
            name: "Fan-out of one Emergency alarm to \(count) Cisco phones (\(label)), REST POST → last push answered (\(iterations) alarms)",
            value: "median \(format(percentile(run.milliseconds, 50), 1)) ms, p99 \(format(percentile(run.milliseconds, 99), 1)) ms; \(count)/\(count) phones answered every alarm, each having fetched its page",
            baseline: "loopback fake phones on one 2-core box (phones and daemon share the cores)",
            target: "≤ 250 ms, no phone skipped",
            command: "make bench"
        ))
        figures.append(Figure(
            name: "Daemon RSS during the \(count)-phone fan-out (\(label))",
            value: "peak RSS \(format(Double(run.peak.residentKiB) / 1024, 1)) MiB, of which private dirty \(format(Double(run.peak.privateDirtyKiB) / 1024, 1)) MiB",
            baseline: "—",
            target: "≤ 20 MB idle (README)",
            command: "make bench"
        ))
    }
    return figures
}

struct FanOutRun {
    var milliseconds: [Double]
    var peak: Memory
}

func fanOut(tocsin: String, phones count: Int, concurrency: Int, iterations: Int) async throws -> FanOutRun {
    let port = try fanOutFreePort()
    let folder = try makeBenchFolder(tocsin, name: "bench-fanout")
    try writeBenchConfiguration(folder, httpPort: port, """
        [cisco]
        username = "bench"
        password = "bench-push"
        public_base_url = "http://127.0.0.1:\(port)"
        concurrency = \(concurrency)
        [cisco.tones]
        Emergency = "Play:Alarm.raw"
        """)
    let process = DaemonProcess(folder: folder)
    try process.start(["run", "--config", "tocsin.toml"])
    defer { process.stop() }
    _ = try await process.waitForPort()
    let client = RESTClient(port: port)
    let phoneClient = FakeCiscoPhone.makeClient()
    var phones: [FakeCiscoPhone] = []
    for _ in 0..<count {
        phones.append(try await FakeCiscoPhone(username: "bench", password: "bench-push", client: phoneClient))
    }
    let all = phones
    defer {
        Task {
            for phone in all { await phone.close() }
            try? await phoneClient.shutdown()
        }
    }
    var memberIDs: [Int] = []
    for (index, phone) in phones.enumerated() {
        let created = try await client.create("/api/phones", #"{"name":"SEPBENCH\#(index)","driver":"cisco","address":"\#(phone.address)"}"#)
        let member = try await client.create("/api/members", #"{"userName":"b\#(index)","name":"Bench \#(index)","phoneId":\#(created["id"].int ?? 0)}"#)
        memberIDs.append(member["id"].int ?? 0)
    }
    _ = try await client.create("/api/groups", #"{"number":"500","name":"Fan-out","members":[\#(memberIDs.map(String.init).joined(separator: ","))]}"#)

    let pid = process.pid
    let sampling = Task<Memory, Never> {
        var peak = Memory(residentKiB: 0, privateDirtyKiB: 0)
        while !Task.isCancelled {
            if let now = memory(pid) {
                peak.residentKiB = max(peak.residentKiB, now.residentKiB)
                peak.privateDirtyKiB = max(peak.privateDirtyKiB, now.privateDirtyKiB)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return peak
    }
    var times: [Double] = []
    // The first alarm opens every connection; it is a warm-up and is not counted.
    for iteration in 0...iterations {
        let start = ContinuousClock.now
        let response = try await client.post("/api/alarms", #"{"group":"500","text":"Fan-out \#(iteration)","priority":"emergency"}"#)
        guard response.status == 201, let id = response.json["id"].int else { throw HarnessError("POST /api/alarms → \(response.status): \(response.body)") }
        await withTaskGroup(of: Void.self) { group in
            for phone in all { group.addTask { await phone.waitForPushes(iteration + 1) } }
        }
        let last = all.compactMap { $0.pushes.last?.at }.max() ?? start
        let skipped = all.filter { $0.pushes.count != iteration + 1 || $0.pages.count != iteration + 1 }.count
        guard skipped == 0 else { throw HarnessError("\(skipped) phones were not pushed exactly once for alarm \(id)") }
        if iteration > 0 { times.append(milliseconds(last - start)) }
        progress("fan-out \(count) phones, concurrency \(concurrency): alarm \(iteration) \(format(milliseconds(last - start), 1)) ms")
        let ended = try await client.post("/api/alarms/\(id)/acknowledge", #"{"by":"bench"}"#)
        guard ended.status == 200 else { throw HarnessError("acknowledge → \(ended.status): \(ended.body)") }
    }
    sampling.cancel()
    return FanOutRun(milliseconds: times, peak: await sampling.value)
}

/// A TCP port on 127.0.0.1 that was free a moment ago: the pushed URLs must name the daemon's port
/// before it starts.
func fanOutFreePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
    guard bound == 0 else { throw HarnessError("no free port on 127.0.0.1") }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
