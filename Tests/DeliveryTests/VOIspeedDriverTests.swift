#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import AsyncHTTPClient
@testable import Delivery
import Logging
import NIOPosix
import Testing
import TocsinTestKit
import VOIspeed

/// Runs `body` with a fresh HTTP client and a VOIspeed PBX object pointed at `base` (the fake's
/// URL unless given).
func withVOIspeed<T>(
    base: String? = nil,
    username: String = "",
    password: String = "",
    timeout: Duration = .seconds(2),
    _ body: (VOIspeedPBX, FakeVOIspeedPBX, LinkBoard) async throws -> T
) async throws -> T {
    let fake = try await FakeVOIspeedPBX()
    let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    let links = LinkBoard()
    let pbx = VOIspeedPBX(client: client, settings: .init(name: "vs", baseURL: base ?? fake.baseURL, username: username, password: password,
                                                           timeout: timeout, supervisionInterval: nil),
                          links: links, version: "1.2.3", logger: Logger(label: "test.voispeed"))
    do {
        let result = try await body(pbx, fake, links)
        try await client.shutdown()
        await fake.close()
        return result
    } catch {
        try? await client.shutdown()
        await fake.close()
        throw error
    }
}

private func smsDriver(_ pbx: VOIspeedPBX, charset: VOIspeedCharset = .utf8) -> VOIspeedSMSDriver {
    VOIspeedSMSDriver(pbx: pbx, settings: .init(sender: "202", senderName: "Tocsin", charset: charset), logger: Logger(label: "test.sms"))
}

private func smsRequest(address: String, text: String = "Room 4: fall detected") -> DeliveryRequest {
    var request = sampleRequest(address: address)
    request.alarm.request.text = text
    request.destination.driver = "voispeed-sms"
    return request
}

private func link(_ links: LinkBoard) -> LinkStatus? {
    links.all.first { $0.kind == "voispeed" && $0.name == "vs" }
}

@Suite(.timeLimit(.minutes(1))) struct VOIspeedSMSDriverTests {
    @Test func sendsTheExactQueryAndIsQueued() async throws {
        try await withVOIspeed { pbx, fake, links in
            #expect(link(links)?.state == .connecting)
            let outcome = await smsDriver(pbx).deliver(smsRequest(address: "+39 333 123-4567"))
            #expect(outcome == .queued(detail: "the VOIspeed PBX took the SMS for +393331234567 (result=0); it reports no delivery to the handset"))
            #expect(fake.queries == ["srv=5&recipient=%2B393331234567&body=HIGH%3A%20Room%204%3A%20fall%20detected&sender=202&info=Tocsin"])
            #expect(fake.requests.first?.parameters["body"] == "HIGH: Room 4: fall detected")
            #expect(fake.requests.first?.authorization == nil)
            #expect(link(links)?.state == .up)
            #expect(link(links)?.counters["sms"] == 1)
        }
    }

    @Test func latin1TextAndBasicCredentials() async throws {
        try await withVOIspeed(username: "tocsin", password: "s3cret") { pbx, fake, _ in
            let outcome = await smsDriver(pbx, charset: .latin1).deliver(smsRequest(address: "201", text: "Zimmer 4: gestürzt"))
            #expect(outcome == .queued(detail: "the VOIspeed PBX took the SMS for 201 (result=0); it reports no delivery to the handset"))
            #expect(fake.queries == ["srv=5&recipient=201&body=HIGH%3A%20Zimmer%204%3A%20gest%FCrzt&sender=202&info=Tocsin"])
            #expect(fake.requests.first?.authorization == "Basic " + Data("tocsin:s3cret".utf8).base64EncodedString())
        }
    }

    @Test func resultCodesDecideBetweenFinalAndRetry() async throws {
        try await withVOIspeed { pbx, fake, links in
            fake.scriptSMS("299", result: 24)
            fake.scriptSMS("298", result: 8)
            fake.scriptSMS("297", result: 40)
            fake.scriptSMS("296", result: 46)
            let driver = smsDriver(pbx)
            #expect(await driver.deliver(smsRequest(address: "299")) == .failed(
                reason: "SMS to 299: the VOIspeed PBX at \(fake.baseURL) refused to send an SMS to a user: result=24 (user not found); the PBX has no user with this number; check the phone's address or the extension",
                retryable: false))
            if case .failed(let reason, true) = await driver.deliver(smsRequest(address: "298")) {
                #expect(reason.contains("result=8 (service failure, check the PBX's log files)"))
            } else {
                Issue.record("result=8 must be retried")
            }
            if case .failed(_, let retryable) = await driver.deliver(smsRequest(address: "297")) { #expect(retryable) } else { Issue.record("40") }
            if case .failed(let reason, let retryable) = await driver.deliver(smsRequest(address: "296")) {
                #expect(!retryable)
                #expect(reason.contains("result=46 (a result code the VOIspeed interface does not document)"))
            } else {
                Issue.record("46")
            }
            // The PBX answered each time: the link is up whatever it thought of the requests.
            #expect(link(links)?.state == .up)
        }
    }

    @Test func aPBXThatRefusesTheInterfaceIsFinalAndTheLinkDown() async throws {
        try await withVOIspeed { pbx, fake, links in
            fake.set(.refusing(45))
            let outcome = await smsDriver(pbx).deliver(smsRequest(address: "201"))
            #expect(outcome == .failed(reason: "SMS to 201: the VOIspeed PBX at \(fake.baseURL) refused to send an SMS to a user: result=45 (no capability to use this interface); allow Tocsin (its address, or the user) to use the PBX's HTTP interface", retryable: false))
            #expect(link(links)?.state == .down)
        }
    }

    @Test func anAddressThatIsNoNumberFailsWithoutARequest() async throws {
        try await withVOIspeed { pbx, fake, _ in
            let outcome = await smsDriver(pbx).deliver(smsRequest(address: "sip:201@pbx"))
            #expect(outcome == .failed(reason: "invalid SMS address \"sip:201@pbx\" of phone 1: give an extension or a mobile number such as +393331234567", retryable: false))
            #expect(fake.requests.isEmpty)
        }
    }

    @Test func aSlowPBXTimesOutAndIsRetried() async throws {
        try await withVOIspeed(timeout: .milliseconds(300)) { pbx, fake, links in
            fake.set(.silent)
            let started = ContinuousClock.now
            let outcome = await smsDriver(pbx).deliver(smsRequest(address: "201"))
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(outcome == .failed(reason: "SMS to 201: no answer from the VOIspeed PBX at \(fake.baseURL) within 300 ms", retryable: true))
            #expect(link(links)?.state == .down)
        }
    }

    @Test func anUnreachablePBXIsRetried() async throws {
        let closed = try await FakeVOIspeedPBX()
        let base = closed.baseURL
        await closed.close()
        try await withVOIspeed(base: base) { pbx, _, links in
            let outcome = await smsDriver(pbx).deliver(smsRequest(address: "201"))
            #expect(outcome == .failed(reason: "SMS to 201: connection refused by the VOIspeed PBX at \(base)", retryable: true))
            #expect(link(links)?.state == .absent)
        }
    }

    @Test func garbageAndHTTPErrorsAreNamed() async throws {
        try await withVOIspeed { pbx, fake, _ in
            fake.set(.garbage("<html><body>Voispeed Integration Command List</body></html>"))
            #expect(await smsDriver(pbx).deliver(smsRequest(address: "201")) == .failed(
                reason: "SMS to 201: the VOIspeed PBX at \(fake.baseURL) answered an HTML page (services.cgi's help page?) instead of result=N: check voispeed.base_url",
                retryable: false))
            fake.set(.garbage("OK\n"))
            if case .failed(let reason, false) = await smsDriver(pbx).deliver(smsRequest(address: "201")) {
                #expect(reason.contains("\"OK\" is not keyword=value"))
            } else {
                Issue.record("garbage must be final")
            }
            fake.set(.httpStatus(404))
            #expect(await smsDriver(pbx).deliver(smsRequest(address: "201")) == .failed(
                reason: "SMS to 201: the VOIspeed PBX at \(fake.baseURL) answered HTTP 404 (no services.cgi there: check voispeed.base_url)", retryable: false))
            fake.set(.httpStatus(503))
            if case .failed(_, true) = await smsDriver(pbx).deliver(smsRequest(address: "201")) {} else { Issue.record("503 must be retried") }
            fake.set(.httpStatus(401))
            if case .failed(let reason, false) = await smsDriver(pbx).deliver(smsRequest(address: "201")) {
                #expect(reason.contains("check voispeed.username and voispeed.password"))
            } else {
                Issue.record("401 must be final")
            }
        }
    }
}

private func dialer(_ pbx: VOIspeedPBX, interval: Duration = .milliseconds(100)) -> VOIspeedDialer {
    VOIspeedDialer(pbx: pbx, settings: .init(connectTo: "900", interface: .sip, watch: .init(pollInterval: interval),
                                             clearRetryDelay: .milliseconds(50)),
                   logger: Logger(label: "test.dialer"))
}

@Suite(.timeLimit(.minutes(1))) struct VOIspeedDialerTests {
    @Test func anAnsweredCallIsFollowedByPollingAndLeftUp() async throws {
        try await withVOIspeed { pbx, fake, links in
            fake.script("101", .answers(after: .milliseconds(300)))
            let outcome = await dialer(pbx).placeCall(from: nil, to: "101", noAnswerAfter: .seconds(5))
            guard case .answered(let detail) = outcome else { Issue.record("\(outcome)"); return }
            #expect(detail.hasPrefix("call 12345 to 101 answered after "))
            #expect(detail.hasSuffix("(connected (status 3))"))
            #expect(fake.queries.first == "srv=0&first_number=101&second_number=900&first_interface=SIP&timeout=10")
            #expect(fake.queries.dropFirst().allSatisfy { $0 == "srv=3&info=7" })
            #expect(fake.queries.count >= 2)
            #expect(fake.listedCalls == ["12345"])
            #expect(link(links)?.counters["answered"] == 1)
        }
    }

    @Test func anUnansweredCallIsClearedAtTheDeadline() async throws {
        try await withVOIspeed { pbx, fake, _ in
            fake.script("102", .neverAnswers)
            let started = ContinuousClock.now
            let outcome = await dialer(pbx).placeCall(from: nil, to: "102", noAnswerAfter: .seconds(1))
            #expect(ContinuousClock.now - started >= .seconds(1))
            #expect(outcome == .noAnswer(detail: "call 12345 to 102 rang 1 s without an answer (last seen ringing (status 2)); Tocsin cleared it"))
            #expect(fake.queries.first == "srv=0&first_number=102&second_number=900&first_interface=SIP&timeout=6")
            #expect(fake.queries.last == "srv=1&call_id=12345")
            #expect(fake.queries(srv: 1).count == 1)
            #expect(fake.listedCalls.isEmpty)
        }
    }

    @Test func aCallThePBXDropsIsNoAnswerWithoutClearing() async throws {
        try await withVOIspeed { pbx, fake, _ in
            fake.script("103", .ringsOut(after: .milliseconds(1500)))
            let outcome = await dialer(pbx).placeCall(from: nil, to: "103", noAnswerAfter: .seconds(5))
            #expect(outcome == .noAnswer(detail: "call 12345 to 103 ended without an answer (last seen ringing (status 2))"))
            #expect(fake.queries(srv: 1).isEmpty)
        }
    }

    @Test func aRefusedOrLostCallFails() async throws {
        try await withVOIspeed { pbx, fake, _ in
            fake.script("104", .refused(24))
            #expect(await dialer(pbx).placeCall(from: nil, to: "104", noAnswerAfter: .seconds(5)) == .failed(detail:
                "the PBX refused to place a call between two party numbers: result=24 (user not found); the PBX has no user with this number; check the phone's address or the extension"))
            fake.script("105", .neverListed)
            #expect(await dialer(pbx).placeCall(from: nil, to: "105", noAnswerAfter: .seconds(5)) == .failed(detail:
                "the PBX never listed call 12345 to 105 among its current calls: it did not get through (busy, unreachable or refused)"))
            #expect(fake.queries(srv: 0) == [
                "srv=0&first_number=104&second_number=900&first_interface=SIP&timeout=10",
                "srv=0&first_number=105&second_number=900&first_interface=SIP&timeout=10",
            ])
        }
    }

    @Test func aCancellationClearsTheRingingCallAtOnce() async throws {
        try await withVOIspeed { pbx, fake, links in
            fake.script("106", .neverAnswers)
            let dialer = dialer(pbx)
            let call = Task { await dialer.placeCall(from: nil, to: "106", noAnswerAfter: .seconds(30)) }
            try await fake.waitFor(srv: 3)
            let cancelled = ContinuousClock.now
            call.cancel()
            let outcome = await call.value
            #expect(ContinuousClock.now - cancelled < .seconds(2))
            #expect(outcome == .cancelled)
            #expect(fake.queries.last == "srv=1&call_id=12345")
            #expect(fake.listedCalls.isEmpty)
            #expect(dialer.callsInProgress == 0)
            #expect(link(links)?.counters["cancelled"] == 1)
            #expect(link(links)?.counters["cleared"] == 1)
        }
    }

    @Test func aCancellationWhileTheCallIsPlacedClearsItOnceItHasAnID() async throws {
        try await withVOIspeed { pbx, fake, _ in
            let dialer = dialer(pbx)
            let call = Task { await dialer.placeCall(from: nil, to: "107", noAnswerAfter: .seconds(30)) }
            call.cancel()
            #expect(await call.value == .cancelled)
            // Either the placing went out and its call was cleared, or nothing went out at all.
            if fake.queries(srv: 0).isEmpty {
                #expect(fake.queries.isEmpty)
            } else {
                #expect(fake.queries(srv: 1) == ["srv=1&call_id=12345"])
            }
            #expect(fake.listedCalls.isEmpty)
        }
    }

    @Test func anANSAnswerEndsTheWatchBeforeThePoll() async throws {
        try await withVOIspeed { pbx, fake, _ in
            fake.script("108", .neverAnswers)
            let dialer = dialer(pbx, interval: .seconds(10))
            let call = Task { await dialer.placeCall(from: nil, to: "108", noAnswerAfter: .seconds(30)) }
            try await fake.waitFor(srv: 0)
            while dialer.callsInProgress == 0 { try await Task.sleep(for: .milliseconds(10)) }
            dialer.receive(try VOIspeedEvent.parse(query: "key=1&event=5&call_id=99&result=0&final=1"))
            dialer.receive(try VOIspeedEvent.parse(query: "key=2&event=5&call_id=12345&result=0&final=1&connected_number=108"))
            let outcome = await call.value
            guard case .answered(let detail) = outcome else { Issue.record("\(outcome)"); return }
            #expect(detail.hasPrefix("call 12345 to 108 answered after "))
            #expect(detail.hasSuffix(" (A.N.S. call answered event)"))
            #expect(fake.queries(srv: 3).isEmpty)
        }
    }

    @Test func aPBXThatStopsAnsweringLosesTheCallAndClearsIt() async throws {
        try await withVOIspeed(timeout: .milliseconds(200)) { pbx, fake, _ in
            fake.script("109", .neverAnswers)
            let dialer = dialer(pbx)
            let call = Task { await dialer.placeCall(from: nil, to: "109", noAnswerAfter: .seconds(30)) }
            try await fake.waitFor(srv: 3)
            fake.set(.silent)
            let outcome = await call.value
            guard case .failed(let detail) = outcome else { Issue.record("\(outcome)"); return }
            #expect(detail == "Tocsin lost sight of call 12345 to 109: 3 polls in a row failed, the last with: no answer from the VOIspeed PBX at \(fake.baseURL) within 200 ms")
            // The clearing was tried three times, then given up to the PBX's own timeout.
            #expect(fake.queries(srv: 1) == ["srv=1&call_id=12345", "srv=1&call_id=12345", "srv=1&call_id=12345"])
        }
    }

    @Test func anUnreachablePBXFailsTheCallAtOnce() async throws {
        let closed = try await FakeVOIspeedPBX()
        let base = closed.baseURL
        await closed.close()
        try await withVOIspeed(base: base) { pbx, _, _ in
            #expect(await dialer(pbx).placeCall(from: nil, to: "110", noAnswerAfter: .seconds(5))
                == .failed(detail: "the call to 110 could not be placed: connection refused by the VOIspeed PBX at \(base)"))
        }
    }

    @Test func supervisionShowsTheLinkAndCountsFailures() async throws {
        try await withVOIspeed(timeout: .milliseconds(300)) { pbx, fake, links in
            await pbx.supervise()
            #expect(link(links)?.state == .up)
            #expect(fake.queries == ["srv=3&info=7"])
            fake.set(.refusing(45))
            await pbx.supervise()
            #expect(link(links)?.state == .down)
            #expect(link(links)?.detail.contains("result=45") == true)
        }
    }
}
