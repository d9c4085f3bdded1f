import ESPA444
import Testing

@Suite struct FrameDecoderTests {
    /// Typical conversations from espa444.md §5 and §11.
    static let conversations: [[UInt8]] = [
        bytes("04 31 05 32 05") + Worked.e4 + [0x04],
        bytes("04 32 05") + bytes("04 31 05 32 05") + Worked.e8 + Worked.e6 + [0x04],
        bytes("31 15 06 04") + Worked.e2 + bytes("58 59") + Worked.e5,
    ]

    @Test(arguments: 0 ..< 3)
    func splitReadsAtEveryBoundaryGiveTheSameFrames(index: Int) {
        let stream = Self.conversations[index]
        var whole = FrameDecoder()
        let expected = whole.decode(stream)
        #expect(!expected.isEmpty)
        for cut in 0 ... stream.count {
            var decoder = FrameDecoder()
            let frames = decoder.decode(stream[..<cut]) + decoder.decode(stream[cut...])
            #expect(frames == expected, "cut at \(cut)")
        }
        var byByte = FrameDecoder()
        #expect(stream.flatMap { byByte.decode([$0]) } == expected)
    }

    @Test func linkCheckAndTransactionFrames() {
        var decoder = FrameDecoder()
        #expect(decoder.decode(bytes("04 31 05 32 05") + Worked.e1 + bytes("04")) == [
            .eot, .enquiry(address: 0x31), .enquiry(address: 0x32),
            .block(BlockFrame(bytes: Worked.e1, result: .success(Worked.b1))), .eot,
        ])
        #expect(decoder.decode(bytes("31 15 15 06 05")) == [.nak(digit: 0x31), .nak(digit: nil), .ack, .enquiry(address: nil)])
    }

    @Test func garbageBetweenBlocksIsReportedAndResyncsOnSOH() {
        var decoder = FrameDecoder()
        let frames = decoder.decode(bytes("FF 00 41 42") + Worked.e6 + bytes("07 58") + Worked.e8)
        #expect(frames == [
            .noise(bytes("FF 00 41 42")),
            .block(BlockFrame(bytes: Worked.e6, result: .success(Worked.b6))),
            .noise(bytes("07 58")),
            .block(BlockFrame(bytes: Worked.e8, result: .success(Worked.b8))),
        ])
    }

    @Test func soHInsideABlockStartsANewOne() {
        var decoder = FrameDecoder()
        let partial = Array(Worked.e4.prefix(10))
        #expect(decoder.decode(partial + Worked.e6) == [.interrupted(partial), .block(BlockFrame(bytes: Worked.e6, result: .success(Worked.b6)))])
    }

    @Test func eotInsideABlockAbortsIt() {
        var decoder = FrameDecoder()
        let partial = Array(Worked.e4.prefix(7))
        #expect(decoder.decode(partial + bytes("04 31 05")) == [.interrupted(partial), .eot, .enquiry(address: 0x31)])
    }

    @Test func badBCCComesWithTheBytes() {
        var frame = Worked.e1
        frame[frame.count - 1] ^= 0x40
        var decoder = FrameDecoder()
        #expect(decoder.decode(frame) == [.block(BlockFrame(bytes: frame, result: .failure(.badBCC(expected: 0x2D, received: 0x6D))))])
    }

    @Test func oversizedBlockIsSkippedUntilItsBCCThenRefused() throws {
        let long = Block(header: "1", records: [Record("1", "1"), Record("2", String(repeating: "X", count: 300))])
        let frame = try long.encoded()
        var small = FrameDecoder(maximumBlockLength: 64)
        let frames = small.decode(frame + Worked.e6)
        #expect(frames.count == 2)
        guard case .block(let refused) = frames.first else { Issue.record("no block frame"); return }
        #expect(refused.result == .failure(.oversized(limit: 64)))
        #expect(refused.bytes.count <= 64)
        #expect(frames.last == .block(BlockFrame(bytes: Worked.e6, result: .success(Worked.b6))))
        // The same block passes with a cap that fits it; a frame of exactly the cap is accepted.
        var exact = FrameDecoder(maximumBlockLength: frame.count)
        #expect(exact.decode(frame) == [.block(BlockFrame(bytes: frame, result: .success(long)))])
        var oneShort = FrameDecoder(maximumBlockLength: frame.count - 1)
        guard case .block(let cut) = oneShort.decode(frame).first else { Issue.record("no block frame"); return }
        #expect(cut.result == .failure(.oversized(limit: frame.count - 1)))
    }

    @Test func abandonReturnsThePartialFrame() {
        var decoder = FrameDecoder()
        #expect(decoder.decode(Worked.e4.prefix(12)).isEmpty)
        #expect(decoder.isInsideBlock)
        #expect(decoder.abandon() == [.interrupted(Array(Worked.e4.prefix(12)))])
        #expect(!decoder.isInsideFrame)
        #expect(decoder.decode([0x32]).isEmpty)
        #expect(decoder.isInsideFrame && !decoder.isInsideBlock)
        #expect(decoder.abandon() == [.noise([0x32])])
    }

    @Test func latin1TextOnAnAsciiPortIsACharacterError() {
        var strict = FrameDecoder(charset: .ascii, policy: .reject)
        #expect(strict.decode(Worked.e7) == [.block(BlockFrame(bytes: Worked.e7, result: .failure(.charset(.undecodable(byte: 0xE4, offset: 11, charset: .ascii)))))])
        var lenient = FrameDecoder(charset: .ascii, policy: .replace)
        #expect(lenient.decode(Worked.e7) == [.block(BlockFrame(bytes: Worked.e7, result: .success(Block(header: "1", records: [Record("1", "12"), Record("2", "B\u{FFFD}r")]))))])
    }
}
