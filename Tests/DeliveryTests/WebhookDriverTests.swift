#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
@testable import Delivery
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with a fresh HTTP client (as the daemon's shared one) and a scripted server.
func withWebhook<T>(
    script: [ScriptedHTTPServer.Reply] = [],
    timeout: Duration = .seconds(5),
    _ body: (WebhookDriver, ScriptedHTTPServer) async throws -> T
) async throws -> T {
    let server = try await ScriptedHTTPServer(script: script)
    let client = PushHTTPClient()
    let driver = WebhookDriver(client: client, timeout: timeout, retryPolicy: RetryPolicy(), version: "1.2.3", logger: Logger(label: "test.webhook"))
    defer { client.shutdown() }
    do {
        let result = try await body(driver, server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

func sampleRequest(address: String, alarmID: AlarmID = 12, attempt: Int = 1, repetition: Int = 0) -> DeliveryRequest {
    let request = AlarmRequest(
        source: AlarmSource(kind: .rest, name: "admin"),
        target: .group("12"),
        text: "Room 12 bed 1",
        priority: .high
    )
    // 1_800_000_000 is 2027-01-15T08:00:00Z.
    let alarm = Alarm(id: alarmID, request: request, routedGroup: "12", state: .dispatching, receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
    let destination = Destination(phoneID: 1, memberID: 2, name: "Anna", driver: "webhook", address: address)
    return DeliveryRequest(alarm: alarm, destination: destination, attempt: attempt, repetition: repetition)
}

@Suite(.timeLimit(.minutes(1))) struct WebhookDriverTests {
    @Test func postsTheExactJSONBodyAndHeaders() async throws {
        try await withWebhook { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: server.url + "/hook?ward=3"))
            #expect(outcome == .accepted(detail: "HTTP 200"))
            let requests = server.recorded
            try #require(requests.count == 1)
            let request = requests[0]
            #expect(request.method == .POST)
            #expect(request.uri == "/hook?ward=3")
            #expect(request.headers["Content-Type"] == ["application/json"])
            #expect(request.headers["User-Agent"] == ["Tocsin/1.2.3"])
            #expect(request.headers["Idempotency-Key"] == ["tocsin-12-1-0"])
            #expect(request.bodyText == """
                {"alarm":12,"group":"12","routedGroup":"12","text":"Room 12 bed 1","priority":"High",\
                "source":{"kind":"rest","name":"admin"},"reference":null,"callbackNumber":null,\
                "receivedAt":"2027-01-15T08:00:00Z","destination":{"phoneId":1,"name":"Anna"},"attempt":1,"repetition":0}
                """)
            #expect(request.headers["Content-Length"] == ["\(request.body.count)"])
        }
    }

    @Test func aPhoneTargetSendsNullGroupAndKeepsReferenceTextAndCallback() async throws {
        try await withWebhook { driver, server in
            var request = sampleRequest(address: server.url + "/", attempt: 3, repetition: 2)
            request.alarm.request = AlarmRequest(
                source: AlarmSource(kind: .espax, name: "client \"A\"/1"),
                sourceReference: "ref-9",
                target: .phone("4711"),
                text: "Line 1\nZimmer 3 – Bad",
                priority: .emergency,
                callbackNumber: "+49 30 1234"
            )
            request.alarm.routedGroup = nil
            #expect(await driver.deliver(request) == .accepted(detail: "HTTP 200"))
            let recorded = try #require(server.recorded.first)
            #expect(recorded.bodyText == """
                {"alarm":12,"group":null,"routedGroup":null,"text":"Line 1\\nZimmer 3 – Bad","priority":"Emergency",\
                "source":{"kind":"espax","name":"client \\"A\\"/1"},"reference":"ref-9","callbackNumber":"+49 30 1234",\
                "receivedAt":"2027-01-15T08:00:00Z","destination":{"phoneId":1,"name":"Anna"},"attempt":3,"repetition":2}
                """)
            #expect(recorded.headers["Idempotency-Key"] == ["tocsin-12-1-2"])
        }
    }

    /// The body is written by hand; its strings must come out exactly as JSONEncoder writes them,
    /// for every C0 control, the characters JSON escapes, and text outside ASCII.
    @Test func stringsAreEscapedExactlyAsJSONEncoderEscapesThem() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let samples = [controls, "\"quoted\" \\ back/slash", "Zimmer 3 – Bad ß 🚑 \u{2028}\u{2029}\u{7F}", "", "plain"]
        for sample in samples {
            var writer = JSONObjectWriter(capacity: 0)
            writer.string(sample)
            let expected = Array(try encoder.encode(sample))
            #expect(writer.bytes == expected, "\(sample.debugDescription)")
            // And it reads back as the same text.
            #expect(try JSONDecoder().decode(String.self, from: Data(writer.bytes)) == sample)
        }
        var absent = JSONObjectWriter(capacity: 0)
        absent.string(nil)
        #expect(absent.bytes == Array("null".utf8))
    }

    @Test func theBodyReadsBackAsTheAlarmItCarries() throws {
        struct Body: Decodable {
            struct Destination: Decodable { var phoneId: Int64; var name: String }
            var alarm: Int64
            var text: String
            var reference: String?
            var receivedAt: Date
            var destination: Destination
        }
        var request = sampleRequest(address: "http://127.0.0.1/")
        request.alarm.request.text = "Bad\t3 \"A\"\u{1} – ü"
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let body = try decoder.decode(Body.self, from: Data(WebhookPayload(request).encoded()))
        #expect(body.alarm == 12)
        #expect(body.text == "Bad\t3 \"A\"\u{1} – ü")
        #expect(body.reference == nil)
        #expect(body.receivedAt == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(body.destination.phoneId == 1 && body.destination.name == "Anna")
    }

    @Test func theIdempotencyKeyIsTheSameForEveryAttemptOfOnePush() async throws {
        try await withWebhook(script: [.status(503, reason: "Service Unavailable"), .status(200, reason: "OK")]) { driver, server in
            _ = await driver.deliver(sampleRequest(address: server.url, attempt: 1))
            _ = await driver.deliver(sampleRequest(address: server.url, attempt: 2))
            _ = await driver.deliver(sampleRequest(address: server.url, attempt: 1, repetition: 1))
            #expect(server.recorded.map { $0.headers["Idempotency-Key"] } == [["tocsin-12-1-0"], ["tocsin-12-1-0"], ["tocsin-12-1-1"]])
        }
    }

    @Test(arguments: [200, 201, 202, 204, 299])
    func successStatusesAreAccepted(_ code: Int) async throws {
        try await withWebhook(script: [.status(code, reason: "Fine")]) { driver, server in
            #expect(await driver.deliver(sampleRequest(address: server.url)) == .accepted(detail: "HTTP \(code)"))
        }
    }

    @Test(arguments: [
        (408, "Request Timeout"), (429, "Too Many Requests"),
        (500, "Internal Server Error"), (502, "Bad Gateway"), (503, "Service Unavailable"),
    ])
    func transientStatusesAreRetryable(_ code: Int, _ reason: String) async throws {
        try await withWebhook(script: [.status(code, reason: reason)]) { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: server.url))
            #expect(outcome == .failed(reason: "HTTP \(code) \(reason) from \(server.url)", retryable: true))
        }
    }

    /// NIO has no name for these codes, so the reason gives the code alone, whatever the wire said.
    @Test(arguments: [425, 599])
    func transientStatusesWithoutAKnownNameAreRetryable(_ code: Int) async throws {
        try await withWebhook(script: [.status(code, reason: "Whatever")]) { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: server.url))
            #expect(outcome == .failed(reason: "HTTP \(code) from \(server.url)", retryable: true))
        }
    }

    @Test(arguments: [(400, "Bad Request"), (401, "Unauthorized"), (404, "Not Found"), (410, "Gone"), (422, "Unprocessable Entity"), (301, "Moved Permanently")])
    func otherStatusesAreFinal(_ code: Int, _ reason: String) async throws {
        try await withWebhook(script: [.status(code, reason: reason)]) { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: server.url))
            #expect(outcome == .failed(reason: "HTTP \(code) \(reason) from \(server.url)", retryable: false))
        }
    }

    @Test func aFailureQuotesTheStartOfTheResponseBodyOnly() async throws {
        let huge = "field text is required\r\n" + String(repeating: "x", count: 1_000_000)
        try await withWebhook(script: [.status(400, reason: "Bad Request", body: huge)]) { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: server.url))
            let quoted = "field text is required  " + String(repeating: "x", count: 200 - 24) + "…"
            #expect(outcome == .failed(reason: "HTTP 400 Bad Request from \(server.url): \(quoted)", retryable: false))
        }
    }

    @Test func noAnswerWithinTheTimeoutIsRetryable() async throws {
        try await withWebhook(script: [.silence], timeout: .milliseconds(300)) { driver, server in
            let started = ContinuousClock.now
            let outcome = await driver.deliver(sampleRequest(address: server.url))
            let took = ContinuousClock.now - started
            #expect(outcome == .failed(reason: "no answer from \(server.url) within 300 ms", retryable: true))
            #expect(took >= .milliseconds(290))
            #expect(took < .seconds(3))
        }
    }

    @Test func aSlowAnswerWithinTheTimeoutIsAccepted() async throws {
        try await withWebhook(script: [.delayed(.milliseconds(100), 200, reason: "OK")], timeout: .seconds(5)) { driver, server in
            #expect(await driver.deliver(sampleRequest(address: server.url)) == .accepted(detail: "HTTP 200"))
        }
    }

    @Test func aLateAnswerAfterTheTimeoutIsRetryable() async throws {
        try await withWebhook(script: [.delayed(.seconds(2), 200, reason: "OK")], timeout: .milliseconds(200)) { driver, server in
            #expect(await driver.deliver(sampleRequest(address: server.url)) == .failed(reason: "no answer from \(server.url) within 200 ms", retryable: true))
        }
    }

    @Test func aConnectionClosedWithoutAnAnswerIsRetryable() async throws {
        try await withWebhook(script: [.close]) { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: server.url))
            #expect(outcome == .failed(reason: "\(server.url) closed the connection before a complete response", retryable: true))
            #expect(server.recorded.count == 1)
        }
    }

    @Test func aConnectionResetIsRetryable() async throws {
        try await withWebhook(script: [.reset]) { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: server.url))
            #expect(outcome == .failed(reason: "connection reset by \(server.url)", retryable: true))
            #expect(server.recorded.count == 1)
        }
    }

    @Test func aConnectionClosedInTheMiddleOfTheResponseHeadIsRetryable() async throws {
        try await withWebhook(script: [.raw("HTTP/1.1 200 OK\r\nContent-Len")]) { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: server.url))
            #expect(outcome == .failed(reason: "\(server.url) closed the connection before a complete response", retryable: true))
        }
    }

    @Test func aResponseThatIsNotHTTPIsARetryableFailure() async throws {
        try await withWebhook(script: [.raw("220 mail.example ESMTP ready\r\n\r\n")]) { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: server.url))
            guard case .failed(let reason, let retryable) = outcome else {
                Issue.record("accepted a response that is not HTTP: \(outcome)")
                return
            }
            #expect(retryable)
            #expect(reason.hasPrefix("\(server.url) sent a malformed response: "))
        }
    }

    @Test func aSuccessStatusWithABodyCutShortIsStillAccepted() async throws {
        try await withWebhook(script: [.raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"ok\":")]) { driver, server in
            #expect(await driver.deliver(sampleRequest(address: server.url)) == .accepted(detail: "HTTP 200"))
        }
    }

    @Test func aRefusedConnectionIsRetryable() async throws {
        // A port held bound but not listening: connecting is refused, and no other test running
        // meanwhile can be given the port and answer (or reset) instead.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var bound = sockaddr_in()
        bound.sin_family = sa_family_t(AF_INET)
        bound.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bindResult = withUnsafePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) } }
        try #require(bindResult == 0)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(holder, $0, &length) } }
        let address = "http://127.0.0.1:\(UInt16(bigEndian: bound.sin_port))"
        // The refusal is the answer: it is reported at once, not after the attempt's whole timeout,
        // so the retry policy's back-off starts without delay.
        try await withWebhook(timeout: .seconds(3)) { driver, _ in
            let started = ContinuousClock.now
            let outcome = await driver.deliver(sampleRequest(address: address))
            #expect(outcome == .failed(reason: "connection refused by \(address)", retryable: true))
            #expect(ContinuousClock.now - started < .seconds(1))
        }
    }

    @Test(arguments: ["", "not a url", "ftp://127.0.0.1/hook", "http://", "sip:4711@pbx.local"])
    func anInvalidAddressIsFinalAndSendsNothing(_ address: String) async throws {
        try await withWebhook { driver, server in
            let outcome = await driver.deliver(sampleRequest(address: address))
            #expect(outcome == .failed(reason: "invalid webhook address \"\(address)\" of phone 1: it must be an http:// or https:// URL with a host", retryable: false))
            #expect(server.recorded.isEmpty)
        }
    }

    @Test func settingsChangeOnReload() async throws {
        try await withWebhook(script: [.silence], timeout: .seconds(30)) { driver, server in
            #expect(driver.name == "webhook")
            #expect(driver.retryPolicy == RetryPolicy())
            let reloaded = WebhookDriver.Settings(timeoutMilliseconds: 250, maxAttempts: 7, initialBackoffMilliseconds: 100, maxBackoffMilliseconds: 1000)
            driver.update(settings: reloaded)
            #expect(driver.settings.timeout == .milliseconds(250))
            #expect(driver.retryPolicy == RetryPolicy(maxAttempts: 7, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1)))
            // The new timeout applies to the next attempt: it gives up after 250 ms, not 30 s.
            #expect(await driver.deliver(sampleRequest(address: server.url)) == .failed(reason: "no answer from \(server.url) within 250 ms", retryable: true))
        }
    }
}
