#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A webhook endpoint on 127.0.0.1 that records every request it gets and answers as the test says:
/// at once with a status, or not until released (a slow receiver, to catch deliveries in flight).
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public var path: String
        public var headers: [(String, String)]
        public var body: String
        public var json: [String: JSONValue]
        /// When the request was complete, on the monotonic clock.
        public var at: ContinuousClock.Instant

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public enum Answer: Sendable {
        case status(Int)
        case hold
    }

    private struct State {
        public var received: [Received] = []
        var count = 0
        var answers: [String: Answer] = [:]
        var held: [(any EventLoop, @Sendable () -> Void)] = []
    }

    private let state = Mutex(State())
    private let channel: any Channel
    public let port: Int
    /// False counts requests without keeping them, for benchmarks that send a million.
    private let keepsRequests: Bool

    public init(keepingRequests: Bool = true) async throws {
        keepsRequests = keepingRequests
        let receiver = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(WebhookReceiver.handler(receiver))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        receiver.value = self
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    public func answer(_ path: String, with answer: Answer) {
        state.withLock { $0.answers[path] = answer }
    }

    public var received: [Received] { state.withLock { $0.received } }

    public func received(path: String) -> [Received] { received.filter { $0.path == path } }

    /// How many requests arrived, without copying them.
    public var receivedCount: Int { state.withLock { $0.count } }

    /// Answers every held request with 200 and stops holding.
    public func releaseHeld() {
        let held = state.withLock { state -> [(any EventLoop, @Sendable () -> Void)] in
            defer { state.held.removeAll() }
            return state.held
        }
        for (loop, respond) in held { loop.execute(respond) }
    }

    public func close() async {
        try? await channel.close()
    }

    /// `request` is only built when requests are kept: decoding every body's JSON would make a
    /// benchmark's receiver cost as much as the daemon it measures.
    fileprivate func handle(path: String, _ request: () -> Received, on loop: any EventLoop, respond: @escaping @Sendable (Int) -> Void) {
        let kept = keepsRequests ? request() : nil
        let answer = state.withLock { state -> Answer in
            state.count += 1
            if let kept { state.received.append(kept) }
            let answer = state.answers[path] ?? .status(200)
            if case .hold = answer { state.held.append((loop, { respond(200) })) }
            return answer
        }
        if case .status(let code) = answer { respond(code) }
    }

    fileprivate final class Box: @unchecked Sendable {
        weak var value: WebhookReceiver?
    }

    /// Records each request and answers it as the test said, now or when released.
    private static func handler(_ box: Box) -> HTTPRequestCollector {
        HTTPRequestCollector { head, text, loop, respond in
            let at = ContinuousClock.now
            box.value?.handle(path: head.uri, {
                let json = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))) ?? [:]
                return Received(path: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: text, json: json, at: at)
            }, on: loop) { code in respond(.init(status: code)) }
        }
    }
}

/// Any JSON value, for reading responses without a type per endpoint.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue {
        if case .object(let object) = self { return object[key] ?? .null }
        return .null
    }

    public subscript(index: Int) -> JSONValue {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return .null
    }

    public var string: String? { if case .string(let value) = self { return value } else { return nil } }
    public var int: Int? { if case .number(let value) = self { return Int(value) } else { return nil } }
    public var array: [JSONValue] { if case .array(let value) = self { return value } else { return [] } }
    public var isNull: Bool { self == .null }
}
