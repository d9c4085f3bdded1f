import Testing
@testable import CSTA

/// The MakeCall body of csta.md §1.1 (271 bytes), sent with invoke ID 1.
let workedMakeCall = #"<?xml version="1.0" encoding="UTF-8"?><MakeCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><callingDevice typeOfNumber="dialingNumber">725</callingDevice><calledDirectoryNumber typeOfNumber="dialingNumber">722</calledDirectoryNumber></MakeCall>"#

@Suite("Annex J.2 framing")
struct AnnexJFramingTests {
    @Test("the worked MakeCall of csta.md goes out with header 00 00 01 17 30 30 30 31 (279 bytes)")
    func workedHeader() throws {
        #expect(workedMakeCall.utf8.count == 271)
        let frame = try CSTAFrame.annexJ(invokeID: InvokeID(rawValue: 1)!, body: Array(workedMakeCall.utf8))
        #expect(hex(frame.prefix(8)) == "00 00 01 17 30 30 30 31")
        #expect(frame.count == 279)
        #expect(Array(frame.dropFirst(8)) == Array(workedMakeCall.utf8))
    }

    @Test("a 1003-byte event frame begins 00 00 03 EB 39 39 39 39")
    func eventHeader() throws {
        let body = [UInt8](repeating: 0x20, count: 995)
        let frame = try CSTAFrame.annexJ(invokeID: .event, body: body)
        #expect(hex(frame.prefix(8)) == "00 00 03 EB 39 39 39 39")
        #expect(frame.count == 1003)
    }

    @Test("the length counts UTF-8 bytes: six Cyrillic letters count as twelve")
    func utf8Length() throws {
        let xml = "<x>Иванов</x>"
        #expect(xml.count == 13)
        #expect(xml.utf8.count == 19)
        let frame = try CSTAFrame.annexJ(invokeID: InvokeID(rawValue: 42)!, body: Array(xml.utf8))
        #expect(hex(frame.prefix(8)) == "00 00 00 1B 30 30 34 32")
        var decoder = AnnexJFrameDecoder()
        decoder.append(frame)
        let decoded = try #require(try decoder.nextFrame())
        #expect(String(decoding: decoded.body, as: UTF8.self) == xml)
        #expect(decoded.invokeID == InvokeID(rawValue: 42))
    }

    @Test("65,535 bytes in total is the cap: a 65,527-byte body fits, 65,528 does not")
    func cap() throws {
        let largest = try CSTAFrame.annexJ(invokeID: .event, body: [UInt8](repeating: 0x61, count: 65_527))
        #expect(hex(largest.prefix(4)) == "00 00 FF FF")
        #expect(throws: CSTAFramingError.bodyTooLarge(size: 65_528, limit: 65_527)) {
            try CSTAFrame.annexJ(invokeID: .event, body: [UInt8](repeating: 0x61, count: 65_528))
        }
        // Read back as unsigned: a signed 16-bit read would see -1.
        var decoder = AnnexJFrameDecoder()
        decoder.append(largest)
        let frame = try #require(try decoder.nextFrame())
        #expect(frame.body.count == 65_527)
    }

    @Test("two frames and a half in one read, then the rest")
    func mergedReads() throws {
        let a = annexJ("<a/>", invokeID: 1)
        let b = annexJ("<b/>", invokeID: 9999)
        let c = annexJ("<c>ü</c>", invokeID: 17)
        var decoder = AnnexJFrameDecoder()
        decoder.append(a + b + c.prefix(5))
        let (frames, error) = decoder.frames()
        #expect(error == nil)
        #expect(frames == [CSTAFrame(invokeID: InvokeID(rawValue: 1), body: Array("<a/>".utf8)),
                           CSTAFrame(invokeID: .event, body: Array("<b/>".utf8))])
        #expect(decoder.bufferedByteCount == 5)
        decoder.append(c.dropFirst(5))
        #expect(try decoder.nextFrame() == CSTAFrame(invokeID: InvokeID(rawValue: 17), body: Array("<c>ü</c>".utf8)))
        #expect(try decoder.nextFrame() == nil)
    }

    @Test("a stream of three frames split at every byte boundary, and byte by byte")
    func splitAtEveryBoundary() throws {
        let stream = annexJ(workedMakeCall, invokeID: 1) + annexJ("<Ä/>", invokeID: 9999) + annexJ("<z/>", invokeID: 0)
        let expected = [
            CSTAFrame(invokeID: InvokeID(rawValue: 1), body: Array(workedMakeCall.utf8)),
            CSTAFrame(invokeID: .event, body: Array("<Ä/>".utf8)),
            CSTAFrame(invokeID: InvokeID(rawValue: 0), body: Array("<z/>".utf8)),
        ]
        for cut in 0...stream.count {
            var decoder = AnnexJFrameDecoder()
            decoder.append(stream.prefix(cut))
            var frames = decoder.frames()
            #expect(frames.error == nil)
            decoder.append(stream.dropFirst(cut))
            let rest = decoder.frames()
            #expect(rest.error == nil)
            frames.frames += rest.frames
            #expect(frames.frames == expected, "cut at \(cut)")
        }
        var decoder = AnnexJFrameDecoder()
        var frames: [CSTAFrame] = []
        for byte in stream {
            decoder.append([byte])
            while let frame = try decoder.nextFrame() { frames.append(frame) }
        }
        #expect(frames == expected)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a non-zero format indicator is refused from its first byte", arguments: [
        ([0x01], "01"), ([0x00, 0x02], "00 02"), ([0x3C, 0x3F, 0x78], "3C 3F"),
    ])
    func badFormatIndicator(bytes: [UInt8], found: String) throws {
        var decoder = AnnexJFrameDecoder()
        decoder.append(bytes)
        #expect(throws: CSTAFramingError.self) { try decoder.nextFrame() }
        do {
            _ = try decoder.nextFrame()
        } catch {
            guard case .badFormatIndicator(let bytes, let offset) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(hex(bytes) == found)
            #expect(offset == 0)
        }
    }

    @Test("a length below the 8-byte header is refused with the offset in the stream")
    func lengthBelowHeader() throws {
        var decoder = AnnexJFrameDecoder()
        decoder.append(annexJ("<a/>", invokeID: 1) + [0, 0, 0, 7])
        let (frames, error) = decoder.frames()
        #expect(frames.count == 1)
        #expect(error == .lengthBelowHeader(announced: 7, offset: 12))
        #expect(error?.description == "CSTA frame at stream offset 12 announces a total length of 7 bytes, below the 8-byte Annex J.2 header")
    }

    @Test("an invoke ID that is not four ASCII digits is refused as soon as the bad byte arrives")
    func invokeIDNotDigits() throws {
        var decoder = AnnexJFrameDecoder()
        decoder.append([0, 0, 0, 20, 0x30, 0x30])
        #expect(try decoder.nextFrame() == nil)
        decoder.append([0x2D])
        #expect(throws: CSTAFramingError.invokeIDNotDigits(found: [0x30, 0x30, 0x2D], offset: 0)) { try decoder.nextFrame() }
        // Once out of sync, always out of sync: later bytes are ignored.
        decoder.append(annexJ("<a/>", invokeID: 1))
        #expect(throws: CSTAFramingError.invokeIDNotDigits(found: [0x30, 0x30, 0x2D], offset: 0)) { try decoder.nextFrame() }
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a frame over a configured maximum is refused from its header, before its body arrives")
    func oversized() throws {
        var decoder = AnnexJFrameDecoder(maximumFrameLength: 1024)
        decoder.append([0, 0, 0x04, 0x01])
        #expect(throws: CSTAFramingError.frameTooLarge(announced: 1025, limit: 1024, offset: 0)) { try decoder.nextFrame() }
    }
}

@Suite("NUL-delimited framing")
struct NulFramingTests {
    @Test("the Uni-tel MakeCall goes out as its XML followed by one NUL")
    func encode() throws {
        let xml = "<MakeCall><callingDevice>123</callingDevice><calledDirectoryNumber>321</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>"
        let frame = try CSTAFrame.nulDelimited(body: Array(xml.utf8))
        #expect(frame == Array(xml.utf8) + [0])
        #expect(throws: CSTAFramingError.nulInBody(offset: 3)) { try CSTAFrame.nulDelimited(body: [0x3C, 0x61, 0x3E, 0]) }
        #expect(throws: CSTAFramingError.bodyTooLarge(size: 10, limit: 9)) {
            try CSTAFrame.nulDelimited(body: [UInt8](repeating: 0x61, count: 10), maximumLength: 10)
        }
    }

    @Test("several documents in one read, empty and whitespace-only pieces skipped")
    func merged() throws {
        var decoder = NulFrameDecoder()
        decoder.append(Array("<a/>\0\0\r\n\0<b>é</b>\0<c".utf8))
        let (frames, error) = decoder.frames()
        #expect(error == nil)
        #expect(frames == [CSTAFrame(invokeID: nil, body: Array("<a/>".utf8)), CSTAFrame(invokeID: nil, body: Array("<b>é</b>".utf8))])
        #expect(decoder.bufferedByteCount == 2)
        decoder.append(Array("/>\0".utf8))
        #expect(try decoder.nextFrame() == CSTAFrame(invokeID: nil, body: Array("<c/>".utf8)))
    }

    @Test("a stream split at every byte boundary yields the same documents")
    func splitAtEveryBoundary() throws {
        let stream = nul("<MakeCallResponse><callingDevice><callID>SIP/hpbx-000000bc</callID><deviceId>123</deviceId></callingDevice></MakeCallResponse>")
            + nul("<Ж/>") + nul("<x/>")
        for cut in 0...stream.count {
            var decoder = NulFrameDecoder()
            decoder.append(stream.prefix(cut))
            var frames = decoder.frames().frames
            decoder.append(stream.dropFirst(cut))
            frames += decoder.frames().frames
            #expect(frames.map { String(decoding: $0.body, as: UTF8.self) } == [
                "<MakeCallResponse><callingDevice><callID>SIP/hpbx-000000bc</callID><deviceId>123</deviceId></callingDevice></MakeCallResponse>",
                "<Ж/>", "<x/>",
            ], "cut at \(cut)")
        }
    }

    @Test("a document that never ends is refused once it reaches the maximum")
    func unterminated() throws {
        var decoder = NulFrameDecoder(maximumMessageLength: 16)
        decoder.append(Array("<a/>\0".utf8))
        #expect(try decoder.nextFrame()?.body == Array("<a/>".utf8))
        decoder.append([UInt8](repeating: 0x61, count: 15))
        #expect(try decoder.nextFrame() == nil)
        decoder.append([0x61])
        #expect(throws: CSTAFramingError.unterminatedMessage(buffered: 16, limit: 16, offset: 5)) { try decoder.nextFrame() }
    }

    @Test("a terminated document over the maximum is refused too")
    func terminatedButTooLong() throws {
        var decoder = NulFrameDecoder(maximumMessageLength: 8)
        decoder.append(Array("<abcdefg/>\0".utf8))
        #expect(throws: CSTAFramingError.frameTooLarge(announced: 11, limit: 8, offset: 0)) { try decoder.nextFrame() }
    }
}

@Suite("Invoke IDs")
struct InvokeIDTests {
    @Test("four zero-padded ASCII digits both ways")
    func digits() throws {
        #expect(InvokeID(rawValue: 1)?.digits == [0x30, 0x30, 0x30, 0x31])
        #expect(InvokeID(rawValue: 9999)?.digits == [0x39, 0x39, 0x39, 0x39])
        #expect(InvokeID(rawValue: 10_000) == nil)
        #expect(InvokeID(digits: Array("0420".utf8))?.rawValue == 420)
        #expect(InvokeID(digits: Array("042".utf8)) == nil)
        #expect(InvokeID(digits: Array("04 0".utf8)) == nil)
        #expect(InvokeID.event.isEvent)
        #expect(InvokeID(rawValue: 7)?.description == "0007")
    }

    @Test("IDs run 1…9998 and wrap to 1, never 0 or 9999")
    func wrap() throws {
        var allocator = InvokeIDAllocator()
        #expect(allocator.next()?.rawValue == 1)
        #expect(allocator.next()?.rawValue == 2)
        var seen = Set<UInt16>([1, 2])
        for _ in 3...9998 { seen.insert(allocator.next()!.rawValue) }
        #expect(seen.count == 9998)
        #expect(!seen.contains(0) && !seen.contains(9999))
        #expect(allocator.last == 9998)
        #expect(allocator.next()?.rawValue == 1)
    }

    @Test("outstanding IDs are skipped, across the wrap as well")
    func skipOutstanding() throws {
        var allocator = InvokeIDAllocator(last: 9996)
        let outstanding: Set<InvokeID> = [InvokeID(rawValue: 9997)!, InvokeID(rawValue: 1)!, InvokeID(rawValue: 2)!]
        #expect(allocator.next(skipping: outstanding)?.rawValue == 9998)
        #expect(allocator.next(skipping: outstanding)?.rawValue == 3)
    }

    @Test("with all 9998 IDs outstanding there is none to give")
    func exhausted() throws {
        var allocator = InvokeIDAllocator()
        let all = Set((1...9998).map { InvokeID(rawValue: UInt16($0))! })
        #expect(allocator.next(skipping: all) == nil)
        var one = all
        one.remove(InvokeID(rawValue: 5000)!)
        #expect(allocator.next(skipping: one)?.rawValue == 5000)
    }
}
