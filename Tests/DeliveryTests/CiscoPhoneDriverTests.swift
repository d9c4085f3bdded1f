#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import AsyncHTTPClient
@testable import Delivery
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// Runs `body` with a Cisco driver on a fresh HTTP client and a scripted phone.
func withCiscoPhone<T>(
    script: [ScriptedHTTPServer.Reply] = [],
    settings: CiscoPhoneDriver.Settings = CiscoPhoneDriver.Settings(username: "pushuser", password: "p&ss word", publicBaseURL: "http://10.0.0.5:8080/", tones: [.emergency: "Play:Alarm.raw"], timeout: .seconds(2), toneAllowance: .seconds(1)),
    _ body: (CiscoPhoneDriver, ScriptedHTTPServer) async throws -> T
) async throws -> T {
    let server = try await ScriptedHTTPServer(script: script)
    let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    let driver = CiscoPhoneDriver(client: client, settings: settings, logger: Logger(label: "test.cisco"))
    do {
        let result = try await body(driver, server)
        try await client.shutdown()
        try await server.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        try? await server.shutdown()
        throw error
    }
}

func ciscoRequest(address: String, priority: Priority = .high, alarmID: AlarmID = 12, phoneID: Int64 = 7) -> DeliveryRequest {
    var request = sampleRequest(address: address, alarmID: alarmID)
    request.alarm.request.priority = priority
    request.destination = Destination(phoneID: phoneID, memberID: 2, name: "Anna", driver: "cisco", address: address)
    return request
}

let phoneOK = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CiscoIPPhoneResponse>\n<ResponseItem Status=\"0\" Data=\"Success\" URL=\"http://10.0.0.5:8080/cisco/alarms/12?phone=7\"/>\n</CiscoIPPhoneResponse>"

@Suite(.timeLimit(.minutes(1))) struct CiscoPhoneDriverTests {
    @Test func postsTheExecuteObjectFormEncodedWithBasicCredentials() async throws {
        try await withCiscoPhone(script: [.status(200, reason: "OK", body: phoneOK)]) { driver, phone in
            let outcome = await driver.deliver(ciscoRequest(address: "127.0.0.1:\(phone.port)"))
            #expect(outcome == .accepted(detail: "CiscoIPPhoneResponse Status=0 from phone 7 (127.0.0.1:\(phone.port))"))
            let request = try #require(phone.recorded.first)
            #expect(request.method == .POST)
            #expect(request.uri == "/CGI/Execute")
            #expect(request.headers["Content-Type"] == ["application/x-www-form-urlencoded"])
            // base64("pushuser:p&ss word")
            #expect(request.headers["Authorization"] == ["Basic cHVzaHVzZXI6cCZzcyB3b3Jk"])
            #expect(request.bodyText == "XML=%3CCiscoIPPhoneExecute%3E%3CExecuteItem+Priority%3D%220%22+URL%3D%22http%3A%2F%2F10.0.0.5%3A8080%2Fcisco%2Falarms%2F12%3Fphone%3D7%22%2F%3E%3C%2FCiscoIPPhoneExecute%3E")
        }
    }

    @Test func anEmergencyAddsItsToneAsASecondItem() async throws {
        let both = "<CiscoIPPhoneResponse><ResponseItem Status=\"0\" Data=\"Success\" URL=\"Play:Alarm.raw\"/><ResponseItem Status=\"0\" Data=\"Success\" URL=\"http://x\"/></CiscoIPPhoneResponse>"
        try await withCiscoPhone(script: [.status(200, reason: "OK", body: both)]) { driver, phone in
            let request = ciscoRequest(address: phone.url, priority: .emergency)
            #expect(driver.execute(for: request, settings: driver.settings).xml
                == "<CiscoIPPhoneExecute><ExecuteItem Priority=\"0\" URL=\"http://10.0.0.5:8080/cisco/alarms/12?phone=7\"/><ExecuteItem URL=\"Play:Alarm.raw\"/></CiscoIPPhoneExecute>")
            let outcome = await driver.deliver(request)
            #expect(outcome == .accepted(detail: "CiscoIPPhoneResponse Status=0 from phone 7 (\(phone.url))"))
            let body = try #require(phone.recorded.first).bodyText
            #expect(body.hasSuffix("%3CExecuteItem+URL%3D%22Play%3AAlarm.raw%22%2F%3E%3C%2FCiscoIPPhoneExecute%3E"))
        }
    }

    @Test(arguments: [
        (1, "error parsing the pushed object", false),
        (2, "error framing the CiscoIPPhoneResponse", true),
        (3, "internal file error", true),
        (4, "authentication error (check [cisco] username and password, and the phone's authentication URL)", false),
    ])
    func phoneErrorsAreJournalledByNumber(_ number: Int, _ meaning: String, _ retryable: Bool) async throws {
        try await withCiscoPhone(script: [.status(200, reason: "OK", body: "<CiscoIPPhoneError Number=\"\(number)\" />")]) { driver, phone in
            let outcome = await driver.deliver(ciscoRequest(address: "127.0.0.1:\(phone.port)"))
            #expect(outcome == .failed(reason: "phone 7 (127.0.0.1:\(phone.port)) answered CiscoIPPhoneError \(number): \(meaning)", retryable: retryable))
        }
    }

    @Test func aRefusedConnectionIsARetryableFailure() async throws {
        // A port that is bound but never listens refuses every connection, and stays ours for the
        // whole test: a port closed again could be handed to the next server started on port 0.
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        try #require(bound == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        try await withCiscoPhone { driver, _ in
            let outcome = await driver.deliver(ciscoRequest(address: "127.0.0.1:\(port)"))
            #expect(outcome == .failed(reason: "connection refused by phone 7 (127.0.0.1:\(port)): is its web access enabled?", retryable: true))
        }
    }

    @Test func aSilentPhoneTimesOutAfterTheBoundWithItsToneAllowance() async throws {
        let settings = CiscoPhoneDriver.Settings(publicBaseURL: "http://gw", tones: [.emergency: "Play:A.raw"], timeout: .milliseconds(300), toneAllowance: .milliseconds(200))
        try await withCiscoPhone(script: [.silence, .silence], settings: settings) { driver, phone in
            let start = ContinuousClock.now
            let plain = await driver.deliver(ciscoRequest(address: "127.0.0.1:\(phone.port)", priority: .high))
            let middle = ContinuousClock.now
            let toned = await driver.deliver(ciscoRequest(address: "127.0.0.1:\(phone.port)", priority: .emergency))
            let end = ContinuousClock.now
            #expect(plain == .failed(reason: "no answer from phone 7 (127.0.0.1:\(phone.port)) within 300 ms", retryable: true))
            #expect(toned == .failed(reason: "no answer from phone 7 (127.0.0.1:\(phone.port)) within 500 ms", retryable: true))
            #expect(middle - start >= .milliseconds(300) && middle - start < .milliseconds(2000))
            #expect(end - middle >= .milliseconds(500))
        }
    }

    @Test func wrongCredentialsAndAMissingExecuteAreFinal() async throws {
        try await withCiscoPhone(script: [.status(401, reason: "Unauthorized"), .status(404, reason: "Not Found")]) { driver, phone in
            let address = "127.0.0.1:\(phone.port)"
            #expect(await driver.deliver(ciscoRequest(address: address)) == .failed(reason: "phone 7 (\(address)) refused the credentials (HTTP 401): check [cisco] username and password and the phone's authentication URL", retryable: false))
            #expect(await driver.deliver(ciscoRequest(address: address)) == .failed(reason: "phone 7 (\(address)) has no /CGI/Execute (HTTP 404): not a Cisco phone on CUCM firmware, or web access is disabled", retryable: false))
        }
    }

    @Test func anInvalidAddressIsFinalAndNamesThePhone() async throws {
        try await withCiscoPhone { driver, _ in
            #expect(await driver.deliver(ciscoRequest(address: "10.0.0.1/x")) == .failed(reason: "invalid Cisco phone address \"10.0.0.1/x\" of phone 7: give the phone's IP address or host, with an optional :port", retryable: false))
        }
    }

    @Test func responseParsing() {
        #expect(CiscoExecuteAnswer.parse("<CiscoIPPhoneError Number=\"4\">Auth &amp; more</CiscoIPPhoneError>") == .error(number: 4, text: "Auth & more"))
        #expect(CiscoExecuteAnswer.parse(phoneOK) == .response([.init(status: 0, data: "Success", url: "http://10.0.0.5:8080/cisco/alarms/12?phone=7")]))
        #expect(CiscoExecuteAnswer.parse("<html>nope</html>") == .unreadable("<html>nope</html>"))
        // Several items, text outside ASCII before the second one, and a self-closing item.
        let several = """
            <?xml version="1.0" encoding="ISO-8859-1"?>
            <CiscoIPPhoneResponse><ResponseItem Status="0" Data="Größe ü" URL="Play:Alarm.raw"></ResponseItem>\
            <ResponseItem Status="0" Data="Success" URL="http://gw/a?x=1&amp;y=2"/></CiscoIPPhoneResponse>
            """
        #expect(CiscoExecuteAnswer.parse(several) == .response([
            .init(status: 0, data: "Größe ü", url: "Play:Alarm.raw"),
            .init(status: 0, data: "Success", url: "http://gw/a?x=1&y=2"),
        ]))
        #expect(CiscoExecuteAnswer.parse("<CiscoIPPhoneError Number=\"1\"/>") == .error(number: 1, text: ""))
        let toneOnly = CiscoExecuteAnswer.response([.init(status: 0, data: "", url: "Play:A.raw"), .init(status: 6, data: "Failure", url: "http://gw/x")])
        #expect(toneOnly.outcome(phone: "p") == .failed(reason: "p did not run the alarm URL: Play:A.raw Status=0, http://gw/x Status=6 Failure", retryable: true))
    }

    @Test func executeURLs() {
        #expect(CiscoPhoneDriver.executeURL(address: "10.1.2.3") == "http://10.1.2.3/CGI/Execute")
        #expect(CiscoPhoneDriver.executeURL(address: "10.1.2.3:8080") == "http://10.1.2.3:8080/CGI/Execute")
        #expect(CiscoPhoneDriver.executeURL(address: "https://phone.ward3/") == "https://phone.ward3/CGI/Execute")
        #expect(CiscoPhoneDriver.executeURL(address: "") == nil)
    }

    /// One push per phone at a time, and never more than the limit in flight across phones.
    @Test func theGateBoundsConcurrencyAndSerialisesEachPhone() async throws {
        let gate = PushGate(limit: 2)
        #expect(await gate.enter("a"))
        #expect(await gate.enter("b"))
        let third = Task { await gate.enter("c") }
        let secondA = Task { await gate.enter("a") }
        while gate.waiting < 2 { await Task.yield() }
        #expect(gate.inFlight == 2)
        gate.leave("b")
        // "c" goes, "a" still waits for the first push to "a".
        #expect(await third.value)
        #expect(gate.waiting == 1)
        gate.leave("a")
        #expect(await secondA.value)
        #expect(gate.inFlight == 2)
        let cancelled = Task { await gate.enter("d") }
        while gate.waiting < 1 { await Task.yield() }
        cancelled.cancel()
        #expect(await cancelled.value == false)
        #expect(gate.waiting == 0)
    }

    @Test func pushesToManyPhonesOverlap() async throws {
        // Eight phones that each take 300 ms: served together they take about 300 ms, one after
        // another 2.4 s.
        var phones: [ScriptedHTTPServer] = []
        for _ in 0..<8 { phones.append(try await ScriptedHTTPServer(script: [.delayed(.milliseconds(300), 200, reason: "OK")])) }
        try await withCiscoPhone { driver, _ in
            let start = ContinuousClock.now
            let outcomes = await withTaskGroup(of: DeliveryOutcome.self) { group in
                for (index, phone) in phones.enumerated() {
                    group.addTask { await driver.deliver(ciscoRequest(address: "127.0.0.1:\(phone.port)", phoneID: Int64(index + 1))) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(ContinuousClock.now - start < .milliseconds(1500))
            // The scripted server answers an empty text/plain body: not a phone's answer.
            #expect(outcomes.count == 8)
            #expect(outcomes.allSatisfy { if case .failed(let reason, true) = $0 { reason.contains("answered neither") } else { false } })
        }
        for phone in phones { try await phone.shutdown() }
    }

    @Test func md5AndDigestMatchRFC2617() {
        #expect(MD5.hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex("The quick brown fox jumps over the lazy dog") == "9e107d9d372bb6826bd81d3542a419d6")
        // RFC 2617 §3.5 example.
        let challenge = SIPDigestChallenge(header: "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"")
        let line = challenge?.authorization(method: "GET", uri: "/dir/index.html", username: "Mufasa", password: "Circle Of Life", cnonce: "0a4f113b")
        #expect(line == "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, cnonce=\"0a4f113b\", qop=auth, nc=00000001, opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"")
    }
}
