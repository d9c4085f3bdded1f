import NIOCore

/// What a connection reports to the client, in the order it happened. One stream carries them all,
/// so that bytes are never handed to the session machine out of order.
enum CSTAConnectionEvent: Sendable {
    case connected(attempt: Int, any Channel)
    case connectFailed(attempt: Int, reason: String)
    case bytes(attempt: Int, [UInt8])
    case lost(attempt: Int, reason: String)
}

/// Passes one connection's bytes and its end to the client's event stream.
final class CSTAChannelHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let attempt: Int
    private let events: AsyncStream<CSTAConnectionEvent>.Continuation

    init(attempt: Int, events: AsyncStream<CSTAConnectionEvent>.Continuation) {
        self.attempt = attempt
        self.events = events
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        events.yield(.bytes(attempt: attempt, Array(buffer.readableBytesView)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        events.yield(.lost(attempt: attempt, reason: "the PBX closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        events.yield(.lost(attempt: attempt, reason: "\(error)"))
        context.close(promise: nil)
    }
}
