/// Cuts an arbitrarily segmented byte stream into `EXFrame`s: several frames in one read, or one
/// frame split across many. It never buffers more than one frame of at most `maximumMessageSize`
/// bytes, so an announced length of 4 GiB is refused from its header alone.
public struct EXFrameDecoder: Sendable {
    /// The largest total length (header included) accepted from a peer.
    public let maximumMessageSize: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Stream offset of `buffer[0]`, to name where a framing error happened.
    private var consumedBefore = 0
    private var failure: EXFramingError?

    public static let defaultMaximumMessageSize = 64 * 1024

    public init(maximumMessageSize: Int = EXFrameDecoder.defaultMaximumMessageSize) {
        precondition(maximumMessageSize >= EXFrame.headerLength, "maximumMessageSize must cover the 10-byte header")
        self.maximumMessageSize = maximumMessageSize
    }

    /// Bytes received but not yet returned as a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds bytes read from the connection. After a framing error the bytes are dropped: the
    /// stream cannot be trusted any more.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed. Once it has thrown, it throws
    /// the same error on every call.
    public mutating func nextFrame() throws(EXFramingError) -> EXFrame? {
        if let failure { throw failure }
        let available = buffer.count - readIndex
        // The header is checked as soon as its bytes arrive, so a hostile length is refused before
        // any of its body is buffered.
        if available >= 2, buffer[readIndex] != EXFrame.magic.0 || buffer[readIndex + 1] != EXFrame.magic.1 {
            return try fail(.badMagic(found: [buffer[readIndex], buffer[readIndex + 1]], offset: consumedBefore + readIndex))
        }
        if available == 1, buffer[readIndex] != EXFrame.magic.0 {
            return try fail(.badMagic(found: [buffer[readIndex]], offset: consumedBefore + readIndex))
        }
        guard available >= EXFrame.headerLength else { return nil }
        let total = readUInt32(at: readIndex + 2)
        if total < UInt32(EXFrame.headerLength) {
            return try fail(.lengthBelowHeader(announced: total, offset: consumedBefore + readIndex))
        }
        if UInt64(total) > UInt64(maximumMessageSize) {
            return try fail(.messageTooLarge(announced: total, limit: maximumMessageSize, offset: consumedBefore + readIndex))
        }
        let length = Int(total)
        guard available >= length else { return nil }
        let number = readUInt32(at: readIndex + 6)
        let body = Array(buffer[(readIndex + EXFrame.headerLength)..<(readIndex + length)])
        readIndex += length
        compactIfWorthwhile()
        return EXFrame(number: number, body: body)
    }

    /// Every complete frame in the buffer, in order. Frames that were complete before a framing
    /// error are returned with the error, so none of them is lost.
    public mutating func frames() -> (frames: [EXFrame], error: EXFramingError?) {
        var frames: [EXFrame] = []
        do {
            while let frame = try nextFrame() { frames.append(frame) }
            return (frames, nil)
        } catch {
            return (frames, error)
        }
    }

    private mutating func fail(_ error: EXFramingError) throws(EXFramingError) -> EXFrame? {
        failure = error
        buffer = []
        readIndex = 0
        throw error
    }

    private func readUInt32(at index: Int) -> UInt32 {
        UInt32(buffer[index]) << 24 | UInt32(buffer[index + 1]) << 16 | UInt32(buffer[index + 2]) << 8 | UInt32(buffer[index + 3])
    }

    // Dropping consumed bytes on every frame would copy the tail each time; doing it once half the
    // buffer is consumed keeps appends amortised O(1).
    private mutating func compactIfWorthwhile() {
        if readIndex == buffer.count {
            consumedBefore += readIndex
            buffer.removeAll(keepingCapacity: buffer.capacity <= 2 * maximumMessageSize)
            readIndex = 0
        } else if readIndex > 4096, readIndex * 2 > buffer.count {
            consumedBefore += readIndex
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
