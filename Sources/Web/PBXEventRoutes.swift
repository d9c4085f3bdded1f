import Hummingbird
import NIOCore

/// Where a PBX's event callbacks go: a VOIspeed PBX's A.N.S. calls one URL per event, with the
/// event in the query string. The web server only admits the caller and hands the query on; what
/// an event means is the daemon's business (it parses it with the `VOIspeed` target).
public struct PBXEventReceiver: Sendable {
    /// The PBX addresses that may call, as IP literals. A PBX cannot send the staff API's
    /// credentials, so its address is what admits it.
    public var allowedAddresses: [String]
    /// Takes one event's query; returns nil when it was taken, or why it is no event (answered 400).
    public var deliver: @Sendable (Substring) async -> String?

    public init(allowedAddresses: [String], deliver: @escaping @Sendable (Substring) async -> String?) {
        self.allowedAddresses = allowedAddresses
        self.deliver = deliver
    }

    /// Whether a TCP peer is one of the allowed addresses. IPv4 peers on a dual-stack socket
    /// arrive as `::ffff:a.b.c.d`.
    func admits(_ peer: String?) -> Bool {
        guard var peer else { return false }
        if peer.hasPrefix("::ffff:") { peer.removeFirst("::ffff:".count) }
        return allowedAddresses.contains(peer)
    }
}

/// `GET /voispeed/events?key=…&event=…`: the A.N.S. URL to configure on the VOIspeed PBX. It sits
/// outside the staff authentication, like the phone pages, and answers 403 to any peer but the
/// PBX, 400 to a query that is no event, and `OK` otherwise.
struct PBXEventRoutes {
    let receiver: PBXEventReceiver

    func register(on router: Router<WebRequestContext>) {
        router.get("/voispeed/events") { request, context in
            guard receiver.admits(context.remoteAddress?.ipAddress) else {
                return Self.text(.forbidden, "Forbidden: only the PBX may send events here\n")
            }
            let query = request.uri.query.map { Substring($0) } ?? ""
            if let problem = await receiver.deliver(query) {
                return Self.text(.badRequest, "Bad event: \(problem)\n")
            }
            return Self.text(.ok, "OK\n")
        }
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(body)
        return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: buffer))
    }
}
