/// The character set of one port's text (espa444.md §8). The spec says IA5; in the field 7-bit
/// German panels use ISO 646-DE and 8-bit links carry Latin-1, CP850 or UTF-8, so it is set per port.
///
/// Bytes below 0x20 are never text: they are the framing. Every set maps 0x20...0x7E to the same
/// character as ASCII, except ISO 646-DE, which puts § Ä Ö Ü ä ö ü ß on @ [ \ ] { | } ~.
///
/// Unmappable characters follow an `UnmappablePolicy`: `.reject` throws a `CharsetError` naming
/// the byte offset, `.replace` decodes an unknown byte to U+FFFD and encodes an unknown character as
/// `?`. The raw values are the spellings used in the configuration file.
public enum Charset: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case ascii
    case iso646DE = "iso646-de"
    case latin1
    case cp850
    case utf8

    public var description: String { rawValue }

    /// Decodes the bytes of one header, identifier or value.
    public func decode(_ bytes: some Collection<UInt8>, policy: UnmappablePolicy = .reject) throws(CharsetError) -> String {
        var scalars = String.UnicodeScalarView()
        if self == .utf8 {
            var iterator = bytes.makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            var offset = 0
            while true {
                switch parser.parseScalar(from: &iterator) {
                case .valid(let encoded):
                    scalars.append(Unicode.UTF8.decode(encoded))
                    offset += encoded.count
                case .error(let length):
                    let bad = bytes[bytes.index(bytes.startIndex, offsetBy: offset)]
                    guard policy == .replace else { throw .undecodable(byte: bad, offset: offset, charset: self) }
                    scalars.append("\u{FFFD}")
                    offset += length
                case .emptyInput:
                    return String(scalars)
                }
            }
        }
        for (offset, byte) in bytes.enumerated() {
            if let scalar = character(for: byte) {
                scalars.append(scalar)
            } else if policy == .replace {
                scalars.append("\u{FFFD}")
            } else {
                throw .undecodable(byte: byte, offset: offset, charset: self)
            }
        }
        return String(scalars)
    }

    /// Encodes text for the wire. Offsets in errors count Unicode scalars. Text is not normalised:
    /// a decomposed "a + combining diaeresis" is unmappable in the 8-bit sets.
    public func encode(_ text: String, policy: UnmappablePolicy = .reject) throws(CharsetError) -> [UInt8] {
        if self == .utf8 { return Array(text.utf8) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if let byte = byte(for: scalar) {
                bytes.append(byte)
            } else if policy == .replace {
                bytes.append(0x3F)
            } else {
                throw .unmappable(character: scalar, offset: offset, charset: self)
            }
        }
        return bytes
    }

    /// The character a single byte stands for in this set (not used for UTF-8).
    func character(for byte: UInt8) -> Unicode.Scalar? {
        switch self {
        case .ascii:
            return byte < 0x80 ? Unicode.Scalar(byte) : nil
        case .iso646DE:
            guard byte < 0x80 else { return nil }
            if let national = Charset.germanNational[byte] { return national }
            return Unicode.Scalar(byte)
        case .latin1:
            return Unicode.Scalar(byte)
        case .cp850:
            guard byte >= 0x80 else { return Unicode.Scalar(byte) }
            return Unicode.Scalar(Charset.cp850High[Int(byte) - 0x80])
        case .utf8:
            return byte < 0x80 ? Unicode.Scalar(byte) : nil
        }
    }

    /// The byte for a character in this set (not used for UTF-8).
    func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        switch self {
        case .ascii, .utf8:
            return value < 0x80 ? UInt8(value) : nil
        case .iso646DE:
            if let byte = Charset.germanBytes[scalar] { return byte }
            // The ASCII characters whose positions hold the umlauts have no byte of their own.
            guard value < 0x80, Charset.germanNational[UInt8(value)] == nil else { return nil }
            return UInt8(value)
        case .latin1:
            return value < 0x100 ? UInt8(value) : nil
        case .cp850:
            if value < 0x80 { return UInt8(value) }
            return Charset.cp850Bytes[scalar]
        }
    }

    /// DIN 66003 / ISO 646-DE national positions (espa444.md §8).
    static let germanNational: [UInt8: Unicode.Scalar] = [
        0x40: "§", 0x5B: "Ä", 0x5C: "Ö", 0x5D: "Ü", 0x7B: "ä", 0x7C: "ö", 0x7D: "ü", 0x7E: "ß",
    ]
    static let germanBytes: [Unicode.Scalar: UInt8] = Dictionary(uniqueKeysWithValues: germanNational.map { ($1, $0) })

    /// IBM code page 850, bytes 0x80...0xFF.
    static let cp850High: [UInt32] = [
        0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
        0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192,
        0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
        0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0, 0x00A9, 0x2563, 0x2551, 0x2557, 0x255D, 0x00A2, 0x00A5, 0x2510,
        0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4,
        0x00F0, 0x00D0, 0x00CA, 0x00CB, 0x00C8, 0x0131, 0x00CD, 0x00CE, 0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580,
        0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE, 0x00DE, 0x00DA, 0x00DB, 0x00D9, 0x00FD, 0x00DD, 0x00AF, 0x00B4,
        0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8, 0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
    ]
    static let cp850Bytes: [Unicode.Scalar: UInt8] = Dictionary(
        uniqueKeysWithValues: cp850High.enumerated().map { (Unicode.Scalar($1)!, UInt8(0x80 + $0)) }
    )
}

/// What to do with a byte or character that the port's character set cannot map.
public enum UnmappablePolicy: String, Sendable, Hashable, CaseIterable {
    /// Fail with a `CharsetError`; a receiving link answers `'1' NAK` (character error).
    case reject
    /// Decode as U+FFFD, encode as `?`, and go on. A receiving link still reports it as a
    /// protocol error so a mis-set character set shows in the logs.
    case replace
}

public enum CharsetError: Error, Hashable, Sendable, CustomStringConvertible {
    case undecodable(byte: UInt8, offset: Int, charset: Charset)
    case unmappable(character: Unicode.Scalar, offset: Int, charset: Charset)

    public var description: String {
        switch self {
        case .undecodable(let byte, let offset, let charset):
            "byte 0x\(hex(byte)) at offset \(offset) is not a character of '\(charset)'; check the port's charset setting"
        case .unmappable(let character, let offset, let charset):
            "character U+\(String(character.value, radix: 16, uppercase: true)) at offset \(offset) cannot be sent in '\(charset)'; choose another charset or the replace policy"
        }
    }
}

/// Two hex digits, upper case, for messages and traces.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
