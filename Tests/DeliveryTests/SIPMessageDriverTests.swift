#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
@testable import Delivery
import Logging
import Testing
import TocsinTestKit

func sipRequest(port: Int, priority: Priority = .emergency, text: String = "FIRE ZONE 12 FLOOR 3") -> DeliveryRequest {
    var request = sampleRequest(address: "sip:2101@127.0.0.1:\(port)")
    request.alarm.request.priority = priority
    request.alarm.request.text = text
    request.destination = Destination(phoneID: 9, memberID: 3, name: "Ben", driver: "sip", address: "sip:2101@127.0.0.1:\(port)")
    return request
}

/// Short timers keep the Timer F case at 3.2 s; the arithmetic is the RFC's, scaled.
func sipDriver(_ transport: SIPTransport = .udp, profile: SIPVendorProfile = .innovaphone, username: String = "", password: String = "") -> SIPMessageDriver {
    SIPMessageDriver(
        settings: .init(transport: transport, localAddress: "127.0.0.1", fromUser: "alarm", username: username, password: password, profile: profile, t1: .milliseconds(50), t2: .milliseconds(400)),
        logger: Logger(label: "test.sip")
    )
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct SIPMessageDriverTests {
    @Test func a200IsAcceptedAndTheMessageCarriesExactHeaders() async throws {
        let uas = try SIPpHandset(scenario: "message_200")
        let outcome = await sipDriver().deliver(sipRequest(port: uas.port))
        #expect(outcome == .accepted(detail: "SIP 200 OK from sip:2101@127.0.0.1:\(uas.port)"))
        #expect(await uas.finish() == 0)
        let message = try #require(uas.receivedMessages.first)
        // SIPp traces CRLF lines, and "\r\n" is one Character in Swift: split on any newline.
        let lines = message.split(whereSeparator: \.isNewline).map { String($0).trimmingXMLSpace() }
        #expect(lines[0] == "MESSAGE sip:2101@127.0.0.1:\(uas.port) SIP/2.0")
        #expect(lines.contains { $0.hasPrefix("Via: SIP/2.0/UDP 127.0.0.1:") && $0.contains(";branch=z9hG4bK") })
        #expect(lines.contains("Max-Forwards: 70"))
        #expect(lines.contains { $0.hasPrefix("From: <sip:alarm@127.0.0.1>;tag=") })
        #expect(lines.contains("To: <sip:2101@127.0.0.1:\(uas.port)>"))
        #expect(lines.contains("CSeq: 1 MESSAGE"))
        #expect(lines.contains("Priority: emergency"))
        #expect(lines.contains("Content-Type: text/plain;charset=UTF-8"))
        #expect(lines.contains("Content-Length: 20"))
        #expect(message.contains("FIRE ZONE 12 FLOOR 3"))
    }

    @Test func a202IsQueuedNotDelivered() async throws {
        let uas = try SIPpHandset(scenario: "message_202")
        let outcome = await sipDriver().deliver(sipRequest(port: uas.port))
        #expect(outcome == .queued(detail: "SIP 202 Accepted from sip:2101@127.0.0.1:\(uas.port): accepted for later delivery, not yet on the handset"))
        #expect(await uas.finish() == 0)
    }

    @Test func a480IsARetryableFailure() async throws {
        let uas = try SIPpHandset(scenario: "message_480")
        let outcome = await sipDriver().deliver(sipRequest(port: uas.port))
        #expect(outcome == .failed(reason: "SIP 480 Temporarily Unavailable: sip:2101@127.0.0.1:\(uas.port) is not registered or out of range", retryable: true))
        #expect(await uas.finish() == 0)
    }

    @Test func silenceRunsIntoTimerFAfterRetransmissions() async throws {
        let uas = try SIPpHandset(scenario: "message_silent")
        let start = ContinuousClock.now
        let outcome = await sipDriver().deliver(sipRequest(port: uas.port))
        let elapsed = ContinuousClock.now - start
        #expect(outcome == .failed(reason: "no answer from sip:2101@127.0.0.1:\(uas.port) within 3200 ms (Timer F)", retryable: true))
        #expect(elapsed >= .milliseconds(3200) && elapsed < .milliseconds(4500))
        _ = await uas.finish()
        // Sent at 0, 50, 150, 350, 750 and then every 400 ms up to 3200: 11 copies of one request.
        let copies = uas.receivedMessages
        #expect(copies.count >= 8 && copies.count <= 11, "SIPp saw \(copies.count) copies")
        let branches = Set(copies.compactMap { $0.components(separatedBy: "branch=").dropFirst().first?.prefix(23) })
        #expect(branches.count == 1)
    }

    @Test func overTCPThereAreNoRetransmissions() async throws {
        let uas = try SIPpHandset(scenario: "message_200_tcp", tcp: true)
        let outcome = await sipDriver(.tcp, profile: .generic).deliver(sipRequest(port: uas.port, priority: .high))
        #expect(outcome == .accepted(detail: "SIP 200 OK from sip:2101@127.0.0.1:\(uas.port)"))
        #expect(await uas.finish() == 0)
        let message = try #require(uas.receivedMessages.first)
        #expect(message.contains("Via: SIP/2.0/TCP 127.0.0.1:"))
        #expect(message.contains("Priority: urgent"))
        #expect(uas.receivedMessages.count == 1)
    }

    @Test func aDigestChallengeIsAnsweredOnce() async throws {
        let uas = try SIPpHandset(scenario: "message_digest")
        let outcome = await sipDriver(username: "alarm", password: "s3cret").deliver(sipRequest(port: uas.port))
        #expect(outcome == .accepted(detail: "SIP 200 OK from sip:2101@127.0.0.1:\(uas.port)"))
        #expect(await uas.finish() == 0)
        let second = try #require(uas.receivedMessages.last)
        #expect(second.contains("CSeq: 2 MESSAGE"))
        #expect(second.contains("Authorization: Digest username=\"alarm\", realm=\"ward3\", nonce=\"8f1d2c3b\""))
    }

    @Test func wrongDigestCredentialsAreFinal() async throws {
        let uas = try SIPpHandset(scenario: "message_digest")
        let outcome = await sipDriver(username: "alarm", password: "wrong").deliver(sipRequest(port: uas.port))
        #expect(outcome == .failed(reason: "SIP 403 Forbidden from sip:2101@127.0.0.1:\(uas.port)", retryable: false))
        #expect(await uas.finish() == 0)
    }

    @Test func responseMapping() {
        let target = SIPTarget("sip:7@h")!
        func response(_ code: Int, _ reason: String) -> SIPResponse { SIPResponse(code: code, reason: reason, headers: [:]) }
        #expect(SIPMessageDriver.outcome(response(404, "Not Found"), target: target) == .failed(reason: "SIP 404 Not Found: sip:7@h is not a known user", retryable: false))
        #expect(SIPMessageDriver.outcome(response(486, "Busy Here"), target: target) == .failed(reason: "SIP 486 Busy Here: sip:7@h is busy", retryable: true))
        #expect(SIPMessageDriver.outcome(response(603, "Decline"), target: target) == .failed(reason: "SIP 603 Decline: sip:7@h declined the message", retryable: false))
        #expect(SIPMessageDriver.outcome(response(408, "Request Timeout"), target: target) == .failed(reason: "SIP 408 Request Timeout: no answer from sip:7@h", retryable: true))
    }

    @Test func vendorProfiles() {
        #expect(SIPVendorProfile.innovaphone.priorityHeader(.emergency) == "emergency")
        #expect(SIPVendorProfile.innovaphone.priorityHeader(.low) == "non-urgent")
        #expect(SIPVendorProfile.innovaphone.priorityHeader(.standard) == nil)
        #expect(SIPVendorProfile.generic.priorityHeader(.high) == "urgent")
        #expect(SIPVendorProfile.plain.priorityHeader(.emergency) == nil)
        #expect(SIPVendorProfile.plain.body("Fire", priority: .emergency) == "EMERGENCY: Fire")
        #expect(SIPTarget("2101@10.0.0.9")?.uri == "sip:2101@10.0.0.9")
        #expect(SIPTarget("sip:2101@10.0.0.9:5070;transport=udp")?.port == 5070)
        #expect(SIPTarget("nobody") == nil)
    }
}
