#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import ESPA444
import Logging
import Serial
import Testing
import TocsinTestKit

/// The port service over a TCP "virtual serial" line: the test's `FakeConverter` is the converter
/// in TCP server mode and plays the panel on the accepted connection. The same session runs as on
/// a serial port, so these tests are about what TCP adds: connecting, reconnecting with backoff, and
/// the technical alarm while the converter cannot be reached.
@Suite(.serialized) struct TCPPortServiceTests {
    static let linkCheck: [UInt8] = [0x04, 0x31, 0x05, 0x32, 0x05]
    static let e4 = ESPAPortServiceTests.e4

    struct Harness {
        let alarms = RecordingAlarms()
        let links = LinkBoard()
        let service: ESPAPortService
        let task: Task<Void, Never>

        init(port: Int, _ configure: (inout PortSettings) -> Void = { _ in }) {
            var settings = PortSettings(label: "nport1", line: .tcp(TCPAddress(host: "127.0.0.1", port: port)), supervisionTime: nil)
            settings.tcp.reconnectInitial = .milliseconds(50)
            settings.tcp.reconnectMaximum = .milliseconds(400)
            configure(&settings)
            let service = ESPAPortService(settings: settings, alarms: alarms, links: links, logger: Logger(label: "test.tcp"))
            self.service = service
            task = Task { await service.supervise() }
        }

        var status: LinkStatus? { links.all.first { $0.kind == "serial" } }

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

        func technicalTexts(_ key: String) async -> [String] {
            await alarms.calls.compactMap { if case .raiseTechnical(key, let text) = $0 { text } else { nil } }
        }

        func stop() async {
            task.cancel()
            await task.value
        }
    }

    @Test func aCallOverTCPIsACKedOnlyAfterTheJournalCommit() async throws {
        let converter = try FakeConverter()
        let harness = Harness(port: converter.port)
        let line = try await converter.accept()
        try await harness.waitForState(.connecting)
        #expect(harness.status?.detail.hasPrefix("open: tcp://127.0.0.1:\(converter.port) (TCP) paging-system") == true, "\(String(describing: harness.status))")

        #expect(try await line.exchange(Self.linkCheck, expecting: 1) == [0x06])
        await harness.alarms.hold()
        try line.write(Self.e4)
        await harness.alarms.waitUntil { ESPAPortServiceTests.raises($0).count == 1 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(line.readAvailable() == [], "no ACK before the journal commit")
        await harness.alarms.release()
        #expect(try await line.read(count: 1) == [0x06])
        try line.write([0x04])
        #expect(ESPAPortServiceTests.raises(await harness.alarms.calls) == [AlarmRequest(
            source: AlarmSource(kind: .espa444, name: "nport1"),
            sourceReference: "nport1/0815/1",
            target: .group("0815"),
            text: "FIRE ZONE 12 FLOOR 3",
            priority: .emergency
        )])
        // A bad BCC is '1' NAK over TCP as over a cable.
        var bad = Self.e4
        bad[bad.count - 1] ^= 0x40
        #expect(try await line.exchange(bad, expecting: 2) == [0x31, 0x15])
        try await harness.waitForState(.up)
        #expect(await harness.technicalTexts("serial.nport1.absent") == [])
        await harness.stop()
        #expect(await line.waitUntilClosedByPeer(), "stopping the port closes the connection")
    }

    @Test func anUnreachableConverterRaisesATechnicalAlarmClearedOnConnect() async throws {
        let converter = try FakeConverter()
        converter.stopListening()
        let harness = Harness(port: converter.port)
        try await harness.waitForState(.absent)
        await harness.alarms.waitUntil { $0.contains { if case .raiseTechnical("serial.nport1.absent", _) = $0 { true } else { false } } }
        let texts = await harness.technicalTexts("serial.nport1.absent")
        #expect(texts == ["TCP port nport1: cannot connect to tcp://127.0.0.1:\(converter.port): Connection refused (the converter is up but nothing listens on that TCP port: check its operation mode is TCP server and the port number, or another host holds its only connection)"])
        #expect(harness.status?.detail.contains("; next attempt in") == true, "\(String(describing: harness.status))")

        // The converter is back: the port connects at its next attempt and the alarm ends.
        try converter.listen()
        let line = try await converter.accept()
        await harness.alarms.waitUntil { RecordingAlarms.clearedAfterRaise("serial.nport1.absent", in: $0) }
        try await harness.waitForState(.connecting)
        #expect(try await line.exchange(Self.e4, expecting: 1) == [0x06])
        // Raised once for the whole outage, however many attempts failed.
        #expect(await harness.technicalTexts("serial.nport1.absent").count == 1)
        await harness.stop()
    }

    @Test func aDroppedConnectionRaisesATechnicalAlarmAndTheReconnectClearsIt() async throws {
        let converter = try FakeConverter()
        let harness = Harness(port: converter.port)
        let first = try await converter.accept()
        #expect(try await first.exchange(Self.e4, expecting: 1) == [0x06])

        first.close()
        await harness.alarms.waitUntil { $0.contains { if case .raiseTechnical("serial.nport1.absent", _) = $0 { true } else { false } } }
        #expect(await harness.technicalTexts("serial.nport1.absent") == [
            "TCP port nport1: connection to tcp://127.0.0.1:\(converter.port) lost (connection closed by the peer (read returned 0))",
        ])
        let second = try await converter.accept()
        await harness.alarms.waitUntil { RecordingAlarms.clearedAfterRaise("serial.nport1.absent", in: $0) }
        #expect(try await second.exchange(espaBlock([("1", "12"), ("2", "Bed 1")]), expecting: 1) == [0x06])

        // A reset (a converter rebooting mid-session) is lost the same way.
        second.reset()
        await harness.alarms.waitUntil { $0.filter { if case .raiseTechnical("serial.nport1.absent", _) = $0 { true } else { false } }.count == 2 }
        #expect(await harness.technicalTexts("serial.nport1.absent").last
            == "TCP port nport1: connection to tcp://127.0.0.1:\(converter.port) lost (connection lost: Connection reset by peer)")
        let third = try await converter.accept()
        #expect(try await third.exchange(espaBlock([("1", "13"), ("2", "Bed 2")]), expecting: 1) == [0x06])
        // One call sequence across the connections of the port.
        #expect(ESPAPortServiceTests.raises(await harness.alarms.calls).map(\.sourceReference) == ["nport1/0815/1", "nport1/12/2", "nport1/13/3"])
        await harness.stop()
    }

    @Test func faultsAnEarlierRunLeftOpenAreClearedAtStartAndOnTheFirstConnection() async throws {
        let converter = try FakeConverter()
        let harness = Harness(port: converter.port)
        let line = try await converter.accept()
        await harness.alarms.waitUntil { $0.contains(.clearTechnical(key: "serial.nport1.absent")) }
        #expect(await harness.alarms.calls == [
            .clearTechnical(key: "serial.nport1.silent"),
            .clearTechnical(key: "serial.nport1.transmission-errors"),
            .clearTechnical(key: "serial.nport1.absent"),
        ])
        #expect(try await line.exchange(Self.linkCheck, expecting: 1) == [0x06])
        await harness.stop()
    }

    /// A converter that accepts and drops at once (its only connection held by another host, say)
    /// is not reconnected in a tight loop: a connection without a byte counts as a failure.
    @Test func aConverterThatDropsAtOnceIsRetriedWithBackoff() async throws {
        let converter = try FakeConverter()
        let harness = Harness(port: converter.port) { settings in
            settings.tcp.reconnectInitial = .milliseconds(100)
            settings.tcp.reconnectMaximum = .milliseconds(400)
        }
        var accepted: [ContinuousClock.Instant] = []
        for _ in 0 ..< 4 {
            let line = try await converter.accept()
            accepted.append(.now)
            line.close()
        }
        let gaps = zip(accepted, accepted.dropFirst()).map { $0.duration(to: $1) }
        // 100, 200 and 400 ms, each at least (a little scheduling slack below).
        #expect(gaps[0] >= .milliseconds(90) && gaps[1] >= .milliseconds(190) && gaps[2] >= .milliseconds(390), "\(gaps)")
        await harness.stop()
    }

    @Test func aSilentTCPLineRaisesTheSupervisionAlarm() async throws {
        let converter = try FakeConverter()
        let harness = Harness(port: converter.port) { $0.supervisionTime = .seconds(1) }
        let line = try await converter.accept()
        await harness.alarms.waitUntil { $0.contains { if case .raiseTechnical("serial.nport1.silent", _) = $0 { true } else { false } } }
        #expect(await harness.technicalTexts("serial.nport1.silent") == ["TCP port nport1: no poll, select or block for 1 s; check the panel and the cable"])
        #expect(try await line.exchange([0x04, 0x32, 0x05], expecting: 1) == [0x04])
        await harness.alarms.waitUntil { RecordingAlarms.clearedAfterRaise("serial.nport1.silent", in: $0) }
        await harness.stop()
    }
}
