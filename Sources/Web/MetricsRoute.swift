import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition the daemon assembles. The web layer only serves it;
/// what is measured is decided where it happens.
struct MetricsRoute {
    let render: @Sendable () async -> String

    func register(on table: RouteTable) {
        table.get("/metrics") { _, _ in
            let text = await render()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
