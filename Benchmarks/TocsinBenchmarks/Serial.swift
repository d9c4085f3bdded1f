// ESPA 4.4.4 figures over a pty pair: the ACK turnaround (last byte of a block written → ACK byte
// read, the journal commit included), the serial-to-delivery latency (last byte → webhook request
// received) and blocks per second with none dropped. A pty moves bytes at memory speed whatever
// the baud rate, so these are the software's own figures; the line's limit is given beside them.

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

func serialFigures(_ tocsin: String, calls: Int = 1000, rateSeconds: Int = 5) async throws -> [Figure] {
    let receiver = try await WebhookReceiver()
    let folder = try makeBenchFolder(tocsin, name: "bench-serial")
    let pty = try PtyPair()
    let link = folder + "/port1"
    guard symlink(pty.slavePath, link) == 0 else { throw HarnessError("symlink \(link) failed") }
    try writeBenchConfiguration(folder, """
        [[ports]]
        label = "port1"
        device = "\(link)"
        baud = 115200
        framing = "8N1"
        supervision_seconds = 0
        """)
    let process = DaemonProcess(folder: folder)
    try process.start(["run", "--config", "tocsin.toml"])
    defer { process.stop() }
    let client = RESTClient(port: try await process.waitForPort())
    try await makeGroup(client, number: "0815", address: receiver.url("/serial"))
    _ = try await client.waitFor("/api/links") { body in
        body["links"].array.contains { $0["name"].string == "port1" && $0["state"].string != "waiting" }
    }

    let select: [UInt8] = [0x04, 0x31, 0x05, 0x32, 0x05]
    func block(_ number: Int) -> [UInt8] {
        espaBlock("1", [("1", "0815"), ("2", "BENCH RATE \(number)"), ("4", "3"), ("6", "1")])
    }
    func call(_ number: Int) throws -> ContinuousClock.Instant {
        guard try pty.exchange(select, expecting: 1) == [0x06] else { throw HarnessError("select not ACKed") }
        try pty.write(block(number))
        let written = ContinuousClock.now
        guard try pty.read(count: 1) == [0x06] else { throw HarnessError("block \(number) not ACKed") }
        let acknowledged = ContinuousClock.now
        try pty.write([0x04])
        return acknowledged
    }

    // The address (record 1) is the group: every call goes to 0815's webhook phone.
    var turnaround: [Double] = []
    var delivery: [Double] = []
    for number in 0..<calls {
        let before = receiver.receivedCount
        guard try pty.exchange(select, expecting: 1) == [0x06] else { throw HarnessError("select not ACKed") }
        try pty.write(espaBlock("1", [("1", "0815"), ("2", "BENCH CALL \(number)"), ("4", "3"), ("6", "1")]))
        let written = ContinuousClock.now
        guard try pty.read(count: 1) == [0x06] else { throw HarnessError("block \(number) not ACKed") }
        turnaround.append(milliseconds(written.duration(to: .now)))
        try pty.write([0x04])
        while receiver.receivedCount == before { try await Task.sleep(for: .microseconds(50)) }
        guard let arrived = receiver.received.last?.at else { throw HarnessError("no webhook request") }
        delivery.append(milliseconds(written.duration(to: arrived)))
        // Ends the call (type '1', reset) so the next block is a new alarm and not a duplicate.
        guard try pty.exchange(select, expecting: 1) == [0x06] else { throw HarnessError("select not ACKed") }
        guard try pty.exchange(espaBlock("1", [("1", "0815"), ("4", "1")]), expecting: 1) == [0x06] else { throw HarnessError("reset not ACKed") }
        try pty.write([0x04])
    }

    // Blocks per second: select, block, EOT back to back, each block a new call.
    let alarmsBefore = try await client.get("/api/health").json["openAlarms"].int ?? 0
    var sent = 0
    let started = ContinuousClock.now
    while started.duration(to: .now) < .seconds(rateSeconds) {
        _ = try call(sent)
        sent += 1
    }
    let rate = Double(sent) / started.duration(to: .now).seconds
    // None dropped: every block ACKed above made its own alarm.
    let raised = try await client.waitFor("/api/health") { ($0["openAlarms"].int ?? 0) - alarmsBefore >= sent }
    let made = (raised["openAlarms"].int ?? 0) - alarmsBefore
    await receiver.close()

    // 115200 baud 8N1 is 11,520 bytes/s; a call costs select (5) + ACK + block + ACK + EOT.
    let lineBytes = 5 + 1 + block(1).count + 1 + 1
    return [
        Figure(
            name: "ESPA 4.4.4 ACK turnaround over a pty, last byte of a block → ACK read, journal commit included (\(calls) calls)",
            value: "p50 \(format(percentile(turnaround, 50))) ms, p99 \(format(percentile(turnaround, 99))) ms",
            baseline: "one character at 9600 baud (7E2) lasts 1.04 ms",
            target: "p99 ≤ 2 ms",
            command: "make bench"
        ),
        Figure(
            name: "ESPA 4.4.4 serial-to-delivery, last byte of a block → webhook request received (\(calls) calls)",
            value: "p50 \(format(percentile(delivery, 50))) ms, p99 \(format(percentile(delivery, 99))) ms",
            baseline: "a 40-byte block lasts 46 ms on a 9600-baud 7E2 line",
            target: "p99 ≤ 5 ms",
            command: "make bench"
        ),
        Figure(
            name: "ESPA 4.4.4 blocks per second on one port (select, block, EOT; every block a new alarm)",
            value: "\(Int(rate)) /s, \(made)/\(sent) alarms made (none dropped)",
            baseline: "the line itself at 115200 baud 8N1 carries \(11_520 / lineBytes) such calls/s",
            target: "no drops",
            command: "make bench"
        ),
    ]
}
