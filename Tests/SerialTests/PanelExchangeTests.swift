import ESPA444
import Serial
import Testing

/// `tocsin panel`'s exchange without a line: what it sends, what it prints byte by byte with the
/// time since start, and its verdict, driven with injected instants (no sleeping).
@Suite struct PanelExchangeTests {
    typealias Step = PanelExchange.Step
    static let t0 = ContinuousClock.now
    static func at(_ milliseconds: Double) -> ContinuousClock.Instant {
        t0.advanced(by: .microseconds(Int64(milliseconds * 1000)))
    }

    /// E6's call: `SOH '1' STX '1' US 'A' ETX BCC`.
    static let block = Call.block(address: "A", text: nil, priority: nil)
    static let e6: [UInt8] = [0x01, 0x31, 0x02, 0x31, 0x1F, 0x41, 0x03, 0x5F]
    static let select: [UInt8] = [0x04, 0x31, 0x05, 0x32, 0x05]

    static func exchange(retries: Int = 2) throws -> PanelExchange {
        try PanelExchange(
            block: block, destination: 0x32, ownAddress: 0x31, charset: .ascii, retries: retries,
            retryDelay: .seconds(1), line: "/dev/ttyUSB0 at 9600 7E2", now: t0
        )
    }

    static func sent(_ steps: [Step]) -> [[UInt8]] {
        steps.compactMap { if case .send(let bytes, _) = $0 { bytes } else { nil } }
    }

    static func printed(_ steps: [Step]) -> [String] {
        steps.compactMap {
            switch $0 {
            case .send(_, let line), .report(let line): line
            case .wake: nil
            }
        }
    }

    @Test func anACKedBlockIsReportedByteByByteWithTheTimeSinceStart() throws {
        var exchange = try Self.exchange()
        let begin = exchange.begin(now: Self.t0)
        #expect(begin == [
            .report("    0.0 ms  sending to station '2' on /dev/ttyUSB0 at 9600 7E2: \(Self.block)"),
            .send(Self.select, line: "    0.0 ms  -> 04 31 05 32 05  (EOT '1' ENQ '2' ENQ)"),
            .wake(at: Self.t0.advanced(by: .seconds(10))),
        ])
        #expect(exchange.outcome == nil)

        let selected = exchange.received([0x06], at: Self.at(12.34))
        #expect(Self.printed(selected) == [
            "   12.3 ms  <- 06 ACK",
            "   12.3 ms  -> 01 31 02 31 1F 41 03 5F  (SOH '1' STX '1' US 'A' ETX '_')",
        ])
        #expect(Self.sent(selected) == [Self.e6])

        let taken = exchange.received([0x06], at: Self.at(1234.5))
        #expect(Self.printed(taken) == [
            " 1234.5 ms  <- 06 ACK",
            " 1234.5 ms  block ACKed by the peer",
            " 1234.5 ms  -> 04  (EOT)",
        ])
        #expect(exchange.outcome == .acknowledged)
        // A later hang-up does not change the verdict.
        _ = exchange.lineGone("hang-up", now: Self.at(1300))
        #expect(exchange.outcome == .acknowledged)
    }

    @Test func aNAKedBlockIsResentAfterTheRetryDelayThenGivenUp() throws {
        var exchange = try Self.exchange(retries: 1)
        _ = exchange.begin(now: Self.t0)
        _ = exchange.received([0x06], at: Self.at(10))
        // The answer comes in two reads: each byte is reported as it arrives.
        let first = exchange.received([0x31], at: Self.at(20))
        #expect(Self.printed(first) == ["   20.0 ms  <- 31 '1'"])
        let nak = exchange.received([0x15], at: Self.at(21))
        #expect(Self.printed(nak) == ["   21.0 ms  <- 15 NAK"])
        #expect(nak.contains(.wake(at: Self.at(1021))), "the retry waits for the retry delay: \(nak)")
        #expect(Self.sent(exchange.tick(now: Self.at(500))) == [], "nothing before the retry delay")
        let retry = exchange.tick(now: Self.at(1021))
        #expect(Self.sent(retry) == [Self.e6])
        let refused = exchange.received([0x31, 0x15], at: Self.at(1030))
        #expect(Self.printed(refused) == [
            " 1030.0 ms  <- 31 '1'",
            " 1030.0 ms  <- 15 NAK",
            " 1030.0 ms  -> 04  (EOT)",
            " 1030.0 ms  block not taken: block answered '1' NAK",
        ])
        #expect(exchange.outcome == .failed("block answered '1' NAK"))
    }

    @Test func aRefusedSelectFailsWithTheDigitAnswered() throws {
        var exchange = try Self.exchange(retries: 0)
        _ = exchange.begin(now: Self.t0)
        let steps = exchange.received([0x32, 0x15], at: Self.at(5))
        #expect(Self.sent(steps) == [[0x04]])
        #expect(exchange.outcome == .failed("select refused with '2' NAK"))
    }

    @Test func silenceAndFailuresOfTheLineAreVerdictsToo() throws {
        var silent = try Self.exchange(retries: 0)
        _ = silent.begin(now: Self.t0)
        // The spec's 10 s recovery: EOT, and the block is given up.
        let recovered = silent.tick(now: Self.t0.advanced(by: .seconds(10)))
        #expect(Self.sent(recovered) == [[0x04]])
        #expect(silent.outcome == .failed("no answer from station '2' within 10.0 seconds"))

        var timedOut = try Self.exchange()
        _ = timedOut.begin(now: Self.t0)
        #expect(Self.printed(timedOut.timedOut(after: .seconds(3), now: Self.at(3000))) == [" 3000.0 ms  no complete answer within 3.0 seconds"])
        #expect(timedOut.outcome == .failed("no complete answer within 3.0 seconds"))

        var gone = try Self.exchange()
        _ = gone.begin(now: Self.t0)
        #expect(Self.printed(gone.lineGone("connection closed by the peer (read returned 0)", now: Self.at(7))) == [
            "    7.0 ms  device went away: connection closed by the peer (read returned 0)",
        ])
        #expect(gone.outcome == .failed("device went away: connection closed by the peer (read returned 0)"))

        var unwritable = try Self.exchange()
        _ = unwritable.begin(now: Self.t0)
        #expect(Self.printed(unwritable.writeFailed("/dev/x went away: write failed", now: Self.at(1))) == ["    1.0 ms  write failed: /dev/x went away: write failed"])
        #expect(unwritable.outcome == .failed("/dev/x went away: write failed"))
    }

    @Test func anUnexpectedBlockFromThePeerIsShownAsALineProblem() throws {
        var exchange = try Self.exchange()
        _ = exchange.begin(now: Self.t0)
        // The peer ACKs the select, then answers our block with a block of its own instead of ACK.
        _ = exchange.received([0x06], at: Self.at(1))
        let steps = exchange.received(Self.e6, at: Self.at(2))
        #expect(Self.printed(steps).first == "    2.0 ms  <- 01 SOH")
        #expect(Self.printed(steps).count == Self.e6.count + 1)
        #expect(Self.printed(steps).last?.hasPrefix("    2.0 ms  line problem: /dev/ttyUSB0 at 9600 7E2: unexpected block") == true, "\(steps)")
        #expect(exchange.outcome == nil)
    }

    @Test func aTextTheCharsetCannotCarryFailsBeforeAnythingIsSent() {
        #expect(throws: BlockError.self) {
            _ = try PanelExchange(
                block: Call.block(address: "1", text: "Bär", priority: nil), destination: 0x32, ownAddress: 0x31,
                charset: .ascii, retries: 2, retryDelay: .seconds(1), line: "/dev/x", now: Self.t0
            )
        }
    }
}
