import NIOCore
import NIOHTTP1
import Synchronization

/// One request and the answer it is waiting for, handed to a connection's pipeline.
struct PushExchange {
    var request: PushHTTPRequest
    var promise: EventLoopPromise<PushHTTPResponse>
    var deadline: NIODeadline
    /// Whether the connection already carried an exchange: a reused connection the receiver has
    /// just closed fails without having answered, and is worth one more try on a fresh one.
    var reused: Bool
}

/// Asks a connection to give up the exchange whose answer is `future`, if it is still in flight.
struct PushCancellation {
    var future: EventLoopFuture<PushHTTPResponse>
}

/// The end of one HTTP/1.1 connection of a `PushHTTPClient`: writes one request at a time (POST is
/// not pipelined, RFC 9112 §9.3.2), answers the exchange's promise with the response, and offers
/// the connection back for the next request once the response is complete and both sides keep it
/// alive. The deadline is armed on the channel's own event loop, so no timer task or hop is needed.
final class PushConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = PushExchange
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case idle
        case awaitingHead(PushExchange)
        case readingBody(PushExchange, HTTPResponseHead, [UInt8])
        /// The exchange is answered; the rest of the response is read (and dropped) before the
        /// connection can carry another one.
        case draining(keepAlive: Bool)
        case closed
    }

    private var state = State.idle
    /// Answers are given at the end of a read, after the whole of it is handled: a response's end
    /// usually arrives with its head, and the connection is then back in the pool before the
    /// caller's next request looks for one.
    private var answers: [(EventLoopPromise<PushHTTPResponse>, PushHTTPResponse)] = []
    private var deadlineTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private let idleTimeout: TimeAmount
    /// Called on the event loop when the connection can carry the next request.
    private let becameIdle: (any Channel) -> Void

    /// Handlers alive now: a test checks that closed connections are freed.
    static let alive = Atomic<Int>(0)

    init(idleTimeout: TimeAmount, becameIdle: @escaping (any Channel) -> Void) {
        self.idleTimeout = idleTimeout
        self.becameIdle = becameIdle
        Self.alive.add(1, ordering: .relaxed)
    }

    deinit {
        Self.alive.subtract(1, ordering: .relaxed)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        switch state {
        case .idle:
            break
        case .closed:
            // Closed by the receiver between taking it from the pool and writing.
            exchange.promise.fail(exchange.reused ? PushHTTPError.staleConnection : PushHTTPError.closedBeforeResponse)
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        case .awaitingHead, .readingBody, .draining:
            exchange.promise.fail(PushHTTPError.connectionBusy)
            promise?.fail(PushHTTPError.connectionBusy)
            return
        }
        idleTimer?.cancel()
        idleTimer = nil
        state = .awaitingHead(exchange)
        deadlineTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: exchange.deadline) { [self] in
            deadlinePassed(context: context)
        }
        let request = exchange.request
        var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.target, headers: request.headers)
        head.headers.add(name: "Content-Length", value: String(request.body.readableBytes))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenFailure { [self] error in
            failExchange(error, context: context)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        promise?.succeed()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .awaitingHead(let exchange)):
            // 1xx answers (100 Continue, 103 Early Hints) come before the real one.
            if head.status.code >= 100, head.status.code < 200 { return }
            let wantsBody = exchange.request.bodyLimit > 0
                && (exchange.request.readsSuccessBody || !(200..<300).contains(head.status.code))
            if wantsBody {
                state = .readingBody(exchange, head, [])
            } else {
                state = .draining(keepAlive: head.isKeepAlive)
                answers.append((exchange.promise, PushHTTPResponse(head: head, body: [], complete: false)))
            }
        case (.body(let chunk), .readingBody(let exchange, let head, var bytes)):
            state = .closed  // not copied on append
            bytes.append(contentsOf: chunk.readableBytesView.prefix(exchange.request.bodyLimit - bytes.count))
            if bytes.count >= exchange.request.bodyLimit {
                // Enough to quote; the rest is not waited for, and the connection is not reused.
                state = .draining(keepAlive: false)
                answers.append((exchange.promise, PushHTTPResponse(head: head, body: bytes, complete: false)))
            } else {
                state = .readingBody(exchange, head, bytes)
            }
        case (.end, .readingBody(let exchange, let head, let bytes)):
            answers.append((exchange.promise, PushHTTPResponse(head: head, body: bytes, complete: true)))
            finished(keepAlive: head.isKeepAlive, context: context)
        case (.end, .draining(let keepAlive)):
            finished(keepAlive: keepAlive, context: context)
        case (.body, .draining), (.head, .closed), (.body, .closed), (.end, .closed):
            break
        case (.head, _), (.body, _), (.end, _):
            // A response nobody asked for: the connection is out of step and cannot be trusted.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        giveAnswers()
        context.fireChannelReadComplete()
    }

    private func giveAnswers() {
        guard !answers.isEmpty else { return }
        let given = answers
        answers.removeAll()
        for (promise, response) in given { promise.succeed(response) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failExchange(error, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failExchange(PushHTTPError.closedBeforeResponse, context: context)
        // The timers' closures hold the context, and the context this handler: dropped here, or
        // every closed connection would stay in memory.
        idleTimer?.cancel()
        idleTimer = nil
        state = .closed
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        deadlineTimer?.cancel()
        deadlineTimer = nil
    }

    /// A cancelled push ends its exchange and the connection, but only while the exchange is still
    /// the one in flight: once answered, the connection may already carry another push.
    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let cancellation = event as? PushCancellation else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        let current: PushExchange? = switch state {
        case .awaitingHead(let exchange), .readingBody(let exchange, _, _): exchange
        case .idle, .draining, .closed: nil
        }
        if let current, current.promise.futureResult === cancellation.future {
            failExchange(CancellationError(), context: context)
        }
        promise?.succeed()
    }

    /// Answers the exchange in flight with what went wrong (a body being read gives what arrived)
    /// and closes the connection.
    private func failExchange(_ error: any Error, context: ChannelHandlerContext) {
        giveAnswers()
        deadlineTimer?.cancel()
        deadlineTimer = nil
        switch state {
        case .awaitingHead(let exchange):
            let stale = exchange.reused && Self.isClosure(error)
            exchange.promise.fail(stale ? PushHTTPError.staleConnection : error)
        case .readingBody(let exchange, let head, let bytes):
            exchange.promise.succeed(PushHTTPResponse(head: head, body: bytes, complete: false))
        case .idle, .draining, .closed:
            break
        }
        state = .closed
        context.close(promise: nil)
    }

    private func deadlinePassed(context: ChannelHandlerContext) {
        giveAnswers()
        deadlineTimer = nil
        switch state {
        case .awaitingHead(let exchange):
            state = .closed
            exchange.promise.fail(PushHTTPError.deadlineExceeded)
        case .readingBody(let exchange, let head, let bytes):
            state = .closed
            exchange.promise.succeed(PushHTTPResponse(head: head, body: bytes, complete: false))
        case .draining, .idle, .closed:
            break
        }
        context.close(promise: nil)
    }

    private func finished(keepAlive: Bool, context: ChannelHandlerContext) {
        deadlineTimer?.cancel()
        deadlineTimer = nil
        guard keepAlive else {
            state = .closed
            context.close(promise: nil)
            return
        }
        state = .idle
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: idleTimeout) {
            context.close(promise: nil)
        }
        becameIdle(context.channel)
    }

    /// Errors that mean the peer closed or reset the connection.
    private static func isClosure(_ error: any Error) -> Bool {
        if let error = error as? PushHTTPError, error == .closedBeforeResponse { return true }
        if let error = error as? ChannelError {
            switch error {
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed: return true
            default: return false
            }
        }
        if let error = error as? IOError { return error.errnoCode == ECONNRESET || error.errnoCode == EPIPE }
        if let error = error as? HTTPParserError, case .invalidEOFState = error { return true }
        return false
    }
}

#if canImport(Glibc)
import Glibc
#endif
