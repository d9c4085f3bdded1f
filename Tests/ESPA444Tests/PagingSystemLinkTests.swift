import ESPA444
import Testing

@Suite struct PagingSystemLinkTests {
    typealias Link = PagingSystemLink<TestInstant>

    static func link(
        supervision: Duration? = .seconds(30),
        charset: Charset = .ascii,
        unmappable: UnmappablePolicy = .replace,
        commitTimeout: Duration? = .seconds(5)
    ) -> Link {
        let receiver = ReceiverConfiguration(port: "ward", charset: charset, unmappable: unmappable, commitTimeout: commitTimeout)
        return Link(configuration: .init(receiver: receiver, supervisionTime: supervision), now: at(0))
    }

    static func call(_ frame: [UInt8], block: Block, sequence: UInt64) throws -> Call {
        try Call(block: block, bytes: frame, port: "ward", sequence: sequence)
    }

    @Test func selectIsAckedAndTheBlockOnlyAfterCommit() throws {
        var link = Self.link()
        #expect(sent(link.handle(.received(bytes("04 31 05 32 05")), now: at(1))) == [0x06])
        #expect(link.lineState == .selected)
        let actions = link.handle(.received(Worked.e4), now: at(1.1))
        let call = try Self.call(Worked.e4, block: Worked.b4, sequence: 1)
        #expect(essential(actions) == [.deliver(call)])
        #expect(sent(actions).isEmpty)
        #expect(link.isAwaitingCommit)
        #expect(essential(link.handle(.committed, now: at(1.2))) == [.send([0x06])])
        #expect(essential(link.handle(.received([0x04]), now: at(1.3))).isEmpty)
        #expect(link.lineState == .idle)
    }

    @Test func pollOfOwnAddressIsAnsweredEOTAndNothingElseEverIs() {
        var link = Self.link()
        #expect(link.handle(.received(bytes("04 32 05")), now: at(1)) .filter { if case .send = $0 { true } else { false } } == [.send([0x04])])
        // EOT alone, the heartbeat of espa444.md §5, and ACK/NAK from others get no EOT back.
        var all: [UInt8] = []
        all += sent(link.handle(.received(bytes("04")), now: at(2)))
        all += sent(link.handle(.received(bytes("04 31 05 32 05")), now: at(3)))
        all += sent(link.handle(.received(bytes("04")), now: at(3.1)))
        all += sent(link.handle(.received(bytes("06 31 15")), now: at(4)))
        #expect(all == [0x06])
    }

    @Test func eotPollAndSelectInOneRead() {
        var link = Self.link()
        #expect(sent(link.handle(.received(bytes("04 31 05 32 05")), now: at(1))) == [0x06])
        var other = Self.link()
        #expect(sent(other.handle(.received(bytes("04 31 05 32 05 04 32 05")), now: at(1))) == [0x06, 0x04])
    }

    @Test func everyByteBoundaryOfAConversationGivesTheSameAnswers() throws {
        let stream = bytes("04 31 05 32 05") + Worked.e1
        let call = try Self.call(Worked.e1, block: Worked.b1, sequence: 1)
        for cut in 0 ... stream.count {
            var link = Self.link()
            var actions = link.handle(.received(Array(stream[..<cut])), now: at(1))
            actions += link.handle(.received(Array(stream[cut...])), now: at(1))
            #expect(essential(actions) == [.send([0x06]), .deliver(call)], "cut at \(cut)")
            #expect(essential(link.handle(.committed, now: at(1))) == [.send([0x06])], "cut at \(cut)")
            #expect(sent(link.handle(.received(bytes("04 32 05")), now: at(2))) == [0x04], "cut at \(cut)")
        }
    }

    @Test func blockWithoutSelectIsTaken() throws {
        var link = Self.link()
        let actions = link.handle(.received(Worked.e8), now: at(1))
        #expect(essential(actions) == [.deliver(try Self.call(Worked.e8, block: Worked.b8, sequence: 1))])
        #expect(essential(link.handle(.committed, now: at(1))) == [.send([0x06])])
    }

    @Test func badBCCIsNAKedWithOne() {
        var link = Self.link()
        var frame = Worked.e6
        frame[frame.count - 1] = 0x00
        _ = link.handle(.received(bytes("04 31 05 32 05")), now: at(1))
        let actions = link.handle(.received(frame), now: at(1))
        #expect(sent(actions) == [0x31, 0x15])
        #expect(protocolErrors(actions) == ["ward: bad BCC: computed 0x5F, received 0x00; answered '1' NAK"])
    }

    @Test func characterErrorIsNAKedWithOneUnderRejectPolicy() {
        var strict = Self.link(unmappable: .reject)
        #expect(sent(strict.handle(.received(Worked.e7), now: at(1))) == [0x31, 0x15])
        #expect(!strict.isAwaitingCommit)
        // The default keeps the alarm, with U+FFFD, and says why in the log.
        var lenient = Self.link()
        let actions = lenient.handle(.received(Worked.e7), now: at(1))
        #expect(essential(actions).count == 1)
        guard case .deliver(let call) = essential(actions).first else { Issue.record("no delivery"); return }
        #expect(call.text == "B\u{FFFD}r")
        #expect(protocolErrors(actions).first?.contains("0xE4") == true)
    }

    @Test func busyAndInvalidRejectionsAreNAKedWithTwoAndThree() {
        var link = Self.link()
        _ = link.handle(.received(Worked.e4), now: at(1))
        #expect(essential(link.handle(.rejected(.busy), now: at(1))) == [.send([0x32, 0x15])])
        // Not remembered as delivered: the resend is delivered again, under a new sequence.
        guard case .deliver(let again) = essential(link.handle(.received(Worked.e4), now: at(2))).first else { Issue.record("not delivered"); return }
        #expect(again.sequence == 2)
        #expect(essential(link.handle(.rejected(.invalid), now: at(2))) == [.send([0x33, 0x15])])
    }

    @Test func blockThatIsNotUnderstoodIsNAKedWithThree() throws {
        var link = Self.link()
        let noAddress = try Block(header: "1", records: [Record("2", "text only")]).encoded()
        #expect(sent(link.handle(.received(noAddress), now: at(1))) == [0x33, 0x15])
        let noSTX: [UInt8] = [0x01, 0x31, 0x31, 0x1F, 0x41, 0x03, 0x31 ^ 0x31 ^ 0x1F ^ 0x41 ^ 0x03]
        #expect(sent(link.handle(.received(noSTX), now: at(2))) == [0x33, 0x15])
        let oversized = try Block(header: "1", records: [Record("1", "1"), Record("2", String(repeating: "X", count: 2000))]).encoded()
        #expect(sent(link.handle(.received(oversized), now: at(3))) == [0x33, 0x15])
    }

    @Test func statusBlocksAreAckedAndHandedOver() {
        var link = Self.link()
        #expect(essential(link.handle(.received(Worked.e3), now: at(1))) == [.send([0x06]), .received(Worked.b3)])
    }

    @Test func resendAfterLostACKIsADuplicateWithinTheWindow() throws {
        var link = Self.link()
        let first = try Self.call(Worked.e4, block: Worked.b4, sequence: 1)
        #expect(essential(link.handle(.received(Worked.e4), now: at(1))) == [.deliver(first)])
        #expect(essential(link.handle(.committed, now: at(1))) == [.send([0x06])])
        // The ACK was lost; the panel sends the block again.
        #expect(essential(link.handle(.received(Worked.e4), now: at(5))) == [.send([0x06]), .duplicate(first)])
        #expect(essential(link.handle(.received(Worked.e4), now: at(24))) == [.send([0x06]), .duplicate(first)])
        // 20 s after the last sighting it is a new alarm.
        let later = try Self.call(Worked.e4, block: Worked.b4, sequence: 2)
        #expect(essential(link.handle(.received(Worked.e4), now: at(44.5))) == [.deliver(later)])
    }

    @Test func resetIsHandedOverAsResetAndAckedAfterCommit() throws {
        var link = Self.link()
        _ = link.handle(.received(Worked.e4), now: at(1))
        _ = link.handle(.committed, now: at(1))
        let reset = try Self.call(Worked.e5, block: Worked.b5, sequence: 2)
        #expect(reset.isReset)
        #expect(reset.reference.isSameCall(as: CallReference(port: "ward", address: "0815", sequence: 1)))
        #expect(essential(link.handle(.received(Worked.e5), now: at(2))) == [.reset(reset)])
        #expect(essential(link.handle(.committed, now: at(2))) == [.send([0x06])])
        #expect(essential(link.handle(.received(Worked.e5), now: at(3))) == [.send([0x06]), .duplicate(reset)])
    }

    @Test func secondBlockWhileCommittingIsBusy() {
        var link = Self.link()
        _ = link.handle(.received(Worked.e4), now: at(1))
        #expect(sent(link.handle(.received(Worked.e6), now: at(1.5))) == [0x32, 0x15])
        #expect(essential(link.handle(.committed, now: at(2))) == [.send([0x06])])
    }

    @Test func commitTimeoutAnswersBusyAndALateCommitStillCountsForDuplicates() throws {
        var link = Self.link()
        let actions = link.handle(.received(Worked.e4), now: at(1))
        #expect(actions.last == .scheduleTimer(at: at(6)))
        #expect(link.nextDeadline == at(6))
        #expect(sent(link.handle(.tick, now: at(5.9))).isEmpty)
        #expect(sent(link.handle(.tick, now: at(6))) == [0x32, 0x15])
        #expect(link.handle(.committed, now: at(7)).filter { if case .send = $0 { true } else { false } }.isEmpty)
        let first = try Self.call(Worked.e4, block: Worked.b4, sequence: 1)
        #expect(essential(link.handle(.received(Worked.e4), now: at(8))) == [.send([0x06]), .duplicate(first)])
    }

    @Test func masterMovingOnCancelsTheLateACK() {
        var link = Self.link()
        _ = link.handle(.received(Worked.e4), now: at(1))
        #expect(protocolErrors(link.handle(.received([0x04]), now: at(2))).count == 1)
        #expect(sent(link.handle(.committed, now: at(3))).isEmpty)
    }

    @Test func interCharacterTimeoutDropsThePartialBlockAndNAKs() {
        var link = Self.link()
        let actions = link.handle(.received(Array(Worked.e4.prefix(10))), now: at(1))
        #expect(actions.contains(.scheduleTimer(at: at(3))))
        #expect(sent(link.handle(.tick, now: at(2.5))).isEmpty)
        let expired = link.handle(.tick, now: at(3))
        #expect(sent(expired) == [0x31, 0x15])
        #expect(protocolErrors(expired).first?.hasPrefix("ward: incomplete block dropped (10 bytes)") == true)
        // The rest of the old block arrives late: it is noise, then a clean resend works.
        let rest = link.handle(.received(Array(Worked.e4.dropFirst(10))), now: at(4))
        #expect(sent(rest).isEmpty)
        #expect(essential(link.handle(.received(Worked.e4), now: at(5))).count == 1)
    }

    @Test func supervisionReportsSilenceOnceAndTheReturnOfTraffic() {
        var link = Self.link(supervision: .seconds(30))
        #expect(link.start(now: at(0)) == [.scheduleTimer(at: at(30))])
        #expect(link.handle(.tick, now: at(29)).isEmpty)
        #expect(link.handle(.tick, now: at(30)) == [.linkSilent])
        #expect(link.isSilent)
        #expect(link.handle(.tick, now: at(60)).isEmpty)
        #expect(link.handle(.received(bytes("04 31 05 32 05")), now: at(61)) == [.linkAlive, .send([0x06]), .scheduleTimer(at: at(91))])
        // EOT alone is not a sign of life; a poll is.
        _ = link.handle(.received([0x04]), now: at(80))
        #expect(link.nextDeadline == at(91))
    }

    @Test func blocksForAnotherStationAreNotAnswered() {
        var link = Self.link()
        #expect(sent(link.handle(.received(bytes("04 31 05 33 05")), now: at(1))).isEmpty)
        #expect(link.lineState == .otherSelected(0x33))
        let actions = link.handle(.received(Worked.e6), now: at(1))
        #expect(sent(actions).isEmpty)
        #expect(protocolErrors(actions).count == 1)
    }
}
