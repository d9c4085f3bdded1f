#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// `tocsin status`: asks a running daemon over its REST API how it is, and says it in a few lines
/// an engineer can read on the box.
public enum StatusQuery {
    struct Health: Decodable {
        var status: String
        var openAlarms: Int
        var version: String
    }

    struct Links: Decodable {
        struct Link: Decodable {
            var kind: String
            var name: String
            var state: String
            var detail: String
            var since: String
        }
        var links: [Link]
    }

    public enum Failure: Error, CustomStringConvertible {
        case unreachable(url: String, reason: String)
        case refused(url: String, status: Int, body: String)

        public var description: String {
            switch self {
            case .unreachable(let url, let reason): "tocsin is not answering at \(url): \(reason)"
            case .refused(let url, let status, let body): "\(url) answered HTTP \(status): \(body)"
            }
        }
    }

    /// The report, or a `Failure` naming the URL. `base` is like `http://127.0.0.1:8080`.
    public static func report(base: String, user: String?, password: String?) async throws -> String {
        let health: Health = try await get(base + "/api/health", user: user, password: password)
        let links: Links = try await get(base + "/api/links", user: user, password: password)
        var lines = ["Tocsin \(health.version) at \(base): \(health.status), \(health.openAlarms) open alarm\(health.openAlarms == 1 ? "" : "s")"]
        if links.links.isEmpty {
            lines.append("No supervised links.")
        }
        for link in links.links {
            let detail = link.detail.isEmpty ? "" : " (\(link.detail))"
            lines.append("\(link.kind) \(link.name): \(link.state) since \(link.since)\(detail)")
        }
        return lines.joined(separator: "\n")
    }

    private static func get<T: Decodable>(_ url: String, user: String?, password: String?) async throws -> T {
        var request = HTTPClientRequest(url: url)
        if let user, let password {
            let token = Data("\(user):\(password)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(token)")
        }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw Failure.unreachable(url: url, reason: "\(error)")
        }
        guard response.status == .ok else {
            throw Failure.refused(url: url, status: Int(response.status.code), body: String(buffer: body))
        }
        return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }
}
