import ESPA444
import Testing

@Suite struct BlockCodecTests {
    @Test(arguments: 0 ..< 8)
    func workedFrameEncodesToExactBytes(index: Int) throws {
        let (name, frame, block, charset) = Worked.all[index]
        #expect(try block.encoded(charset: charset) == frame, "\(name)")
    }

    @Test(arguments: 0 ..< 8)
    func workedFrameDecodesToItsRecords(index: Int) throws {
        let (name, frame, block, charset) = Worked.all[index]
        #expect(try Block(frame: frame, charset: charset) == block, "\(name)")
        // XOR over header through BCC is zero for every worked frame (even longitudinal parity).
        #expect(ESPA444.bcc(of: frame.dropFirst()) == 0, "\(name)")
    }

    @Test func bccEqualToETXIsTakenBlindly() throws {
        var decoder = FrameDecoder()
        let frames = decoder.decode(Worked.e8 + [0x04])
        #expect(frames == [.block(BlockFrame(bytes: Worked.e8, result: .success(Worked.b8))), .eot])
        #expect(Worked.e8.last == ESPA444.etx)
    }

    @Test func bccEqualToEOTOrSOHIsNotReadAsControl() throws {
        // Find header/value combinations whose BCC is EOT and SOH; the decoder must not treat them
        // as the end of a transaction or a new block.
        for wanted: UInt8 in [0x04, 0x01, 0x11, 0x13] {
            let candidates = (0x20 ... 0x7E).flatMap { first in (0x41 ... 0x5A).map { [UInt8(first), UInt8($0)] } }
            let block = try #require(candidates.lazy
                .map { Block(header: "1", records: [Record("1", "7"), Record("2", String(decoding: $0, as: UTF8.self))]) }
                .first { (try? $0.encoded().last) == wanted })
            let frame = try block.encoded()
            #expect(frame.last == wanted)
            var decoder = FrameDecoder()
            #expect(decoder.decode(frame) == [.block(BlockFrame(bytes: frame, result: .success(block)))])
            #expect(!decoder.isInsideFrame)
        }
    }

    @Test func valuesStayStrings() throws {
        let frame = try Block(header: "1", records: [Record("1", "01"), Record("6", "01")]).encoded()
        let block = try Block(frame: frame)
        #expect(block.value(of: "1") == "01")
        let call = try Call(block: block, port: "p", sequence: 1)
        #expect(call.address == "01")
        #expect(call.address != "1")
        #expect(call.priority == .unrecognised("01"))
    }

    @Test func recordsInAnyOrderAndUnknownIdentifiersKept() throws {
        let block = Block(header: "1", records: [Record("6", "2"), Record("D", "4711"), Record("2", "Bed 4"), Record("1", "204"), Record("9", "x")])
        let decoded = try Block(frame: try block.encoded())
        #expect(decoded == block)
        let call = try Call(block: decoded, port: "ward", sequence: 9)
        #expect(call.address == "204")
        #expect(call.text == "Bed 4")
        #expect(call.priority == .high)
        #expect(call.block.value(of: "D") == "4711")
    }

    @Test func rsJustBeforeETXIsTolerated() throws {
        let body: [UInt8] = [0x31, 0x02, 0x31, 0x1F, 0x38, 0x1E, 0x32, 0x1F, 0x54, 0x1E, 0x03]
        let frame = [0x01] + body + [ESPA444.bcc(of: body)]
        #expect(try Block(frame: frame) == Block(header: "1", records: [Record("1", "8"), Record("2", "T")]))
    }

    @Test func badBCCIsReportedWithBothValues() {
        var frame = Worked.e6
        frame[frame.count - 1] = 0x5E
        #expect(throws: BlockError.badBCC(expected: 0x5F, received: 0x5E)) { try Block(frame: frame) }
        #expect(BlockError.badBCC(expected: 0x5F, received: 0x5E).nakDigit == 0x31)
    }

    @Test func malformedBlocksNameTheirFault() {
        func frame(_ body: [UInt8]) -> [UInt8] { [0x01] + body + [ESPA444.bcc(of: body)] }
        #expect(throws: BlockError.missingSTX) { try Block(frame: frame([0x31, 0x31, 0x1F, 0x41, 0x03])) }
        #expect(throws: BlockError.missingHeader) { try Block(frame: frame([0x02, 0x31, 0x1F, 0x41, 0x03])) }
        #expect(throws: BlockError.recordWithoutSeparator(index: 1)) { try Block(frame: frame([0x31, 0x02, 0x31, 0x1F, 0x41, 0x1E, 0x32, 0x03])) }
        #expect(throws: BlockError.emptyIdentifier(index: 0)) { try Block(frame: frame([0x31, 0x02, 0x1F, 0x41, 0x03])) }
        #expect(throws: BlockError.noRecords) { try Block(frame: frame([0x31, 0x02, 0x03])) }
        #expect(throws: BlockError.controlCharacter(byte: 0x05, offset: 6)) { try Block(frame: frame([0x31, 0x02, 0x31, 0x1F, 0x41, 0x05, 0x03])) }
        #expect(throws: BlockError.notAFrame) { try Block(frame: [0x31, 0x03]) }
        #expect(BlockError.noRecords.nakDigit == 0x33)
        #expect(BlockError.controlCharacter(byte: 5, offset: 6).nakDigit == 0x31)
    }

    @Test func encoderRefusesWhatWouldBreakTheFrame() throws {
        #expect(throws: BlockError.controlCharacter(byte: 0x1E, offset: 6)) {
            try Block(header: "1", records: [Record("1", "A\u{1E}B")]).encoded()
        }
        #expect(throws: BlockError.noRecords) { try Block(header: "1", records: []).encoded() }
        #expect(throws: BlockError.missingHeader) { try Block(header: "", records: [Record("1", "2")]).encoded() }
        #expect(throws: BlockError.charset(.unmappable(character: "ä", offset: 1, charset: .ascii))) {
            try Block(header: "1", records: [Record("2", "Bär")]).encoded(charset: .ascii)
        }
        #expect(try Block(header: "1", records: [Record("2", "Bär")]).encoded(charset: .ascii, policy: .replace)
            == [0x01, 0x31, 0x02, 0x32, 0x1F, 0x42, 0x3F, 0x72, 0x03, ESPA444.bcc(of: [0x31, 0x02, 0x32, 0x1F, 0x42, 0x3F, 0x72, 0x03])])
    }

    @Test func longMessagesAreAcceptedAndTruncatedOnlyForOutput() throws {
        let text = String(repeating: "M", count: 160)
        let address = String(repeating: "9", count: 20)
        let block = Block(header: "1", records: [Record("1", address), Record("2", text)])
        #expect(try Block(frame: try block.encoded()) == block)
        let short = block.truncatedForOutput()
        #expect(short.value(of: "2")?.count == 128)
        #expect(short.value(of: "1")?.count == 16)
    }

    @Test func callBlockBuilderMatchesWorkedFrameE4() throws {
        let block = Call.block(address: "0815", text: "FIRE ZONE 12 FLOOR 3", priority: .emergency, callType: "3")
        #expect(try block.encoded() == Worked.e4)
    }
}
