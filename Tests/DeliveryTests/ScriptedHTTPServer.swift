#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A real HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that records every request and answers
/// each with the next scripted reply. Replies are written as raw bytes, so a test can also send a
/// response that is cut off or never comes.
final class ScriptedHTTPServer: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod
        var uri: String
        var headers: HTTPHeaders
        var body: [UInt8]

        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    enum Reply: Sendable {
        /// A complete response.
        case status(Int, reason: String, body: String = "")
        /// A complete response, after a pause.
        case delayed(TimeAmount, Int, reason: String)
        /// Closes the connection without writing a byte.
        case close
        /// Writes these bytes (a response cut short) and closes.
        case raw(String)
        /// Never answers; the connection stays open.
        case silence
        /// Aborts the connection with a TCP reset (SO_LINGER 0), as a crashing receiver's kernel does.
        case reset
        /// A complete kept-alive response, then the connection is closed, as a receiver's idle
        /// timeout does.
        case statusThenClose(Int, reason: String)
    }

    private struct State {
        var script: [Reply] = []
        var requests: [Request] = []
        var connections = 0
    }

    private final class Store: Sendable {
        let state = Mutex(State())
    }

    private let store = Store()
    private let arrivals: AsyncStream<Request>.Continuation
    /// Each recorded request, in arrival order, for tests that wait for one.
    let requests: AsyncStream<Request>
    private let channel: any Channel
    let port: Int

    /// The reply for requests beyond the script.
    static let fallback = Reply.status(200, reason: "OK")

    /// `tls`: serve https with this context.
    init(script: [Reply] = [], tls: NIOSSLContext? = nil) async throws {
        let (stream, continuation) = AsyncStream<Request>.makeStream()
        requests = stream
        arrivals = continuation
        secure = tls != nil
        store.state.withLock { $0.script = script }
        let box = ServerHooks(next: { [store] request in
            store.state.withLock { state -> Reply in
                state.requests.append(request)
                return state.script.isEmpty ? Self.fallback : state.script.removeFirst()
            }
        }, arrived: { continuation.yield($0) })
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [store] channel in
                store.state.withLock { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler(hooks: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        port = channel.localAddress?.port ?? 0
    }

    private let secure: Bool

    var url: String { "\(secure ? "https" : "http")://127.0.0.1:\(port)" }

    var recorded: [Request] { store.state.withLock { $0.requests } }

    /// Connections accepted so far.
    var connections: Int { store.state.withLock { $0.connections } }

    func script(_ replies: [Reply]) {
        store.state.withLock { $0.script = replies }
    }

    func shutdown() async throws {
        arrivals.finish()
        try await channel.close()
    }
}

private struct ServerHooks: Sendable {
    var next: @Sendable (ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Reply
    var arrived: @Sendable (ScriptedHTTPServer.Request) -> Void
}

private final class ScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private let hooks: ServerHooks
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(hooks: ServerHooks) {
        self.hooks = hooks
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body += buffer.readableBytesView
        case .end:
            guard let head else { return }
            let request = ScriptedHTTPServer.Request(method: head.method, uri: head.uri, headers: head.headers, body: body)
            let reply = hooks.next(request)
            hooks.arrived(request)
            answer(reply, context: context)
        }
    }

    private func answer(_ reply: ScriptedHTTPServer.Reply, context: ChannelHandlerContext) {
        switch reply {
        case .status(let code, let reason, let body):
            let bytes = Array(body.utf8)
            write("HTTP/1.1 \(code) \(reason)\r\nContent-Length: \(bytes.count)\r\nContent-Type: text/plain\r\n\r\n\(body)", context: context)
        case .delayed(let delay, let code, let reason):
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
                self.answer(.status(code, reason: reason), context: loopBound.value)
            }
        case .close:
            context.close(promise: nil)
        case .statusThenClose(let code, let reason):
            answer(.status(code, reason: reason), context: context)
            context.close(promise: nil)
        case .raw(let text):
            write(text, context: context)
            context.close(promise: nil)
        case .silence:
            break
        case .reset:
            let channel = context.channel
            guard let socket = channel as? any SocketOptionProvider else {
                channel.close(promise: nil)
                return
            }
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    private func write(_ text: String, context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
