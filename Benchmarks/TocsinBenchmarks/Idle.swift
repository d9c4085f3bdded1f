// Idle memory: the daemon's RSS once start-up has settled, after a burst of alarms, and after the
// quiet release of its code pages; and what that release costs the next alarm.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import TocsinTestKit

/// Median RSS and private dirty over `count` samples 200 ms apart, in MiB.
func sampleMemory(_ pid: pid_t, count: Int = 10) async throws -> (resident: Double, privateDirty: Double) {
    var resident: [Double] = []
    var dirty: [Double] = []
    for _ in 0..<count {
        if let sample = memory(pid) {
            resident.append(Double(sample.residentKiB) / 1024)
            dirty.append(Double(sample.privateDirtyKiB) / 1024)
        }
        try await Task.sleep(for: .milliseconds(200))
    }
    return (percentile(resident, 50), percentile(dirty, 50))
}

func idleMemoryFigures(_ tocsin: String) async throws -> [Figure] {
    let receiver = try await WebhookReceiver(keepingRequests: true)
    let folder = try makeBenchFolder(tocsin, name: "bench-idle")
    try writeBenchConfiguration(folder, daemon: "release_pages_after_quiet_minutes = 1")
    let process = DaemonProcess(folder: folder)
    try process.start(["run", "--config", "tocsin.toml"])
    defer { process.stop() }
    let daemon = RunningDaemon(process: process, client: RESTClient(port: try await process.waitForPort()))

    try await Task.sleep(for: .seconds(4))
    let beforeRelease = try await sampleMemory(process.pid, count: 5)
    // The release comes 10 s after READY=1.
    try await Task.sleep(for: .seconds(10))
    let settled = try await sampleMemory(process.pid)

    // A burst of alarms, each pushed to a webhook phone and then acknowledged, as staff would.
    try await makeGroup(daemon.client, number: "300", address: receiver.url("/idle"))
    var warm: [Double] = []
    for index in 0..<200 {
        let start = ContinuousClock.now
        let alarm = try await daemon.client.create("/api/alarms", #"{"group":"300","text":"Burst \#(index)"}"#)
        while receiver.received(path: "/idle").count <= index { try await Task.sleep(for: .microseconds(50)) }
        warm.append(milliseconds(receiver.received(path: "/idle")[index].at - start))
        _ = try await daemon.client.post("/api/alarms/\(alarm["id"].int ?? 0)/acknowledge", #"{"by":"bench"}"#)
    }
    try await Task.sleep(for: .seconds(5))
    let afterBurst = try await sampleMemory(process.pid)

    // With release_pages_after_quiet_minutes = 1 and a check every 30 s, the release follows
    // within 90 s of the last alarm event.
    let deadline = ContinuousClock.now + .seconds(150)
    var released = afterBurst
    while ContinuousClock.now < deadline {
        try await Task.sleep(for: .seconds(5))
        released = try await sampleMemory(process.pid, count: 3)
        if released.resident < afterBurst.resident * 0.8 { break }
    }
    try await Task.sleep(for: .seconds(2))
    released = try await sampleMemory(process.pid)

    // The next alarm maps its code back in: its latency against the warm ones of the burst.
    let start = ContinuousClock.now
    _ = try await daemon.client.create("/api/alarms", #"{"group":"300","text":"After the quiet"}"#)
    while receiver.received(path: "/idle").count <= 200 { try await Task.sleep(for: .microseconds(50)) }
    let firstAfterRelease = milliseconds(receiver.received(path: "/idle")[200].at - start)

    func mib(_ memory: (resident: Double, privateDirty: Double)) -> String {
        "RSS median \(format(memory.resident, 1)) MiB, of which private dirty \(format(memory.privateDirty, 1)) MiB"
    }
    return [
        Figure(
            name: "Idle RSS after start, code pages released (no alarms, 10 samples)",
            value: mib(settled),
            baseline: "4 s after start, before the release: \(mib(beforeRelease))",
            target: "≤ 20 MB",
            command: command
        ),
        Figure(
            name: "Idle RSS after 200 alarms (pushed, acknowledged), then the release after a quiet minute",
            value: mib(released),
            baseline: "5 s after the burst, before the release: \(mib(afterBurst))",
            target: "≤ 20 MB",
            command: command
        ),
        Figure(
            name: "REST → webhook latency of the first alarm after the quiet release",
            value: "\(format(firstAfterRelease)) ms",
            baseline: "the 200 warm alarms before: p50 \(format(percentile(warm, 50))) ms, p99 \(format(percentile(warm, 99))) ms",
            target: "—",
            command: command
        ),
    ]
}
