import Alarming
import Hummingbird
import Logging
import ServiceLifecycle

/// `GET /api/events`: alarm changes as Server-Sent Events for the live board. The stream opens with
/// a `: connected` comment once the subscription exists (so a client knows it will miss nothing
/// from then on), sends every event as `event: alarm`, and a `: keepalive` comment when idle so
/// proxies and dead peers are noticed. It ends when the client goes away or the service shuts down.
struct EventStream {
    let events: AlarmEventHub
    let keepaliveInterval: Duration

    private enum Item: Sendable {
        case event(AlarmEvent)
        case keepalive
    }

    func register(on table: RouteTable) {
        table.get("/api/events") { request, context in
            response(for: request, logger: context.logger)
        }
    }

    static func frame(_ event: AlarmEvent) -> String {
        // The serialised JSON holds no raw line breaks (they are escaped), so one data line suffices.
        "event: alarm\ndata: \(AlarmRepresentation.event(event).serialized)\n\n"
    }

    private func response(for request: Request, logger: Logger) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let events = self.events
        let interval = keepaliveInterval
        let body = ResponseBody { writer in
            let subscription = events.subscribe()
            let (items, sink) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingNewest(1024))
            try await writer.write(ByteBuffer(string: ": connected\n\n"))
            // Cancelled when the client closes its side; the loops below then end and the
            // subscription is dropped.
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await event in subscription { sink.yield(.event(event)) }
                        sink.finish()
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            do { try await Task.sleep(for: interval) } catch { break }
                            sink.yield(.keepalive)
                        }
                    }
                    defer { group.cancelAll() }
                    // The server's graceful shutdown waits for running requests; an event stream
                    // never finishes by itself, so it ends here rather than holding shutdown up.
                    try await withGracefulShutdownHandler {
                        for await item in items {
                            switch item {
                            case .event(let event): try await writer.write(ByteBuffer(string: Self.frame(event)))
                            case .keepalive: try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                            }
                        }
                    } onGracefulShutdown: {
                        sink.finish()
                    }
                }
            }
            logger.debug("event stream closed")
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
