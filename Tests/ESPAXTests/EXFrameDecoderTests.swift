import Testing
@testable import ESPAX

@Suite("EX framing")
struct EXFrameDecoderTests {
    let login = Array(espax(#"<REQ.LOGIN invokeID="1"><LI-CLIENT>NurseCall-1</LI-CLIENT><LI-USER>ncall</LI-USER><LI-PASSWORD>secret1</LI-PASSWORD></REQ.LOGIN>"#).utf8)
    let heartbeat = Array(espax(#"<REQ.HEARTBEAT invokeID="2" sessionID="S1"/>"#).utf8)

    @Test("the worked header of espax.md §3: 266-byte body, invokeID 1")
    func workedHeader() {
        let frame = EXFrame(number: 1, body: [UInt8](repeating: 0x20, count: 266))
        #expect(Array(frame.bytes.prefix(10)) == [0x45, 0x58, 0x00, 0x00, 0x01, 0x14, 0x00, 0x00, 0x00, 0x01])
        #expect(frame.totalLength == 276)
    }

    @Test("header number is the low 32 bits of the invokeID")
    func headerNumber() {
        #expect(EXFrame.headerNumber(forInvokeID: 0) == 0)
        #expect(EXFrame.headerNumber(forInvokeID: 0x1_0000_0007) == 7)
        #expect(EXFrame.headerNumber(forInvokeID: UInt64.max) == UInt32.max)
    }

    @Test("one frame is returned whole, with its number and body")
    func singleFrame() throws {
        var decoder = EXFrameDecoder()
        decoder.append(EXFrame(number: 0x0000_022A, body: login).bytes)
        let frame = try #require(try decoder.nextFrame())
        #expect(frame.number == 0x22A)
        #expect(frame.body == login)
        #expect(try decoder.nextFrame() == nil)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a frame split at every byte boundary comes out once, intact")
    func splitAtEveryBoundary() throws {
        let bytes = EXFrame(number: 9, body: login).bytes
        for cut in 1..<bytes.count {
            var decoder = EXFrameDecoder()
            decoder.append(bytes[..<cut])
            #expect(try decoder.nextFrame() == nil, "complete frame reported after \(cut) bytes")
            decoder.append(bytes[cut...])
            let frame = try #require(try decoder.nextFrame(), "no frame after the cut at \(cut)")
            #expect(frame == EXFrame(number: 9, body: login))
            #expect(try decoder.nextFrame() == nil)
        }
    }

    @Test("a frame fed one byte at a time")
    func oneByteAtATime() throws {
        var decoder = EXFrameDecoder()
        var frames: [EXFrame] = []
        for byte in EXFrame(number: 3, body: heartbeat).bytes {
            decoder.append([byte])
            if let frame = try decoder.nextFrame() { frames.append(frame) }
        }
        #expect(frames == [EXFrame(number: 3, body: heartbeat)])
    }

    @Test("two frames merged in one read, cut at every boundary of the pair")
    func mergedAndSplit() throws {
        let first = EXFrame(number: 1, body: login)
        let second = EXFrame(number: 2, body: heartbeat)
        let stream = first.bytes + second.bytes
        for cut in 0...stream.count {
            var decoder = EXFrameDecoder()
            decoder.append(stream[..<cut])
            var frames = decoder.frames()
            decoder.append(stream[cut...])
            let rest = decoder.frames()
            #expect(frames.error == nil && rest.error == nil)
            frames.frames += rest.frames
            #expect(frames.frames == [first, second], "cut at \(cut)")
        }
    }

    @Test("three frames in one read come out in order")
    func threeInOneRead() {
        var decoder = EXFrameDecoder()
        let frames = (0..<3).map { EXFrame(number: UInt32($0), body: Array("<x\($0)/>".utf8)) }
        decoder.append(frames.flatMap(\.bytes))
        let result = decoder.frames()
        #expect(result.frames == frames)
        #expect(result.error == nil)
    }

    @Test("a zero-length body is a frame with an empty document")
    func zeroLengthBody() throws {
        var decoder = EXFrameDecoder()
        decoder.append([0x45, 0x58, 0, 0, 0, 10, 0, 0, 0, 5])
        #expect(try decoder.nextFrame() == EXFrame(number: 5, body: []))
    }

    @Test("the tetronik header (u16 length in bytes 4–5, number 0) reads as u32")
    func tetronikHeader() throws {
        var decoder = EXFrameDecoder()
        let body = Array("<a/>".utf8)
        decoder.append([0x45, 0x58, 0x00, 0x00, 0x00, 14, 0, 0, 0, 0] + body)
        #expect(try decoder.nextFrame() == EXFrame(number: 0, body: body))
    }

    @Test("bad magic is refused from the first wrong byte", arguments: [
        [UInt8(0x47)],                                   // 'G' of "GET / HTTP/1.1"
        [0x45, 0x59],                                    // "EY"
        Array("GET / HTTP/1.1\r\n\r\n".utf8),
        [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    ])
    func badMagic(bytes: [UInt8]) {
        var decoder = EXFrameDecoder()
        decoder.append(bytes)
        #expect(throws: EXFramingError.badMagic(found: Array(bytes.prefix(2)), offset: 0)) { try decoder.nextFrame() }
    }

    @Test("bad magic after a good frame names its stream offset, and the good frame is kept")
    func badMagicAfterGoodFrame() {
        var decoder = EXFrameDecoder()
        let good = EXFrame(number: 1, body: heartbeat)
        decoder.append(good.bytes + [0x58, 0x45, 0, 0, 0, 10, 0, 0, 0, 0])
        let result = decoder.frames()
        #expect(result.frames == [good])
        #expect(result.error == .badMagic(found: [0x58, 0x45], offset: good.totalLength))
        #expect(result.error?.description.contains("not the magic 45 58") == true)
    }

    @Test("an announced length below the header is refused", arguments: [UInt32(0), 1, 9])
    func lengthBelowHeader(length: UInt32) {
        var decoder = EXFrameDecoder()
        decoder.append([0x45, 0x58] + EXFrame.bigEndianBytes(length) + [0, 0, 0, 0])
        #expect(throws: EXFramingError.lengthBelowHeader(announced: length, offset: 0)) { try decoder.nextFrame() }
    }

    @Test("huge announced lengths are refused from the header alone", arguments: [
        UInt32(65_537), 1_000_000, 0x7FFF_FFFF, 0x8000_0000, UInt32.max,
    ])
    func hugeLengths(length: UInt32) {
        var decoder = EXFrameDecoder()
        decoder.append([0x45, 0x58] + EXFrame.bigEndianBytes(length) + [0, 0, 0, 1])
        #expect(throws: EXFramingError.messageTooLarge(announced: length, limit: 65_536, offset: 0)) { try decoder.nextFrame() }
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a frame of exactly the maximum size is accepted, one byte more is refused")
    func maximumSize() throws {
        var decoder = EXFrameDecoder(maximumMessageSize: 1_000)
        let body = [UInt8](repeating: 0x41, count: 990)
        decoder.append(EXFrame(body: body).bytes)
        #expect(try decoder.nextFrame()?.body == body)
        decoder.append(EXFrame(body: body + [0x41]).bytes)
        #expect(throws: EXFramingError.messageTooLarge(announced: 1_001, limit: 1_000, offset: 1_000)) { try decoder.nextFrame() }
    }

    @Test("the default maximum is 64 KiB including the header")
    func defaultMaximum() throws {
        var decoder = EXFrameDecoder()
        let body = [UInt8](repeating: 0x20, count: 65_536 - 10)
        decoder.append(EXFrame(body: body).bytes)
        #expect(try decoder.nextFrame()?.totalLength == 65_536)
    }

    @Test("after a framing error the decoder stays failed and drops further bytes")
    func staysFailed() {
        var decoder = EXFrameDecoder()
        decoder.append([0x00, 0x01])
        #expect(throws: EXFramingError.badMagic(found: [0, 1], offset: 0)) { try decoder.nextFrame() }
        decoder.append(EXFrame(body: heartbeat).bytes)
        #expect(decoder.bufferedByteCount == 0)
        #expect(throws: EXFramingError.badMagic(found: [0, 1], offset: 0)) { try decoder.nextFrame() }
    }

    @Test("many frames through one decoder keep offsets and bodies right after compaction")
    func longStream() throws {
        var decoder = EXFrameDecoder()
        var expected: [EXFrame] = []
        var stream: [UInt8] = []
        for index in 0..<2_000 {
            let frame = EXFrame(number: UInt32(index), body: Array("<n>\(index)</n>".utf8))
            expected.append(frame)
            stream += frame.bytes
        }
        var received: [EXFrame] = []
        var position = 0
        var chunk = 1
        while position < stream.count {
            let end = min(stream.count, position + chunk)
            decoder.append(stream[position..<end])
            received += decoder.frames().frames
            position = end
            chunk = chunk % 97 + 13
        }
        #expect(received == expected)
        decoder.append([0x00, 0x00])
        #expect(throws: EXFramingError.badMagic(found: [0, 0], offset: stream.count)) { try decoder.nextFrame() }
    }
}
