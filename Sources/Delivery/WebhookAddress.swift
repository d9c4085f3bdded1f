#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A destination address that a webhook can be posted to: an absolute http or https URL with a
/// host. Checked before each attempt, because a phone's address is free text in the directory and a
/// typo there must fail the destination at once rather than be retried.
///
/// Two addresses with the same scheme, host and port are the same receiver: they share the
/// `PushHTTPClient`'s connections whatever their paths.
public struct WebhookAddress: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    /// Without the brackets of an IPv6 literal.
    public var host: String
    public var port: Int
    /// The request target: the path and query as written (percent-encoding untouched), "/" when
    /// the URL has no path. Not part of the receiver's identity.
    public var target: String

    public init?(_ address: String) {
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = url.port ?? (scheme == "https" ? 443 : 80)
        self.target = Self.target(of: address)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.scheme == rhs.scheme && lhs.host == rhs.host && lhs.port == rhs.port
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scheme)
        hasher.combine(host)
        hasher.combine(port)
    }

    /// Everything after the authority, without a fragment (which never goes on the wire).
    private static func target(of address: String) -> String {
        let utf8 = Substring(address).utf8
        guard let schemeEnd = utf8.firstRange(of: "://".utf8)?.upperBound else { return "/" }
        let rest = address[schemeEnd...]
        guard let start = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) else { return "/" }
        var target = rest[start...]
        if let fragment = target.firstIndex(of: "#") { target = target[..<fragment] }
        if target.isEmpty { return "/" }
        return target.first == "?" ? "/" + target : String(target)
    }

    var isAddressLiteral: Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// The `Host` header: the port only when it is not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (scheme == "https" ? 443 : 80) ? name : "\(name):\(port)"
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost):\(port)"
    }
}
