#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ESPA444
import Serial
import Testing

/// `tocsin monitor`'s decoding without a line: each frame with its timestamp, the BCC verdict and
/// the records, whatever the read boundaries, and a block cut off by silence. Instants and wall
/// times are injected.
@Suite struct LineMonitorTests {
    static let t0 = ContinuousClock.now
    /// 2027-01-15 08:00:00.250 UTC.
    static let time = Date(timeIntervalSince1970: 1_800_000_000.25)
    static let stamp = "08:00:00.250"
    /// espa444.md §11 E4, E7 and E8.
    static let e4 = ESPAPortServiceTests.e4
    static let e7: [UInt8] = [0x01, 0x31, 0x02, 0x31, 0x1F, 0x31, 0x32, 0x1E, 0x32, 0x1F, 0x42, 0xE4, 0x72, 0x03, 0xFA]
    static let e8: [UInt8] = [0x01, 0x31, 0x02, 0x31, 0x1F, 0x38, 0x1E, 0x32, 0x1F, 0x54, 0x45, 0x53, 0x54, 0x03, 0x03]
    static let e4Line = "block type '1' BCC 4F ok: 1=\"0815\" 2=\"FIRE ZONE 12 FLOOR 3\" 4=\"3\" 6=\"1\"  [01 31 02 31 1F 30 38 31 35 1E 32 1F 46 49 52 45 20 5A 4F 4E 45 20 31 32 20 46 4C 4F 4F 52 20 33 1E 34 1F 33 1E 36 1F 31 03 4F]"

    static func transcriber(_ charset: Charset = .ascii) -> LineMonitor.Transcriber {
        LineMonitor.Transcriber(charset: charset, interCharacterTimeout: .seconds(2))
    }

    @Test func aTransactionIsPrintedFrameByFrameWithItsTime() {
        var monitor = Self.transcriber()
        let traffic: [UInt8] = [0x04, 0x31, 0x05, 0x32, 0x05, 0x06] + Self.e4 + [0x06, 0x04]
        #expect(monitor.received(traffic, at: Self.t0, time: Self.time) == [
            "\(Self.stamp)  EOT  [04]",
            "\(Self.stamp)  '1' ENQ  [31 05]",
            "\(Self.stamp)  '2' ENQ  [32 05]",
            "\(Self.stamp)  ACK  [06]",
            "\(Self.stamp)  \(Self.e4Line)",
            "\(Self.stamp)  ACK  [06]",
            "\(Self.stamp)  EOT  [04]",
        ])
    }

    @Test func everyReadBoundaryGivesTheSameLines() {
        let traffic: [UInt8] = [0x04, 0x31, 0x05, 0x32, 0x05] + Self.e8 + [0x31, 0x15, 0x04]
        var whole = Self.transcriber()
        let expected = whole.received(traffic, at: Self.t0, time: Self.time)
        #expect(expected.count == 6)
        #expect(expected[3] == "\(Self.stamp)  block type '1' BCC 03 ok: 1=\"8\" 2=\"TEST\"  [01 31 02 31 1F 38 1E 32 1F 54 45 53 54 03 03]")
        #expect(expected[4] == "\(Self.stamp)  '1' NAK  [31 15]")
        for cut in 1 ..< traffic.count {
            var split = Self.transcriber()
            let lines = split.received(Array(traffic[..<cut]), at: Self.t0, time: Self.time)
                + split.received(Array(traffic[cut...]), at: Self.t0, time: Self.time)
            #expect(lines == expected, "cut at \(cut)")
        }
    }

    @Test func aBadBCCShowsWhatWasExpectedAndWhatCame() {
        var monitor = Self.transcriber()
        var bad = Self.e4
        bad[bad.count - 1] = 0x4E
        #expect(monitor.received(bad, at: Self.t0, time: Self.time) == [
            "\(Self.stamp)  block BCC BAD: expected 4F, received 4E  [\(hex(bad))]",
        ])
    }

    @Test func textIsDecodedInThePortsCharsetAndShownEvenInTheWrongOne() {
        var latin1 = Self.transcriber(.latin1)
        #expect(latin1.received(Self.e7, at: Self.t0, time: Self.time) == [
            "\(Self.stamp)  block type '1' BCC FA ok: 1=\"12\" 2=\"Bär\"  [01 31 02 31 1F 31 32 1E 32 1F 42 E4 72 03 FA]",
        ])
        // The monitor replaces what the charset cannot carry rather than refusing the block.
        var ascii = Self.transcriber(.ascii)
        let lines = ascii.received(Self.e7, at: Self.t0, time: Self.time)
        #expect(lines.count == 1 && lines[0].contains("BCC FA ok: 1=\"12\" 2=\"B"), "\(lines)")
        #expect(!lines[0].contains("Bär"))
    }

    @Test func aBlockCutOffBySilenceIsReportedAfterTheInterCharacterTime() {
        var monitor = Self.transcriber()
        #expect(monitor.received(Array(Self.e4.prefix(5)), at: Self.t0, time: Self.time) == [])
        #expect(monitor.tick(now: Self.t0.advanced(by: .milliseconds(1999)), time: Self.time) == [])
        #expect(monitor.tick(now: Self.t0.advanced(by: .seconds(2)), time: Self.time) == [
            "\(Self.stamp)  incomplete block (cut off): [01 31 02 31 1F]",
        ])
        // Once reported, it is gone; the next block decodes on its own.
        #expect(monitor.tick(now: Self.t0.advanced(by: .seconds(5)), time: Self.time) == [])
        #expect(monitor.received(Self.e4, at: Self.t0.advanced(by: .seconds(6)), time: Self.time) == ["\(Self.stamp)  \(Self.e4Line)"])
        // Between frames, silence reports nothing.
        #expect(monitor.tick(now: Self.t0.advanced(by: .seconds(60)), time: Self.time) == [])
    }

    @Test func noiseAndABlockInterruptedBySOHAreNamed() {
        var monitor = Self.transcriber()
        let lines = monitor.received([0x41, 0x42, 0x43, 0x0D] + Array(Self.e4.prefix(3)) + Self.e4, at: Self.t0, time: Self.time)
        #expect(lines == [
            "\(Self.stamp)  noise outside any frame: [41 42 43 0D]",
            "\(Self.stamp)  incomplete block (cut off): [01 31 02]",
            "\(Self.stamp)  \(Self.e4Line)",
        ])
    }

    @Test func theTimestampIsUTCToTheMillisecond() {
        #expect(LineMonitor.lines(for: [.ack], at: Date(timeIntervalSince1970: 0)) == ["00:00:00.000  ACK  [06]"])
        #expect(LineMonitor.lines(for: [.eot, .nak(digit: nil)], at: Date(timeIntervalSince1970: 86399.5)) == [
            "23:59:59.500  EOT  [04]", "23:59:59.500  NAK  [15]",
        ])
    }

    @Test func bytesAreNamedForTheIntegrator() {
        #expect([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x15, 0x1F, 0x1E, 0x11, 0x13, 0x31, 0x20, 0x7E, 0x7F, 0x00, 0xE4].map(LineTranscript.describe(byte:)) == [
            "01 SOH", "02 STX", "03 ETX", "04 EOT", "05 ENQ", "06 ACK", "15 NAK", "1F US", "1E RS", "11 XON", "13 XOFF",
            "31 '1'", "20 ' '", "7E '~'", "7F .", "00 .", "E4 .",
        ])
    }
}
