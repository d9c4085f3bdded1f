/// Cuts an arbitrarily segmented byte stream into Annex J.2 frames: several frames in one read, or
/// one frame split across many, down to single bytes. The header is checked as soon as its bytes
/// arrive, so a stream that is out of sync is refused without waiting for the body, and at most
/// one frame (at most 65,535 bytes) is ever buffered.
public struct AnnexJFrameDecoder: Sendable {
    /// The largest total length (header included) accepted from the peer.
    public let maximumFrameLength: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Stream offset of `buffer[0]`, to name where a framing error happened.
    private var consumedBefore = 0
    private var failure: CSTAFramingError?

    public init(maximumFrameLength: Int = CSTAFrame.annexJMaximumFrameLength) {
        precondition(maximumFrameLength >= CSTAFrame.annexJHeaderLength, "maximumFrameLength must cover the 8-byte header")
        self.maximumFrameLength = min(maximumFrameLength, CSTAFrame.annexJMaximumFrameLength)
    }

    /// Bytes received but not yet returned as a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds bytes read from the connection. After a framing error they are dropped: the stream
    /// cannot be trusted any more.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed. Once it has thrown, it throws
    /// the same error on every call.
    public mutating func nextFrame() throws(CSTAFramingError) -> CSTAFrame? {
        if let failure { throw failure }
        let available = buffer.count - readIndex
        let offset = consumedBefore + readIndex
        let indicatorBytes = min(available, 2)
        if buffer[readIndex..<(readIndex + indicatorBytes)].contains(where: { $0 != 0 }) {
            return try fail(.badFormatIndicator(found: Array(buffer[readIndex..<(readIndex + indicatorBytes)]), offset: offset))
        }
        guard available >= 4 else { return nil }
        let total = Int(buffer[readIndex + 2]) << 8 | Int(buffer[readIndex + 3])
        if total < CSTAFrame.annexJHeaderLength {
            return try fail(.lengthBelowHeader(announced: total, offset: offset))
        }
        if total > maximumFrameLength {
            return try fail(.frameTooLarge(announced: total, limit: maximumFrameLength, offset: offset))
        }
        let digitBytes = buffer[(readIndex + 4)..<(readIndex + min(available, 8))]
        if digitBytes.contains(where: { $0 < 0x30 || $0 > 0x39 }) {
            return try fail(.invokeIDNotDigits(found: Array(digitBytes), offset: offset))
        }
        guard available >= total, let invokeID = InvokeID(digits: buffer[(readIndex + 4)..<(readIndex + 8)]) else { return nil }
        let body = Array(buffer[(readIndex + CSTAFrame.annexJHeaderLength)..<(readIndex + total)])
        readIndex += total
        compactIfWorthwhile()
        return CSTAFrame(invokeID: invokeID, body: body)
    }

    /// Every complete frame in the buffer, in order. Frames that were complete before a framing
    /// error are returned with the error, so none of them is lost.
    public mutating func frames() -> (frames: [CSTAFrame], error: CSTAFramingError?) {
        var frames: [CSTAFrame] = []
        do {
            while let frame = try nextFrame() { frames.append(frame) }
            return (frames, nil)
        } catch {
            return (frames, error)
        }
    }

    private mutating func fail(_ error: CSTAFramingError) throws(CSTAFramingError) -> CSTAFrame? {
        failure = error
        buffer = []
        readIndex = 0
        throw error
    }

    // Dropping consumed bytes on every frame would copy the tail each time; doing it once half the
    // buffer is consumed keeps appends amortised O(1).
    private mutating func compactIfWorthwhile() {
        if readIndex == buffer.count {
            consumedBefore += readIndex
            buffer.removeAll(keepingCapacity: buffer.capacity <= 2 * maximumFrameLength)
            readIndex = 0
        } else if readIndex > 4096, readIndex * 2 > buffer.count {
            consumedBefore += readIndex
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
