#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Alarming
import ESPA444
import Logging
import Serial
import Testing

/// The port service over a real pty pair, with the alarm core replaced by a recorder so each test
/// sees exactly which alarms are raised, ended and reported, and when the ACK goes out.
@Suite(.serialized) struct ESPAPortServiceTests {
    static let linkCheck: [UInt8] = [0x04, 0x31, 0x05, 0x32, 0x05]
    /// espa444.md §11 E4 and its reset E5.
    static let e4: [UInt8] = [0x01, 0x31, 0x02, 0x31, 0x1F, 0x30, 0x38, 0x31, 0x35, 0x1E, 0x32, 0x1F, 0x46, 0x49, 0x52, 0x45, 0x20, 0x5A, 0x4F, 0x4E, 0x45, 0x20, 0x31, 0x32, 0x20, 0x46, 0x4C, 0x4F, 0x4F, 0x52, 0x20, 0x33, 0x1E, 0x34, 0x1F, 0x33, 0x1E, 0x36, 0x1F, 0x31, 0x03, 0x4F]
    static let e5: [UInt8] = [0x01, 0x31, 0x02, 0x31, 0x1F, 0x30, 0x38, 0x31, 0x35, 0x1E, 0x32, 0x1F, 0x46, 0x49, 0x52, 0x45, 0x20, 0x5A, 0x4F, 0x4E, 0x45, 0x20, 0x31, 0x32, 0x20, 0x46, 0x4C, 0x4F, 0x4F, 0x52, 0x20, 0x33, 0x1E, 0x34, 0x1F, 0x31, 0x03, 0x4B]

    struct Harness {
        let pty: PtyPair
        let alarms: RecordingAlarms
        let links: LinkBoard
        let service: ESPAPortService
        let task: Task<Void, Never>

        init(settings: (String) -> PortSettings, pty: PtyPair? = nil, devicePath: String? = nil, alarms: RecordingAlarms = RecordingAlarms()) async throws {
            let pty = try pty ?? PtyPair()
            self.pty = pty
            self.alarms = alarms
            links = LinkBoard()
            let service = ESPAPortService(settings: settings(devicePath ?? pty.slavePath), alarms: alarms, links: links, logger: Logger(label: "test.serial"))
            self.service = service
            task = Task { await service.supervise() }
            try await waitForState(.connecting)
        }

        var status: LinkStatus? { links.all.first { $0.kind == "serial" } }

        /// Polls the board until the port reaches the state (the board has no change stream).
        func waitForState(_ state: LinkStatus.State, timeout: Duration = .seconds(5)) async throws {
            let deadline = ContinuousClock.now + timeout
            while status?.state != state {
                guard ContinuousClock.now < deadline else {
                    Issue.record("port never reached \(state); board: \(String(describing: status))")
                    throw CancellationError()
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }

        func waitForCounter(_ name: String, _ value: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(5)
            while status?.counters[name] != value {
                guard ContinuousClock.now < deadline else {
                    Issue.record("counter \(name) never reached \(value); board: \(String(describing: status))")
                    throw CancellationError()
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }

        func stop() async {
            task.cancel()
            await task.value
        }
    }

    static func raises(_ calls: [RecordingAlarms.Call]) -> [AlarmRequest] {
        calls.compactMap { if case .raise(let request) = $0 { request } else { nil } }
    }

    @Test func aCallIsACKedOnlyAfterTheJournalCommitThenResetAndDuplicate() async throws {
        let harness = try await Harness(settings: { PortSettings(label: "port1", line: .serial(path: $0)) })
        let pty = harness.pty, alarms = harness.alarms

        #expect(await pty.read(count: 1, timeout: .zero) == [], "nothing is sent before the panel speaks")
        pty.write(Self.linkCheck)
        #expect(await pty.read(count: 1) == [0x06])

        await alarms.hold()
        pty.write(Self.e4)
        await alarms.waitUntil { Self.raises($0).count == 1 }
        // The raise is still running: no ACK may be on the line yet.
        #expect(pty.pending() == [])
        await alarms.release()
        #expect(await pty.read(count: 1) == [0x06])
        #expect(Self.raises(await alarms.calls) == [AlarmRequest(
            source: AlarmSource(kind: .espa444, name: "port1"),
            sourceReference: "port1/0815/1",
            target: .group("0815"),
            text: "FIRE ZONE 12 FLOOR 3",
            priority: .emergency
        )])
        pty.write([0x04])

        // The ACK was lost, the panel sends the same block again: ACKed, not raised twice.
        pty.write(Self.linkCheck)
        #expect(await pty.read(count: 1) == [0x06])
        pty.write(Self.e4)
        #expect(await pty.read(count: 1) == [0x06])
        try await harness.waitForCounter("duplicates", 1)
        #expect(Self.raises(await alarms.calls).count == 1)

        // Call type '1' ends the running alarm with that address on this port, then ACKs.
        pty.write(Self.e5)
        #expect(await pty.read(count: 1) == [0x06])
        #expect(await alarms.calls.contains(.end(1, .client, "espa444 port1")))
        #expect(await alarms.openAlarms.isEmpty)
        try await harness.waitForCounter("resets", 1)
        #expect(harness.status?.counters["blocks"] == 2)
        #expect(harness.status?.state == .up)
        await harness.stop()
    }

    @Test func aJournalFailureIsAnsweredBusySoThePanelRetries() async throws {
        let harness = try await Harness(settings: { PortSettings(label: "port1", line: .serial(path: $0)) })
        await harness.alarms.setFailRaise(true)
        harness.pty.write(Self.linkCheck)
        #expect(await harness.pty.read(count: 1) == [0x06])
        harness.pty.write(Self.e4)
        #expect(await harness.pty.read(count: 2) == [0x32, 0x15])
        // The panel's retry after the journal recovered is a new attempt, not a duplicate.
        await harness.alarms.setFailRaise(false)
        harness.pty.write(Self.e4)
        #expect(await harness.pty.read(count: 1) == [0x06])
        #expect(Self.raises(await harness.alarms.calls).count == 2)
        try await harness.waitForCounter("naks", 1)
        await harness.stop()
    }

    @Test func anUnrecognisedPriorityGetsThePortDefaultAndTheSequenceContinuesTheJournal() async throws {
        let earlier = Alarm(
            id: 7,
            request: AlarmRequest(source: AlarmSource(kind: .espa444, name: "ward"), sourceReference: "ward/12/41", target: .group("12"), text: "old"),
            receivedAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
        let other = Alarm(
            id: 8,
            request: AlarmRequest(source: AlarmSource(kind: .espa444, name: "other"), sourceReference: "other/12/900", target: .group("12"), text: "other port"),
            receivedAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
        let harness = try await Harness(
            settings: { PortSettings(label: "ward", line: .serial(path: $0), defaultPriority: .high) },
            alarms: RecordingAlarms(journalled: [earlier, other])
        )
        // A block with no select before it is taken too; '01' is not '1'.
        harness.pty.write(espaBlock([("1", "123"), ("2", "Bed 4"), ("6", "01")]))
        #expect(await harness.pty.read(count: 1) == [0x06])
        harness.pty.write(espaBlock([("1", "124"), ("2", "Bed 5")]))
        #expect(await harness.pty.read(count: 1) == [0x06])
        let requests = Self.raises(await harness.alarms.calls)
        #expect(requests.map(\.sourceReference) == ["ward/123/42", "ward/124/43"])
        #expect(requests.map(\.priority) == [.high, .high])
        #expect(requests.map(\.text) == ["Bed 4", "Bed 5"])
        await harness.stop()
    }

    @Test func unplugRaisesATechnicalAlarmAndReplugReopensAndClearsIt() async throws {
        let folder = "/tmp/tocsin-serial-replug-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        mkdir(folder, 0o700)
        let link = folder + "/port1"
        let first = try PtyPair()
        symlink(first.slavePath, link)
        defer { unlink(link); rmdir(folder) }
        let harness = try await Harness(
            settings: { PortSettings(label: "port1", line: .serial(path: $0), presenceCheckInterval: .milliseconds(50)) },
            pty: first, devicePath: link
        )
        first.write(Self.linkCheck)
        #expect(await first.read(count: 1) == [0x06])

        first.unplug()
        await harness.alarms.waitUntil { $0.contains { if case .raiseTechnical("serial.port1.absent", _) = $0 { true } else { false } } }
        try await harness.waitForState(.absent)
        let text = await harness.alarms.calls.compactMap { if case .raiseTechnical("serial.port1.absent", let text) = $0 { text } else { nil } }
        #expect(text.count == 1 && text[0].hasPrefix("Serial port port1: \(link) unplugged ("), "\(text)")

        // The adapter comes back (as a new pty behind the same stable path).
        let second = try PtyPair()
        unlink(link)
        symlink(second.slavePath, link)
        try await harness.waitForState(.connecting)
        await harness.alarms.waitUntil { RecordingAlarms.clearedAfterRaise("serial.port1.absent", in: $0) }
        second.write(Self.linkCheck)
        #expect(await second.read(count: 1) == [0x06])
        second.write(Self.e4)
        #expect(await second.read(count: 1) == [0x06])
        await harness.stop()
    }

    @Test func aSilentLineRaisesATechnicalAlarmClearedByTheNextPoll() async throws {
        let harness = try await Harness(settings: { PortSettings(label: "p", line: .serial(path: $0), supervisionTime: .milliseconds(200)) })
        await harness.alarms.waitUntil { $0.contains { if case .raiseTechnical("serial.p.silent", _) = $0 { true } else { false } } }
        try await harness.waitForState(.silent)
        harness.pty.write([0x04, 0x32, 0x05])
        // A poll of Tocsin's own address right after EOT: "nothing to send".
        #expect(await harness.pty.read(count: 1) == [0x04])
        await harness.alarms.waitUntil { RecordingAlarms.clearedAfterRaise("serial.p.silent", in: $0) }
        try await harness.waitForState(.up)
        await harness.stop()
    }

    @Test func aBurstOfBadBlocksRaisesATechnicalAlarmClearedByAGoodOne() async throws {
        let harness = try await Harness(settings: { PortSettings(label: "p", line: .serial(path: $0), bccBurstLimit: 3) })
        var bad = Self.e4
        bad[bad.count - 1] ^= 0x01
        for _ in 0 ..< 3 {
            harness.pty.write(bad)
            #expect(await harness.pty.read(count: 2) == [0x31, 0x15])
        }
        await harness.alarms.waitUntil { $0.contains { if case .raiseTechnical("serial.p.transmission-errors", _) = $0 { true } else { false } } }
        try await harness.waitForState(.down)
        #expect(harness.status?.counters["transmissionErrors"] == 3)
        harness.pty.write(Self.e4)
        #expect(await harness.pty.read(count: 1) == [0x06])
        await harness.alarms.waitUntil { RecordingAlarms.clearedAfterRaise("serial.p.transmission-errors", in: $0) }
        await harness.stop()
    }

    @Test func theTurnaroundDelayHoldsTheReplyBack() async throws {
        let harness = try await Harness(settings: { PortSettings(label: "p", line: .serial(path: $0), turnaround: .milliseconds(80)) })
        let sent = ContinuousClock.now
        harness.pty.write(Self.linkCheck)
        #expect(await harness.pty.read(count: 1) == [0x06])
        #expect(sent.duration(to: .now) >= .milliseconds(80))
        await harness.stop()
    }

    @Test func theControlStationRolePollsThePanel() async throws {
        let harness = try await Harness(settings: { PortSettings(label: "cs", line: .serial(path: $0), role: .controlStation, pollInterval: .milliseconds(100)) })
        #expect(await harness.pty.read(count: 3) == [0x04, 0x31, 0x05])
        // The panel selects Tocsin and sends a call.
        harness.pty.write([0x32, 0x05])
        #expect(await harness.pty.read(count: 1) == [0x06])
        harness.pty.write(espaBlock([("1", "55"), ("2", "Room 5")]))
        #expect(await harness.pty.read(count: 1) == [0x06])
        harness.pty.write([0x04])
        #expect(await harness.pty.read(count: 3) == [0x04, 0x31, 0x05])
        #expect(Self.raises(await harness.alarms.calls).map(\.sourceReference) == ["cs/55/1"])
        await harness.stop()
    }
}

/// espa444.md §11's block builder.
func espaBlock(_ records: [(String, String)], header: String = "1") -> [UInt8] {
    var body = Array(header.utf8) + [0x02]
    for (index, record) in records.enumerated() {
        if index > 0 { body.append(0x1E) }
        body += Array(record.0.utf8) + [0x1F] + Array(record.1.utf8)
    }
    body.append(0x03)
    return [0x01] + body + [body.reduce(0, ^)]
}
