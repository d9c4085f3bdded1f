#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Talks to a running daemon's REST API on loopback.
public struct RESTClient: Sendable {
    public let port: Int

    public init(port: Int) { self.port = port }

    public struct Response: Sendable {
        public var status: Int
        public var body: String
        public var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))) ?? .null }
    }

    public func request(_ method: HTTPMethod, _ path: String, json: String? = nil, timeout: Duration = .seconds(30)) async throws -> Response {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Response(status: Int(response.status.code), body: String(buffer: body))
    }

    public func get(_ path: String) async throws -> Response { try await request(.GET, path) }

    public func post(_ path: String, _ json: String? = nil) async throws -> Response { try await request(.POST, path, json: json) }

    public func put(_ path: String, _ json: String) async throws -> Response { try await request(.PUT, path, json: json) }

    public func delete(_ path: String) async throws -> Response { try await request(.DELETE, path) }

    /// POSTs and requires a 2xx; returns the JSON body.
    public func create(_ path: String, _ json: String) async throws -> JSONValue {
        let response = try await post(path, json)
        guard (200..<300).contains(response.status) else { throw HarnessError("POST \(path) → \(response.status): \(response.body)") }
        return response.json
    }

    /// Polls a GET until the predicate holds, or fails after the timeout with the last body.
    public func waitFor(_ path: String, timeout: Duration = .seconds(30), _ predicate: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        var last = Response(status: 0, body: "")
        while ContinuousClock.now < deadline {
            last = try await get(path)
            if last.status == 200, predicate(last.json) { return last.json }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("GET \(path) never satisfied the condition; last \(last.status): \(last.body.prefix(2000))")
    }
}
