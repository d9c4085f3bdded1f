import ESPA444
import Testing

@Suite struct ControlStationLinkTests {
    typealias Link = ControlStationLink<TestInstant>

    static func link(polling: [UInt8] = [], supervision: Duration? = nil) -> Link {
        let receiver = ReceiverConfiguration(port: "out", address: 0x31)
        return Link(configuration: .init(receiver: receiver, polledAddresses: polling, supervisionTime: supervision), now: at(0))
    }

    @Test func sendsPollSelectBlockAndEOT() throws {
        var link = Self.link()
        #expect(link.start(now: at(0)).isEmpty)
        let (id, actions) = try link.transmit(Worked.b4, to: 0x32, now: at(0))
        #expect(sent(actions) == bytes("04 31 05 32 05"))
        #expect(actions.last == .scheduleTimer(at: at(10)))
        #expect(essential(link.handle(.received([0x06]), now: at(0.1))) == [.send(Worked.e4)])
        #expect(essential(link.handle(.received([0x06]), now: at(0.2))) == [.transmitted(id), .send([0x04])])
        #expect(link.pendingTransmissions == 0)
        #expect(link.nextDeadline == nil)
    }

    @Test func blockNAKIsRetriedThenGivenUpAfterTwoRetries() throws {
        var link = Self.link()
        let (id, _) = try link.transmit(Worked.b8, to: 0x32, now: at(0))
        _ = link.handle(.received([0x06]), now: at(0))
        #expect(sent(link.handle(.received(bytes("31 15")), now: at(1))).isEmpty)
        #expect(link.nextDeadline == at(2))
        #expect(sent(link.handle(.tick, now: at(2))) == Worked.e8)
        #expect(sent(link.handle(.received(bytes("31 15")), now: at(3))).isEmpty)
        #expect(sent(link.handle(.tick, now: at(4))) == Worked.e8)
        let given = link.handle(.received(bytes("32 15")), now: at(5))
        #expect(essential(given) == [.send([0x04]), .transmissionFailed(id, reason: "block answered '2' NAK")])
        #expect(link.pendingTransmissions == 0)
    }

    @Test func refusedSelectEndsWithEOTAndIsTriedAgain() throws {
        var link = Self.link()
        let (id, _) = try link.transmit(Worked.b6, to: 0x32, now: at(0))
        #expect(sent(link.handle(.received(bytes("32 15")), now: at(0.5))) == [0x04])
        #expect(sent(link.handle(.tick, now: at(1.5))) == bytes("04 31 05 32 05"))
        #expect(essential(link.handle(.received([0x06]), now: at(1.6))) == [.send(Worked.e6)])
        #expect(essential(link.handle(.received([0x06]), now: at(1.7))) == [.transmitted(id), .send([0x04])])
    }

    @Test func tenSecondsOfSilenceSendEOTAndCountAsAFailedAttempt() throws {
        var link = Self.link()
        let (id, _) = try link.transmit(Worked.b6, to: 0x32, now: at(0))
        #expect(sent(link.handle(.tick, now: at(9.9))).isEmpty)
        let recovered = link.handle(.tick, now: at(10))
        #expect(sent(recovered) == [0x04])
        #expect(protocolErrors(recovered) == ["out: no answer from station '2' within 10.0 seconds; sent EOT"])
        #expect(sent(link.handle(.tick, now: at(11))) == bytes("04 31 05 32 05"))
        _ = link.handle(.tick, now: at(21))
        _ = link.handle(.tick, now: at(22))
        let last = link.handle(.tick, now: at(32))
        #expect(essential(last) == [.send([0x04]), .transmissionFailed(id, reason: "no answer from station '2' within 10.0 seconds")])
    }

    @Test func pollsThePanelAndReceivesItsCall() throws {
        var link = Self.link(polling: [0x32])
        #expect(sent(link.start(now: at(0))) == bytes("04 32 05"))
        // Nothing to send: poll again after the interval.
        #expect(sent(link.handle(.received([0x04]), now: at(0.1))).isEmpty)
        #expect(link.nextDeadline == at(0.6))
        #expect(sent(link.handle(.tick, now: at(0.6))) == bytes("04 32 05"))
        // The panel selects us and sends a call.
        #expect(sent(link.handle(.received(bytes("31 05")), now: at(0.7))) == [0x06])
        let call = try Call(block: Worked.b1, bytes: Worked.e1, port: "out", sequence: 1)
        #expect(essential(link.handle(.received(Worked.e1), now: at(0.8))) == [.deliver(call)])
        #expect(essential(link.handle(.committed, now: at(0.9))) == [.send([0x06])])
        #expect(sent(link.handle(.received([0x04]), now: at(1.0))).isEmpty)
        #expect(sent(link.handle(.tick, now: at(1.5))) == bytes("04 32 05"))
    }

    @Test func unansweredPollsRecoverAndReportLinkSilence() {
        var link = Self.link(polling: [0x32], supervision: .seconds(15))
        _ = link.start(now: at(0))
        #expect(sent(link.handle(.tick, now: at(10))) == [0x04])
        #expect(sent(link.handle(.tick, now: at(10.5))) == bytes("04 32 05"))
        #expect(link.handle(.tick, now: at(15)).contains(.linkSilent))
        #expect(link.handle(.received([0x04]), now: at(16)).contains(.linkAlive))
    }

    @Test func transmitRefusesTextTheCharsetCannotCarry() {
        var link = Self.link()
        #expect(throws: BlockError.charset(.unmappable(character: "ä", offset: 1, charset: .ascii))) {
            _ = try link.transmit(Worked.b7, to: 0x32, now: at(0))
        }
        #expect(link.pendingTransmissions == 0)
    }
}
