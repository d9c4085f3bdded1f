import Synchronization

/// How the phone-facing endpoints (`/cisco/…`) decide who may see and acknowledge what. Phones
/// cannot send the staff API's Basic credentials from a service URL, so these endpoints do not use
/// them: a request names its phone (`phone=<id>` in pushed URLs, `device=<CUCM device name>` in the
/// Services URL), and when `requirePhoneAddress` is on, it must come from that phone's own IP
/// address (the host part of the phone's address in the directory). The credentials here are the
/// push credentials, checked by the authentication URL the phones call. A reload may change all
/// of it, so the daemon keeps one instance and calls `update`.
public final class PhoneEndpointPolicy: Sendable {
    public struct Settings: Sendable, Hashable {
        /// What `/cisco/authenticate` answers `AUTHORIZED` to. Empty refuses everyone.
        public var username: String
        public var password: String
        /// How phones reach Tocsin, such as `http://10.0.0.5:8080`; the links on phone pages start with it.
        public var publicBaseURL: String
        public var requirePhoneAddress: Bool

        public init(username: String = "", password: String = "", publicBaseURL: String = "http://127.0.0.1:8080", requirePhoneAddress: Bool = true) {
            self.username = username
            self.password = password
            self.publicBaseURL = publicBaseURL
            self.requirePhoneAddress = requirePhoneAddress
        }

        var base: String {
            var base = publicBaseURL
            while base.hasSuffix("/") { base.removeLast() }
            return base
        }
    }

    private let state: Mutex<Settings>

    public init(_ settings: Settings = Settings()) {
        self.state = Mutex(settings)
    }

    public var settings: Settings { state.withLock { $0 } }

    public func update(_ settings: Settings) {
        state.withLock { $0 = settings }
    }

    /// The host part of a phone's address: `10.1.2.3` of `10.1.2.3:8080` or `http://10.1.2.3/`,
    /// `::1` of `[::1]:80`.
    static func host(ofAddress address: String) -> String {
        var text = Substring(address)
        if let scheme = text.firstRange(of: "://") { text = text[scheme.upperBound...] }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            text = text[..<colon]
        }
        return String(text)
    }

    /// Whether a TCP peer is the phone at `address`. IPv4 peers on a dual-stack socket arrive as
    /// `::ffff:a.b.c.d`.
    static func peer(_ peer: String?, isPhoneAt address: String) -> Bool {
        guard var peer else { return false }
        if peer.hasPrefix("::ffff:") { peer.removeFirst("::ffff:".count) }
        return peer == host(ofAddress: address)
    }

    /// Compares without stopping at the first difference, so timing does not tell how much of a
    /// guessed password was right.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
