import ESPA444
import Testing

@Suite struct CharsetTests {
    @Test(arguments: Charset.allCases)
    func printableASCIIRoundTrips(charset: Charset) throws {
        let text = "CALL 0815 ROOM 12-B (ward 3): ok?"
        let encoded = try charset.encode(text)
        #expect(encoded == Array(text.utf8))
        #expect(try charset.decode(encoded) == text)
    }

    @Test func iso646DEUmlauts() throws {
        let wire: [UInt8] = [0x40, 0x5B, 0x5C, 0x5D, 0x7B, 0x7C, 0x7D, 0x7E]
        #expect(try Charset.iso646DE.decode(wire) == "§ÄÖÜäöüß")
        #expect(try Charset.iso646DE.encode("§ÄÖÜäöüß") == wire)
        #expect(try Charset.iso646DE.encode("Tür 3 Bär") == [0x54, 0x7D, 0x72, 0x20, 0x33, 0x20, 0x42, 0x7B, 0x72])
        // The ASCII characters those positions replace cannot be sent.
        #expect(throws: CharsetError.unmappable(character: "@", offset: 1, charset: .iso646DE)) { try Charset.iso646DE.encode("a@b") }
        #expect(throws: CharsetError.undecodable(byte: 0xE4, offset: 0, charset: .iso646DE)) { try Charset.iso646DE.decode([0xE4]) }
    }

    @Test func latin1AllBytesRoundTrip() throws {
        let all = (0x20 ... 0xFF).map { UInt8($0) }
        let text = try Charset.latin1.decode(all)
        #expect(try Charset.latin1.encode(text) == all)
        #expect(try Charset.latin1.decode([0x42, 0xE4, 0x72]) == "Bär")
        #expect(throws: CharsetError.unmappable(character: "€", offset: 0, charset: .latin1)) { try Charset.latin1.encode("€") }
    }

    @Test func cp850() throws {
        #expect(try Charset.cp850.decode([0x84, 0x94, 0x81, 0x8E, 0x99, 0x9A, 0xE1, 0x15]) == "äöüÄÖÜß\u{15}")
        #expect(try Charset.cp850.encode("Bär Größe") == [0x42, 0x84, 0x72, 0x20, 0x47, 0x72, 0x94, 0xE1, 0x65])
        let all = (0x80 ... 0xFF).map { UInt8($0) }
        #expect(try Charset.cp850.encode(try Charset.cp850.decode(all)) == all)
        #expect(throws: CharsetError.unmappable(character: "€", offset: 2, charset: .cp850)) { try Charset.cp850.encode("ab€") }
    }

    @Test func utf8() throws {
        #expect(try Charset.utf8.encode("Bär ✓") == [0x42, 0xC3, 0xA4, 0x72, 0x20, 0xE2, 0x9C, 0x93])
        #expect(try Charset.utf8.decode([0x42, 0xC3, 0xA4, 0x72, 0x20, 0xE2, 0x9C, 0x93]) == "Bär ✓")
        #expect(throws: CharsetError.undecodable(byte: 0xE4, offset: 1, charset: .utf8)) { try Charset.utf8.decode([0x42, 0xE4, 0x72]) }
        #expect(try Charset.utf8.decode([0x42, 0xE4, 0x72], policy: .replace) == "B\u{FFFD}r")
    }

    @Test func asciiRejectsAndReplaces() throws {
        #expect(throws: CharsetError.undecodable(byte: 0x80, offset: 2, charset: .ascii)) { try Charset.ascii.decode([0x41, 0x42, 0x80]) }
        #expect(try Charset.ascii.decode([0x41, 0x80], policy: .replace) == "A\u{FFFD}")
        #expect(try Charset.ascii.encode("Tür", policy: .replace) == [0x54, 0x3F, 0x72])
    }

    @Test func configurationSpellings() {
        #expect(Charset(rawValue: "iso646-de") == .iso646DE)
        #expect(Charset.allCases.map(\.rawValue) == ["ascii", "iso646-de", "latin1", "cp850", "utf8"])
    }

    @Test func errorsNameByteOffsetAndCharset() {
        #expect(CharsetError.undecodable(byte: 0xE4, offset: 11, charset: .ascii).description
            == "byte 0xE4 at offset 11 is not a character of 'ascii'; check the port's charset setting")
    }
}
