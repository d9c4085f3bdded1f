/// Cuts an ESPA byte stream into `Frame`s, whatever the read boundaries. It resynchronises on
/// every SOH, takes the byte after ETX as the BCC without looking at it (it may equal ETX, EOT or
/// XON), checks the BCC, and decodes the block text in the port's character set.
///
/// It keeps no clock: the owner calls `abandon()` when the inter-character timeout expires while
/// `isInsideFrame` is true.
public struct FrameDecoder: Sendable {
    /// The frame length (SOH through BCC) past which a block is refused as oversized. The spec's
    /// limits give blocks of about 200 bytes; real peers send longer messages, hence the margin.
    public static let defaultMaximumBlockLength = 1024
    /// Noise is reported in pieces of at most this many bytes, so a babbling line cannot grow it.
    static let noiseChunk = 256

    public var charset: Charset
    public var policy: UnmappablePolicy
    public var maximumBlockLength: Int

    private enum State: Sendable {
        /// Between frames. `prefix` is a printable byte that may be the address of an ENQ or the
        /// digit of a NAK.
        case between(prefix: UInt8?)
        /// After SOH, before ETX.
        case body
        /// After ETX: the next byte is the BCC, whatever its value.
        case bcc
        /// Past `maximumBlockLength`: waiting for ETX, then its BCC, to answer at the right time.
        case oversized(afterETX: Bool)
    }

    private var state: State = .between(prefix: nil)
    private var block: [UInt8] = []
    private var noise: [UInt8] = []

    public init(charset: Charset = .ascii, policy: UnmappablePolicy = .reject, maximumBlockLength: Int = FrameDecoder.defaultMaximumBlockLength) {
        self.charset = charset
        self.policy = policy
        self.maximumBlockLength = max(maximumBlockLength, 4)
    }

    /// True while a block or a prefix byte is incomplete: the inter-character timeout applies.
    public var isInsideFrame: Bool {
        if case .between(prefix: nil) = state { return false }
        return true
    }

    /// True between the SOH of a block and its BCC.
    public var isInsideBlock: Bool {
        switch state {
        case .between: false
        case .body, .bcc, .oversized: true
        }
    }

    /// Feeds one read's worth of bytes and returns every frame they complete, in order.
    public mutating func decode(_ bytes: some Sequence<UInt8>) -> [Frame] {
        var frames: [Frame] = []
        for byte in bytes { step(byte, into: &frames) }
        return frames
    }

    /// Drops an incomplete frame (inter-character timeout) and returns what was dropped, so the
    /// owner can report it; pending noise is returned too.
    public mutating func abandon() -> [Frame] {
        var frames: [Frame] = []
        switch state {
        case .between(let prefix):
            if let prefix { noise.append(prefix) }
        case .body, .bcc, .oversized:
            flushNoise(into: &frames)
            frames.append(.interrupted(block))
        }
        flushNoise(into: &frames)
        state = .between(prefix: nil)
        block = []
        return frames
    }

    private mutating func step(_ byte: UInt8, into frames: inout [Frame]) {
        switch state {
        case .bcc:
            block.append(byte)
            finishBlock(into: &frames)
        case .oversized(let afterETX):
            if afterETX {
                emit(.block(BlockFrame(bytes: block, result: .failure(.oversized(limit: maximumBlockLength)))), into: &frames)
                state = .between(prefix: nil)
                block = []
            } else if byte == ESPA444.etx {
                state = .oversized(afterETX: true)
            } else if byte == ESPA444.soh || byte == ESPA444.eot {
                interrupt(by: byte, into: &frames)
            }
        case .body:
            if byte == ESPA444.soh || byte == ESPA444.eot {
                interrupt(by: byte, into: &frames)
                return
            }
            block.append(byte)
            if byte == ESPA444.etx {
                state = .bcc
            } else if block.count + 2 > maximumBlockLength {
                state = .oversized(afterETX: false)
            }
        case .between(let prefix):
            between(byte, prefix: prefix, into: &frames)
        }
    }

    private mutating func between(_ byte: UInt8, prefix: UInt8?, into frames: inout [Frame]) {
        switch byte {
        case ESPA444.soh:
            if let prefix { noise.append(prefix) }
            flushNoise(into: &frames)
            block = [byte]
            state = .body
        case ESPA444.enq:
            emit(.enquiry(address: prefix), into: &frames)
            state = .between(prefix: nil)
        case ESPA444.nak:
            emit(.nak(digit: prefix), into: &frames)
            state = .between(prefix: nil)
        case ESPA444.eot, ESPA444.ack:
            if let prefix { noise.append(prefix) }
            emit(byte == ESPA444.eot ? .eot : .ack, into: &frames)
            state = .between(prefix: nil)
        default:
            if let prefix { noise.append(prefix) }
            if ESPA444.isControl(byte) || byte >= 0x80 {
                noise.append(byte)
                state = .between(prefix: nil)
            } else {
                state = .between(prefix: byte)
            }
            if noise.count >= FrameDecoder.noiseChunk { flushNoise(into: &frames) }
        }
    }

    /// An SOH or EOT inside a block: the sender gave up on it (or the line dropped bytes).
    private mutating func interrupt(by byte: UInt8, into frames: inout [Frame]) {
        frames.append(.interrupted(block))
        block = []
        state = .between(prefix: nil)
        between(byte, prefix: nil, into: &frames)
    }

    private mutating func finishBlock(into frames: inout [Frame]) {
        let frame = block
        block = []
        state = .between(prefix: nil)
        let result: Result<Block, BlockError>
        if frame.count > maximumBlockLength {
            result = .failure(.oversized(limit: maximumBlockLength))
        } else {
            do {
                result = .success(try Block(frame: frame, charset: charset, policy: policy))
            } catch {
                result = .failure(error)
            }
        }
        emit(.block(BlockFrame(bytes: frame, result: result)), into: &frames)
    }

    private mutating func emit(_ frame: Frame, into frames: inout [Frame]) {
        flushNoise(into: &frames)
        frames.append(frame)
    }

    private mutating func flushNoise(into frames: inout [Frame]) {
        guard !noise.isEmpty else { return }
        frames.append(.noise(noise))
        noise = []
    }
}
