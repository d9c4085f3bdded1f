// A VOIspeed PBX's HTTP interface as far as Tocsin can tell, for the integration tests: an HTTP
// server that answers `GET /services.cgi?…` as the seed documents it. `srv=5` takes an SMS
// (`result=0`, or a scripted result code); `srv=0` places a call and answers
// `result=0;call_id=N`; `srv=3&info=7` lists the current calls as CSV rows (status 2 ringing,
// 3 busy, that is connected) that follow each callee's script in real time; `srv=1` clears a call
// (`result=7` for an unknown id). Without parameters it serves its HTML help page. It can also
// refuse everything with one code (45: no permission), answer garbage, an HTTP error, or nothing
// at all (a slow PBX). Every request is recorded with its exact query string.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

public final class FakeVOIspeedPBX: Sendable {
    /// What happens to a call to a number (its first party).
    public enum Callee: Sendable, Equatable {
        /// Rings, and is answered after this long; then it stays connected until cleared.
        case answers(after: Duration)
        /// Rings until the call is cleared, or until the request's `timeout` runs out.
        case neverAnswers
        /// Rings this long, then the PBX drops the call itself (the callee rejected it).
        case ringsOut(after: Duration)
        /// `srv=0` answers `result=N`.
        case refused(Int)
        /// `srv=0` answers `result=0;call_id=N`, but the call never shows in the list: it did not get through.
        case neverListed
    }

    /// How the whole interface behaves.
    public enum Behaviour: Sendable, Equatable {
        case normal
        /// Every request is answered `result=N` (45: no capability to use this interface).
        case refusing(Int)
        /// No request is ever answered.
        case silent
        /// Every request is answered with this text.
        case garbage(String)
        /// Every request is answered with this HTTP status and no body.
        case httpStatus(Int)
    }

    /// One request, as the PBX saw it.
    public struct Request: Sendable {
        /// The query string exactly as sent, such as `srv=1&call_id=12345`.
        public var query: String
        /// The decoded parameters (the first of a repeated name).
        public var parameters: [String: String]
        public var authorization: String?
        public var at: ContinuousClock.Instant

        public var srv: Int? { parameters["srv"].flatMap(Int.init) }
    }

    private struct Call {
        var id: Int
        var callee: String
        var connectTo: String
        var interface: String
        var timeout: Duration
        var placedAt: ContinuousClock.Instant
        var script: Callee
        var cleared = false
    }

    private struct State {
        var behaviour: Behaviour = .normal
        var callees: [String: Callee] = [:]
        var sms: [String: Int] = [:]
        var requests: [Request] = []
        var calls: [Call] = []
        var nextCallID = 12345
    }

    private let state = Mutex(State())
    private let channel: any Channel
    /// The open connections: closing the PBX closes them too, or a client's kept-alive
    /// connection would still be answered by a PBX that is meant to be gone.
    private let connections = Connections()
    public let port: Int

    public init() async throws {
        let box = Box()
        let connections = self.connections
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(HTTPRequestCollector { head, _, _, respond in
                        guard let pbx = box.value else { return }
                        pbx.handle(head, respond: respond)
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        box.value = self
    }

    /// What `[voispeed] base_url` is set to.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops listening and drops every open connection: from now on connections are refused.
    public func close() async {
        try? await channel.close()
        for connection in connections.all { try? await connection.close() }
    }

    public func set(_ behaviour: Behaviour) {
        state.withLock { $0.behaviour = behaviour }
    }

    /// How calls to `number` go; unscripted numbers ring until cleared.
    public func script(_ number: String, _ callee: Callee) {
        state.withLock { $0.callees[number] = callee }
    }

    /// The result code `srv=5` answers for `recipient`; unscripted recipients get 0.
    public func scriptSMS(_ recipient: String, result: Int) {
        state.withLock { $0.sms[recipient] = result }
    }

    public var requests: [Request] { state.withLock { $0.requests } }

    /// The query strings of the requests for one service, in order.
    public func queries(srv: Int) -> [String] {
        requests.filter { $0.srv == srv }.map(\.query)
    }

    /// Every query string, in order.
    public var queries: [String] { requests.map(\.query) }

    /// Waits until `count` requests for `srv` have come.
    public func waitFor(srv: Int, count: Int = 1, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while queries(srv: srv).count < count {
            guard ContinuousClock.now < deadline else {
                throw HarnessError("the fake VOIspeed PBX did not get \(count) srv=\(srv) request(s) within \(timeout); it got \(queries)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The ids of the calls the PBX still lists.
    public var listedCalls: [String] {
        let now = ContinuousClock.now
        return state.withLock { state in state.calls.compactMap { Self.status(of: $0, at: now) == nil ? nil : String($0.id) } }
    }

    // MARK: - Answering

    private func handle(_ head: HTTPRequestHead, respond: @escaping HTTPRequestCollector.Respond) {
        let uri = head.uri
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        let query = uri.contains("?") ? String(uri[uri.index(after: uri.firstIndex(of: "?")!)...]) : ""
        let now = ContinuousClock.now
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            if parameters[name] == nil { parameters[name] = parts.count > 1 ? Self.decode(parts[1]) : "" }
        }
        let request = Request(query: query, parameters: parameters, authorization: head.headers.first(name: "Authorization"), at: now)
        let behaviour = state.withLock { state -> Behaviour in
            if path == "/services.cgi" { state.requests.append(request) }
            return state.behaviour
        }
        guard path == "/services.cgi" else {
            respond(.init(status: 404, contentType: "text/html", body: "<html><body>Not found</body></html>"))
            return
        }
        switch behaviour {
        case .silent:
            return
        case .garbage(let text):
            respond(.init(status: 200, contentType: "text/plain", body: text))
            return
        case .httpStatus(let code):
            respond(.init(status: code))
            return
        case .refusing(let code):
            respond(.init(status: 200, contentType: "text/plain", body: "result=\(code)"))
            return
        case .normal:
            break
        }
        guard !query.isEmpty else {
            respond(.init(status: 200, contentType: "text/html", body: "<html><body><h1>Voispeed Integration Command List</h1></body></html>"))
            return
        }
        respond(.init(status: 200, contentType: "text/plain", body: answer(parameters, at: now)))
    }

    private func answer(_ parameters: [String: String], at now: ContinuousClock.Instant) -> String {
        switch parameters["srv"] {
        case "0":
            guard let callee = parameters["first_number"], !callee.isEmpty, let connectTo = parameters["second_number"], !connectTo.isEmpty else {
                return "result=2"
            }
            let timeout = parameters["timeout"].flatMap(Int.init) ?? 60
            return state.withLock { state in
                let script = state.callees[callee] ?? .neverAnswers
                if case .refused(let code) = script { return "result=\(code)" }
                let id = state.nextCallID
                state.nextCallID += 1
                state.calls.append(Call(id: id, callee: callee, connectTo: connectTo, interface: parameters["first_interface"] ?? "IVR",
                                        timeout: .seconds(timeout), placedAt: now, script: script))
                return "result=0;call_id=\(id)"
            }
        case "1":
            guard let id = parameters["call_id"], !id.isEmpty else { return "result=3" }
            return state.withLock { state in
                guard let index = state.calls.firstIndex(where: { String($0.id) == id }), Self.status(of: state.calls[index], at: now) != nil else {
                    return "result=7"
                }
                state.calls[index].cleared = true
                return "result=0"
            }
        case "3":
            guard parameters["info"] == "7" else { return "result=2" }
            return state.withLock { state in
                state.calls.compactMap { call -> String? in
                    guard let status = Self.status(of: call, at: now) else { return nil }
                    return "\(call.id),20261123101500000,\(status),LAN,\(call.interface),\(call.connectTo),\(call.callee),"
                }.joined(separator: "\r\n")
            }
        case "5":
            guard let recipient = parameters["recipient"], !recipient.isEmpty else { return "result=9" }
            guard let body = parameters["body"], !body.isEmpty else { return "result=13" }
            return "result=\(state.withLock { $0.sms[recipient] } ?? 0)"
        case nil:
            return "result=2"
        default:
            return "result=1"
        }
    }

    /// The status the call list shows for a call now (2 ringing, 3 busy), or nil when it is gone.
    private static func status(of call: Call, at now: ContinuousClock.Instant) -> Int? {
        if call.cleared { return nil }
        let elapsed = now - call.placedAt
        switch call.script {
        case .answers(let after):
            return elapsed < after ? 2 : 3
        case .neverAnswers:
            return elapsed < call.timeout ? 2 : nil
        case .ringsOut(let after):
            return elapsed < after ? 2 : nil
        case .refused, .neverListed:
            return nil
        }
    }

    private static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let first = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), first < utf8.endIndex,
               let second = utf8.index(index, offsetBy: 2, limitedBy: utf8.endIndex), second < utf8.endIndex,
               let value = UInt8(String(decoding: [utf8[first], utf8[second]], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index = utf8.index(after: second)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private final class Connections: Sendable {
        private let channels = Mutex<[any Channel]>([])
        func add(_ channel: any Channel) { channels.withLock { $0.append(channel) } }
        var all: [any Channel] { channels.withLock { $0 } }
    }

    private final class Box: @unchecked Sendable {
        weak var value: FakeVOIspeedPBX?
    }
}
