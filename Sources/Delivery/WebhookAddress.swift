#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A destination address that a webhook can be posted to: an absolute http or https URL with a
/// host. Checked before each attempt, because a phone's address is free text in the directory and a
/// typo there must fail the destination at once rather than be retried.
struct WebhookAddress: Sendable, CustomStringConvertible {
    var scheme: String
    var host: String
    var port: Int

    init?(_ address: String) {
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = url.port ?? (scheme == "https" ? 443 : 80)
    }

    var description: String {
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost):\(port)"
    }
}
