import Hummingbird
import Logging
import NIOCore

/// Who made a request, as established by `AuthenticationMiddleware`.
enum Caller: Sendable, Equatable {
    /// A user of the directory who gave the right password.
    case user(String)
    /// A client on this machine, let in without a password by `loopback_without_auth`.
    case loopback

    /// The name an alarm raised by this caller carries as its source name.
    var sourceName: String {
        switch self {
        case .user(let name): name
        case .loopback: "loopback"
        }
    }

    /// Who acknowledged or ended an alarm when the request does not say.
    var actorName: String {
        switch self {
        case .user(let name): name
        case .loopback: "web"
        }
    }
}

/// The request context of the web server: Hummingbird's core storage, the peer's address (for the
/// loopback exemption) and the caller once authenticated.
struct WebRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    var caller: Caller?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.caller = nil
    }

    /// Whether the peer is on this machine: 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6.
    /// The address is the TCP peer's, never a forwarded-for header a client could forge.
    var isLoopback: Bool { Self.isLoopback(remoteAddress?.ipAddress) }

    static func isLoopback(_ address: String?) -> Bool {
        guard let address else { return false }
        if address == "::1" { return true }
        let v4 = address.hasPrefix("::ffff:") ? String(address.dropFirst("::ffff:".count)) : address
        return v4.hasPrefix("127.") && v4.split(separator: ".").count == 4
    }

    /// The authenticated caller. Every route sits behind the middleware, so it is always set there.
    var requiredCaller: Caller {
        caller ?? .loopback
    }
}
