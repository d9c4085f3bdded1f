/// One ESPA-X message as it travels on TCP: the 10-byte `EX` header and the XML document.
///
/// Header layout (espax.md §3): bytes 0–1 the magic `E` `X`, bytes 2–5 the total length including
/// the header (unsigned 32-bit big-endian), bytes 6–9 a number whose meaning is not public. Tocsin
/// echoes the request's invokeID (low 32 bits) there on responses and sends 0 on indications.
public struct EXFrame: Sendable, Hashable {
    /// The header's bytes 6–9, as a big-endian unsigned value.
    public var number: UInt32
    /// The XML document, without the header.
    public var body: [UInt8]

    public static let headerLength = 10
    /// The largest frame Tocsin ever sends: the tetronik client reads only 16 bits of the length.
    public static let maximumOutgoingLength = 65_535
    static let magic: (UInt8, UInt8) = (0x45, 0x58)

    public init(number: UInt32 = 0, body: [UInt8]) {
        self.number = number
        self.body = body
    }

    /// The total length announced in the header.
    public var totalLength: Int { Self.headerLength + body.count }

    /// Header and body, ready to write. Lengths beyond UInt32 cannot be expressed; callers keep
    /// frames far below that (see `maximumOutgoingLength`).
    public var bytes: [UInt8] {
        var out = Self.header(bodyLength: body.count, number: number)
        out.reserveCapacity(totalLength)
        out.append(contentsOf: body)
        return out
    }

    /// The 10-byte header of a frame whose body has `bodyLength` bytes, for writers that put the
    /// body beside it themselves.
    public static func header(bodyLength: Int, number: UInt32) -> [UInt8] {
        [magic.0, magic.1] + bigEndianBytes(UInt32(truncatingIfNeeded: headerLength + bodyLength)) + bigEndianBytes(number)
    }

    /// The low 32 bits of an invokeID, as sent in bytes 6–9 of a response.
    public static func headerNumber(forInvokeID invokeID: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: invokeID)
    }

    static func bigEndianBytes(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}
