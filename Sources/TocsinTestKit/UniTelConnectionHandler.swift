// Uni-tel's raw XML transport for the scripted PBX (csta.md §7, seed 003): each document ends with
// a NUL byte, nothing carries an invoke ID, and responses come back in request order. The replies
// are the scripted server's own, so the daemon's Uni-tel dialect is tested against the same callee
// behaviour, less the FailedEvent Uni-tel does not send.

import NIOCore

/// Splits one connection's bytes on NUL and writes each answer NUL-terminated.
final class UniTelConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: BoxRef
    private var buffer: [UInt8] = []

    init(server: BoxRef) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        server.server?.opened(context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffer += unwrapInboundIn(data).readableBytesView
        while let end = buffer.firstIndex(of: 0) {
            let xml = String(decoding: buffer[..<end], as: UTF8.self)
            buffer.removeFirst(end + 1)
            guard !xml.allSatisfy(\.isWhitespace) else { continue }
            for (_, reply) in server.server?.answer(xml, invokeID: "0000") ?? [] where !reply.contains("<FailedEvent") {
                context.write(wrapOutboundOut(ByteBuffer(bytes: Array(reply.utf8) + [0])), promise: nil)
            }
            context.flush()
        }
    }
}
