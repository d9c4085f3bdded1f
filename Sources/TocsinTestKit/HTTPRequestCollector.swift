import NIOCore
import NIOHTTP1

/// The HTTP/1.1 side the test kit's fake peers share: collects one request whole, hands it on,
/// and lets the peer answer later from any thread (a held answer, a phone that thinks first).
final class HTTPRequestCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Reply: Sendable {
        var status: Int
        var contentType: String?
        var body: String

        init(status: Int, contentType: String? = nil, body: String = "") {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    typealias Respond = @Sendable (Reply) -> Void
    typealias OnRequest = @Sendable (_ head: HTTPRequestHead, _ body: String, _ loop: any EventLoop, _ respond: @escaping Respond) -> Void

    private let onRequest: OnRequest
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(onRequest: @escaping OnRequest) {
        self.onRequest = onRequest
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            let text = body.readString(length: body.readableBytes) ?? ""
            let channel = context.channel
            let loop = context.eventLoop
            let loopBound = NIOLoopBound(context, eventLoop: loop)
            onRequest(head, text, loop) { reply in
                // Most answers are given at once, on this loop: write them without another hop.
                if loop.inEventLoop {
                    guard channel.isActive else { return }
                    Self.write(reply, version: head.version, on: loopBound.value)
                } else {
                    loop.execute {
                        guard channel.isActive else { return }
                        Self.write(reply, version: head.version, on: loopBound.value)
                    }
                }
            }
        }
    }

    private static func write(_ reply: Reply, version: HTTPVersion, on context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: reply.body.utf8.count)
        buffer.writeString(reply.body)
        var headers = HTTPHeaders()
        if let contentType = reply.contentType { headers.add(name: "Content-Type", value: contentType) }
        headers.add(name: "Content-Length", value: "\(buffer.readableBytes)")
        let response = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: reply.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(response)), promise: nil)
        if buffer.readableBytes > 0 {
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        }
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
    }
}
