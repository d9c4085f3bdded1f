/// Cuts a NUL-delimited XML stream (Uni-tel's port 7001) into documents, in any segmentation.
/// Empty or whitespace-only pieces between terminators are skipped: a peer that writes `\0\r\n`
/// has not sent a message. A document that grows past `maximumMessageLength` without its NUL is
/// refused, so a peer that never terminates cannot make Tocsin buffer without bound.
public struct NulFrameDecoder: Sendable {
    /// The largest document accepted, terminator included.
    public let maximumMessageLength: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the next NUL resumes, so a document split into many reads is scanned once.
    private var scanIndex = 0
    private var consumedBefore = 0
    private var failure: CSTAFramingError?

    public init(maximumMessageLength: Int = CSTAFrame.annexJMaximumFrameLength) {
        precondition(maximumMessageLength >= 2, "maximumMessageLength must leave room for a document and its NUL")
        self.maximumMessageLength = maximumMessageLength
    }

    public var bufferedByteCount: Int { buffer.count - readIndex }

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete document, or nil when more bytes are needed. Once it has thrown, it
    /// throws the same error on every call.
    public mutating func nextFrame() throws(CSTAFramingError) -> CSTAFrame? {
        if let failure { throw failure }
        while true {
            guard let terminator = buffer[scanIndex...].firstIndex(of: 0) else {
                scanIndex = buffer.count
                let pending = buffer.count - readIndex
                if pending >= maximumMessageLength {
                    return try fail(.unterminatedMessage(buffered: pending, limit: maximumMessageLength, offset: consumedBefore + readIndex))
                }
                return nil
            }
            let start = readIndex
            let length = terminator - start + 1
            if length > maximumMessageLength {
                return try fail(.frameTooLarge(announced: length, limit: maximumMessageLength, offset: consumedBefore + start))
            }
            readIndex = terminator + 1
            scanIndex = readIndex
            let body = buffer[start..<terminator]
            compactIfWorthwhile()
            if body.allSatisfy(Self.isXMLWhitespace) { continue }
            return CSTAFrame(invokeID: nil, body: Array(body))
        }
    }

    public mutating func frames() -> (frames: [CSTAFrame], error: CSTAFramingError?) {
        var frames: [CSTAFrame] = []
        do {
            while let frame = try nextFrame() { frames.append(frame) }
            return (frames, nil)
        } catch {
            return (frames, error)
        }
    }

    private static func isXMLWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private mutating func fail(_ error: CSTAFramingError) throws(CSTAFramingError) -> CSTAFrame? {
        failure = error
        buffer = []
        readIndex = 0
        scanIndex = 0
        throw error
    }

    private mutating func compactIfWorthwhile() {
        if readIndex == buffer.count {
            consumedBefore += readIndex
            buffer.removeAll(keepingCapacity: buffer.capacity <= 2 * maximumMessageLength)
            readIndex = 0
            scanIndex = 0
        } else if readIndex > 4096, readIndex * 2 > buffer.count {
            consumedBefore += readIndex
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }
}
