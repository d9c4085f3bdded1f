#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Alarming
@testable import Delivery
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing

/// The push client over real loopback connections: connections kept and shared, a kept connection
/// the receiver closed replaced without a failure, the per-receiver limit, deadlines, and https with
/// the certificate and host name checked.
@Suite(.timeLimit(.minutes(1))) struct PushHTTPClientTests {
    private func post(_ client: PushHTTPClient, _ address: String, deadline: TimeAmount = .seconds(5)) async throws -> PushHTTPResponse {
        let receiver = try #require(WebhookAddress(address))
        let request = PushHTTPRequest(method: .POST, target: receiver.target, headers: ["Content-Type": "text/plain"],
                                      body: ByteBuffer(string: "alarm"), bodyLimit: 64, readsSuccessBody: true)
        return try await client.execute(request, to: receiver, deadline: .now() + deadline)
    }

    @Test func oneConnectionCarriesRequestAfterRequestWithHostAndTarget() async throws {
        let server = try await ScriptedHTTPServer(script: [.status(200, reason: "OK", body: "first"), .status(202, reason: "Accepted")])
        let client = PushHTTPClient()
        defer { client.shutdown() }
        let first = try await post(client, server.url + "/hook?ward=3#top")
        #expect(first.status == .ok)
        #expect(first.body == Array("first".utf8))
        #expect(first.complete)
        #expect(try await post(client, server.url + "/other").status == .accepted)
        #expect(try await post(client, server.url).status == .ok)
        #expect(server.connections == 1)
        let requests = server.recorded
        #expect(requests.map(\.uri) == ["/hook?ward=3", "/other", "/"])
        #expect(requests.map { $0.headers["Host"] } == Array(repeating: ["127.0.0.1:\(server.port)"], count: 3))
        #expect(requests.map { $0.headers["Content-Length"] } == Array(repeating: ["5"], count: 3))
        #expect(requests.map(\.bodyText) == ["alarm", "alarm", "alarm"])
        try await server.shutdown()
    }

    /// A kept connection the receiver closed costs the push nothing: closed after its answer (an
    /// idle timeout), or dropped without an answer the instant the next request arrives (the
    /// request was seen, so the receiver records it twice).
    @Test(arguments: [
        ([ScriptedHTTPServer.Reply.statusThenClose(200, reason: "OK"), .status(201, reason: "Created")], 2),
        ([.status(200, reason: "OK"), .close, .status(201, reason: "Created")], 3),
    ])
    func aKeptConnectionTheReceiverClosedIsReplacedWithoutAFailure(_ script: [ScriptedHTTPServer.Reply], requests: Int) async throws {
        let server = try await ScriptedHTTPServer(script: script)
        let client = PushHTTPClient()
        defer { client.shutdown() }
        #expect(try await post(client, server.url).status == .ok)
        #expect(try await post(client, server.url).status == .created)
        #expect(server.connections == 2)
        #expect(server.recorded.count == requests)
        try await server.shutdown()
    }

    @Test func closedConnectionsAreFreed() async throws {
        // Every answer closes its connection, as a receiver without keep-alive does.
        let server = try await ScriptedHTTPServer(script: Array(repeating: .statusThenClose(200, reason: "OK"), count: 50))
        let client = PushHTTPClient()
        defer { client.shutdown() }
        let before = PushConnectionHandler.alive.load(ordering: .relaxed)
        for _ in 0..<50 { #expect(try await post(client, server.url).status == .ok) }
        #expect(server.connections == 50)
        let deadline = ContinuousClock.now + .seconds(5)
        while PushConnectionHandler.alive.load(ordering: .relaxed) > before, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // Other tests running beside this one may hold a few connections of their own.
        #expect(PushConnectionHandler.alive.load(ordering: .relaxed) < before + 5)
        try await server.shutdown()
    }

    @Test func aFreshConnectionClosedWithoutAnAnswerIsNotRetried() async throws {
        let server = try await ScriptedHTTPServer(script: [.close])
        let client = PushHTTPClient()
        defer { client.shutdown() }
        await #expect(throws: PushHTTPError.closedBeforeResponse) { try await post(client, server.url) }
        #expect(server.recorded.count == 1)
        try await server.shutdown()
    }

    @Test func requestsBeyondTheLimitWaitForAFreeConnection() async throws {
        let server = try await ScriptedHTTPServer(script: Array(repeating: .delayed(.milliseconds(100), 200, reason: "OK"), count: 6))
        let client = PushHTTPClient(settings: PushHTTPClient.Settings(connectionsPerReceiver: 2))
        defer { client.shutdown() }
        let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
            for _ in 0..<6 { group.addTask { try await post(client, server.url).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: .ok, count: 6))
        #expect(server.connections == 2)
        #expect(client.openConnections == 2)
        try await server.shutdown()
    }

    @Test func waitingForAConnectionCountsAgainstTheDeadline() async throws {
        let server = try await ScriptedHTTPServer(script: [.silence])
        let client = PushHTTPClient(settings: PushHTTPClient.Settings(connectionsPerReceiver: 1))
        defer { client.shutdown() }
        let held = Task { try await post(client, server.url, deadline: .seconds(2)) }
        // The first request holds the only connection (it never gets an answer).
        for await _ in server.requests { break }
        let started = ContinuousClock.now
        await #expect(throws: PushHTTPError.deadlineExceeded) { try await post(client, server.url, deadline: .milliseconds(200)) }
        #expect(ContinuousClock.now - started < .seconds(1))
        await #expect(throws: PushHTTPError.deadlineExceeded) { try await held.value }
        try await server.shutdown()
    }

    @Test func aCancelledRequestGivesUpAtOnce() async throws {
        let server = try await ScriptedHTTPServer(script: [.silence])
        let client = PushHTTPClient()
        defer { client.shutdown() }
        let push = Task { try await post(client, server.url, deadline: .seconds(30)) }
        for await _ in server.requests { break }
        let started = ContinuousClock.now
        push.cancel()
        await #expect(throws: (any Error).self) { try await push.value }
        #expect(ContinuousClock.now - started < .seconds(5))
        try await server.shutdown()
    }

    @Test func aSuccessIsAnsweredAtItsHeadWhenItsBodyIsNotWanted() async throws {
        // Content-Length promises more than ever comes: the push is answered at once all the same.
        let server = try await ScriptedHTTPServer(script: [.raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"ok\":")])
        let client = PushHTTPClient()
        defer { client.shutdown() }
        let receiver = try #require(WebhookAddress(server.url))
        let request = PushHTTPRequest(method: .POST, target: "/", bodyLimit: 64, readsSuccessBody: false)
        let response = try await client.execute(request, to: receiver, deadline: .now() + .seconds(5))
        #expect(response.status == .ok)
        #expect(response.body.isEmpty)
        try await server.shutdown()
    }

    @Test func aContinueBeforeTheAnswerIsPassedOver() async throws {
        let server = try await ScriptedHTTPServer(script: [
            .raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
        ])
        let client = PushHTTPClient()
        defer { client.shutdown() }
        let response = try await post(client, server.url)
        #expect(response.status == .created)
        #expect(response.body == Array("ok".utf8))
        try await server.shutdown()
    }

    @Test func aBodyIsReadUpToTheLimitOnly() async throws {
        let server = try await ScriptedHTTPServer(script: [.status(500, reason: "Internal Server Error", body: String(repeating: "e", count: 100_000))])
        let client = PushHTTPClient()
        defer { client.shutdown() }
        let response = try await post(client, server.url)
        #expect(response.status == .internalServerError)
        #expect(response.body == Array(repeating: UInt8(ascii: "e"), count: 64))
        #expect(!response.complete)
        try await server.shutdown()
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = try await ScriptedHTTPServer()
        let client = PushHTTPClient(settings: PushHTTPClient.Settings(idleTimeout: .milliseconds(100)))
        defer { client.shutdown() }
        #expect(try await post(client, server.url).status == .ok)
        let deadline = ContinuousClock.now + .seconds(5)
        while client.openConnections > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(client.openConnections == 0)
        #expect(try await post(client, server.url).status == .ok)
        #expect(server.connections == 2)
        try await server.shutdown()
    }

    // MARK: - https

    /// A self-signed certificate for `name` (also its own authority) and its server context.
    private func certificate(for name: String) throws -> (caFile: String, context: NIOSSLContext) {
        let folder = FileManager.default.temporaryDirectory.path + "/push-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let certificate = folder + "/cert.pem", key = folder + "/key.pem"
        let made = system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=\(name) -addext subjectAltName=DNS:\(name) -keyout \(key) -out \(certificate) 2>/dev/null")
        try #require(made == 0)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        )
        return (certificate, try NIOSSLContext(configuration: configuration))
    }

    @Test func httpsToAReceiverWhoseCertificateChainsToTheConfiguredAuthority() async throws {
        let tls = try certificate(for: "localhost")
        let server = try await ScriptedHTTPServer(script: [.status(200, reason: "OK"), .status(200, reason: "OK")], tls: tls.context)
        let client = PushHTTPClient(settings: PushHTTPClient.Settings(caFile: tls.caFile))
        defer { client.shutdown() }
        let address = "https://localhost:\(server.port)/hook"
        #expect(try await post(client, address).status == .ok)
        #expect(try await post(client, address).status == .ok)
        #expect(server.connections == 1)
        #expect(server.recorded.map { $0.headers["Host"] } == Array(repeating: ["localhost:\(server.port)"], count: 2))
        try await server.shutdown()
    }

    @Test func httpsRefusesAnUntrustedCertificateAndAnotherHostsCertificate() async throws {
        let tls = try certificate(for: "other.example")
        let server = try await ScriptedHTTPServer(tls: tls.context)
        let untrusting = PushHTTPClient()
        defer { untrusting.shutdown() }
        await #expect(throws: (any Error).self) { try await post(untrusting, "https://localhost:\(server.port)/") }
        let trusting = PushHTTPClient(settings: PushHTTPClient.Settings(caFile: tls.caFile))
        defer { trusting.shutdown() }
        // Trusted chain, but the certificate names other.example, not localhost.
        await #expect(throws: (any Error).self) { try await post(trusting, "https://localhost:\(server.port)/") }
        #expect(server.recorded.isEmpty)
        try await server.shutdown()
    }

    @Test func anUntrustedReceiverIsARetryableWebhookFailure() async throws {
        let tls = try certificate(for: "localhost")
        let server = try await ScriptedHTTPServer(tls: tls.context)
        let client = PushHTTPClient()
        defer { client.shutdown() }
        let driver = WebhookDriver(client: client, timeout: .seconds(5), retryPolicy: RetryPolicy(), version: "1", logger: Logger(label: "test"))
        let outcome = await driver.deliver(sampleRequest(address: "https://localhost:\(server.port)/hook"))
        guard case .failed(let reason, let retryable) = outcome else {
            Issue.record("accepted by an untrusted receiver: \(outcome)")
            return
        }
        #expect(retryable)
        #expect(reason.hasPrefix("push to https://localhost:\(server.port) failed: "))
        #expect(server.recorded.isEmpty)
        try await server.shutdown()
    }

    @Test func addressesShareConnectionsBySchemeHostAndPortOnly() throws {
        let a = try #require(WebhookAddress("http://receiver.example:8080/a?x=1"))
        let b = try #require(WebhookAddress("HTTP://receiver.example:8080/b"))
        #expect(a == b)
        #expect(a.target == "/a?x=1")
        #expect(b.target == "/b")
        #expect(try #require(WebhookAddress("http://receiver.example?q=1")).target == "/?q=1")
        #expect(try #require(WebhookAddress("http://receiver.example")).target == "/")
        #expect(try #require(WebhookAddress("http://receiver.example")).hostHeader == "receiver.example")
        #expect(try #require(WebhookAddress("https://receiver.example:8443/")).hostHeader == "receiver.example:8443")
        let literal = try #require(WebhookAddress("http://[::1]:8080/hook"))
        #expect(literal.host == "::1")
        #expect(literal.hostHeader == "[::1]:8080")
        #expect(literal.isAddressLiteral)
        #expect(try #require(WebhookAddress("https://10.1.2.3/")).isAddressLiteral)
        #expect(!a.isAddressLiteral)
        #expect(a != WebhookAddress("https://receiver.example:8080/a"))
    }
}
