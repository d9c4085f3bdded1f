/// One CSTA message as it travels on the wire: the XML document and, with Annex J.2 framing, the
/// invoke ID from the header. NUL-delimited frames (Uni-tel) carry no invoke ID.
public struct CSTAFrame: Sendable, Hashable {
    /// Nil on NUL-delimited streams.
    public var invokeID: InvokeID?
    /// The UTF-8 XML document.
    public var body: [UInt8]

    public init(invokeID: InvokeID?, body: [UInt8]) {
        self.invokeID = invokeID
        self.body = body
    }

    /// Annex J.2: bytes 0–1 are zero, bytes 2–3 a big-endian total length including the header.
    public static let annexJHeaderLength = 8
    /// The 16-bit length field caps a frame, header included.
    public static let annexJMaximumFrameLength = 65_535

    /// The Annex J.2 frame for `body`: `00 00`, the total length (body bytes + 8, big-endian), the
    /// four invoke-ID digits, then the body. The length counts UTF-8 bytes, not characters, so
    /// Cyrillic names cannot shorten the header.
    public static func annexJ(invokeID: InvokeID, body: [UInt8]) throws(CSTAFramingError) -> [UInt8] {
        let total = body.count + annexJHeaderLength
        guard total <= annexJMaximumFrameLength else {
            throw .bodyTooLarge(size: body.count, limit: annexJMaximumFrameLength - annexJHeaderLength)
        }
        var bytes: [UInt8] = [0, 0, UInt8(total >> 8), UInt8(total & 0xFF)]
        bytes.reserveCapacity(total)
        bytes.append(contentsOf: invokeID.digits)
        bytes.append(contentsOf: body)
        return bytes
    }

    /// The NUL-delimited frame for `body`: the document, then one `0x00`. A NUL inside the body
    /// would split it, so it is refused (XML cannot carry one anyway).
    public static func nulDelimited(body: [UInt8], maximumLength: Int = annexJMaximumFrameLength) throws(CSTAFramingError) -> [UInt8] {
        if let index = body.firstIndex(of: 0) { throw .nulInBody(offset: index) }
        guard body.count + 1 <= maximumLength else { throw .bodyTooLarge(size: body.count, limit: maximumLength - 1) }
        return body + [0]
    }
}
