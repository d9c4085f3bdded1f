import Testing
@testable import VOIspeed

/// A point in test time: seconds from zero, without a real clock.
struct TestInstant: InstantProtocol {
    var offset: Duration
    static let zero = TestInstant(offset: .zero)
    static func at(_ seconds: Double) -> TestInstant { TestInstant(offset: .milliseconds(Int64(seconds * 1000))) }
    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
}

typealias Watch = VOIspeedCallWatch<TestInstant>

private func answer(_ text: String) -> Result<VOIspeedAnswer, VOIspeedFault> {
    Result { () throws(VOIspeedFault) in try VOIspeedAnswer.parse(Array(text.utf8), peer: "the PBX") }
}

private func calls(_ text: String) -> Result<VOIspeedCallList, VOIspeedFault> {
    Result { () throws(VOIspeedFault) in try VOIspeedCallList.parse(Array(text.utf8), peer: "the PBX") }
}

private let unreachable = Result<VOIspeedCallList, VOIspeedFault>.failure(VOIspeedFault(.unreachable, "connection refused by http://pbx:3541"))

/// One escalation call, from `srv=0` to its outcome, with time passed in.
struct CallWatchTests {
    /// Callee 101, connected to the announcement 900 once it answers; T2 = 5 s, polls every second.
    func placedWatch(noAnswerAfter: Duration = .seconds(5), interval: Duration = .seconds(1)) -> Watch {
        var watch = Watch(callee: "101", connectTo: "900", interface: .sip, noAnswerAfter: noAnswerAfter,
                          settings: .init(pollInterval: interval))
        _ = watch.start()
        #expect(watch.placed(answer("result=0;call_id=77"), at: .zero) == .poll(at: TestInstant.zero.advanced(by: interval)))
        return watch
    }

    @Test func placesTheCalleeAsTheFirstPartyWithThePBXsTimeoutAsBackstop() {
        var watch = Watch(callee: "0171555", connectTo: "900", interface: .isdn, noAnswerAfter: .seconds(30))
        #expect(watch.start() == .place(.placeCall(firstNumber: "0171555", secondNumber: "900", firstInterface: .isdn, timeoutSeconds: 35)))
        #expect(watch.request.query == "srv=0&first_number=0171555&second_number=900&first_interface=ISDN&timeout=35")
        // Whole seconds, rounded up.
        let odd = Watch(callee: "1", connectTo: "2", interface: nil, noAnswerAfter: .milliseconds(4500), settings: .init(pbxTimeoutMargin: .zero))
        #expect(odd.request.query == "srv=0&first_number=1&second_number=2&timeout=5")
    }

    @Test func anAnsweredCall() {
        var watch = placedWatch()
        #expect(watch.callID == "77")
        #expect(watch.deadline == .at(5))
        #expect(watch.polled(calls("77,d,2,SIP,SIP,900,101,"), at: .at(1)) == .poll(at: .at(2)))
        #expect(watch.polled(calls("76,d,3\n77,d,2,SIP,SIP,900,101,"), at: .at(2)) == .poll(at: .at(3)))
        #expect(watch.polled(calls("77,d,3,SIP,SIP,900,101,"), at: .at(3)) == .finish(.answered("call 77 to 101 answered after 3 s (connected (status 3))")))
        #expect(watch.outcome == .answered("call 77 to 101 answered after 3 s (connected (status 3))"))
        // After the outcome nothing changes.
        #expect(watch.polled(calls(""), at: .at(4)) == .finish(.answered("call 77 to 101 answered after 3 s (connected (status 3))")))
        #expect(watch.cancelled(at: .at(4)) == nil)
    }

    @Test func anUnansweredCallIsClearedAtTheDeadlineAfterALastLook() {
        var watch = placedWatch()
        for second in 1...4 {
            #expect(watch.polled(calls("77,d,2"), at: .at(Double(second))) == .poll(at: .at(Double(second + 1))))
        }
        #expect(watch.polled(calls("77,d,2"), at: .at(5))
            == .clear(callID: "77", then: .noAnswer("call 77 to 101 rang 5 s without an answer (last seen ringing (status 2)); Tocsin cleared it")))
    }

    @Test func theLastLookAtTheDeadlineStillCountsAnAnswer() {
        var watch = placedWatch()
        #expect(watch.polled(calls("77,d,2"), at: .at(4)) == .poll(at: .at(5)))
        #expect(watch.polled(calls("77,d,3"), at: .at(5)) == .finish(.answered("call 77 to 101 answered after 5 s (connected (status 3))")))
    }

    @Test func pollsAreCappedAtTheDeadline() {
        var watch = placedWatch(noAnswerAfter: .milliseconds(4500), interval: .seconds(2))
        #expect(watch.polled(calls("77,d,2"), at: .at(2)) == .poll(at: .at(4)))
        #expect(watch.polled(calls("77,d,2"), at: .at(4)) == .poll(at: .at(4.5)))
        if case .clear(_, .noAnswer(let detail)) = watch.polled(calls("77,d,2"), at: .at(4.5)) {
            #expect(detail.contains("rang 4.5 s without an answer"))
        } else {
            Issue.record("expected a clearing")
        }
    }

    @Test func aCallThatLeavesTheListUnansweredRangOut() {
        var watch = placedWatch()
        #expect(watch.polled(calls("77,d,2"), at: .at(1)) == .poll(at: .at(2)))
        // The PBX's own timeout, or the callee rejecting: gone, nothing left to clear.
        #expect(watch.polled(calls("78,d,2"), at: .at(2)) == .finish(.noAnswer("call 77 to 101 ended without an answer (last seen ringing (status 2))")))
    }

    @Test func anEndedRowIsNoAnswer() {
        var watch = placedWatch()
        #expect(watch.polled(calls("77,d,5"), at: .at(1)) == .finish(.noAnswer("call 77 to 101 ended without an answer (ended (status 5))")))
    }

    @Test func aCallNeverListedDidNotGetThrough() {
        var watch = placedWatch()
        #expect(watch.polled(calls(""), at: .at(1)) == .poll(at: .at(2)))
        #expect(watch.polled(calls("5,d,3"), at: .at(2)) == .poll(at: .at(3)))
        #expect(watch.polled(calls(""), at: .at(3))
            == .finish(.failed("the PBX never listed call 77 to 101 among its current calls: it did not get through (busy, unreachable or refused)")))
    }

    @Test func thePBXCallingTheSecondPartyMeansTheCalleeAnswered() {
        var watch = placedWatch()
        #expect(watch.polled(calls("77,d,2,SIP,SIP,101,900,"), at: .at(2))
            == .finish(.answered("call 77 to 101 answered after 2 s: the PBX is now calling 900 (ringing (status 2))")))
    }

    @Test func aHeldOrQueuedCallWasAnswered() {
        var watch = placedWatch()
        #expect(watch.polled(calls("77,d,queueing"), at: .at(2)) == .finish(.answered("call 77 to 101 answered after 2 s (held (status queueing))")))
    }

    @Test func anUnknownStatusIsNeverAnAnswer() {
        var watch = placedWatch()
        for second in 1...4 {
            #expect(watch.polled(calls("77,d,9"), at: .at(Double(second))) == .poll(at: .at(Double(second + 1))))
        }
        #expect(watch.polled(calls("77,d,9"), at: .at(5))
            == .clear(callID: "77", then: .noAnswer("call 77 to 101 rang 5 s without an answer (last seen unknown (status 9)); Tocsin cleared it")))
    }

    @Test func theCallIsGivenUpWhenPollsKeepFailing() {
        var watch = placedWatch()
        #expect(watch.polled(unreachable, at: .at(1)) == .poll(at: .at(2)))
        #expect(watch.polled(unreachable, at: .at(2)) == .poll(at: .at(3)))
        #expect(watch.polled(unreachable, at: .at(3)) == .clear(callID: "77", then: .failed(
            "Tocsin lost sight of call 77 to 101: 3 polls in a row failed, the last with: connection refused by http://pbx:3541")))
    }

    @Test func aGoodPollResetsTheFailureCount() {
        var watch = placedWatch(noAnswerAfter: .seconds(30))
        for second in stride(from: 1, through: 12, by: 3) {
            #expect(watch.polled(unreachable, at: .at(Double(second))) == .poll(at: .at(Double(second + 1))))
            #expect(watch.polled(unreachable, at: .at(Double(second + 1))) == .poll(at: .at(Double(second + 2))))
            #expect(watch.polled(calls("77,d,2"), at: .at(Double(second + 2))) == .poll(at: .at(Double(second + 3))))
        }
        // A malformed answer counts as a failed poll too.
        #expect(watch.polled(calls("<html>"), at: .at(13)) == .poll(at: .at(14)))
    }

    @Test func aFailedLastLookStillClearsAsNoAnswer() {
        var watch = placedWatch()
        #expect(watch.polled(calls("77,d,2"), at: .at(4)) == .poll(at: .at(5)))
        #expect(watch.polled(unreachable, at: .at(5)) == .clear(callID: "77", then: .noAnswer(
            "call 77 to 101 was not seen answered within 5 s (the last poll failed: connection refused by http://pbx:3541); Tocsin cleared it")))
    }

    @Test func aRefusedRequestFailsTheCall() {
        var watch = Watch(callee: "555", connectTo: "900", interface: nil, noAnswerAfter: .seconds(5))
        _ = watch.start()
        #expect(watch.placed(answer("result=24"), at: .zero) == .finish(.failed(
            "the PBX refused to place a call between two party numbers: result=24 (user not found); the PBX has no user with this number; check the phone's address or the extension")))
        #expect(watch.callID == nil)
    }

    @Test func aPBXThatCannotBeReachedFailsTheCall() {
        var watch = Watch(callee: "555", connectTo: "900", interface: nil, noAnswerAfter: .seconds(5))
        _ = watch.start()
        #expect(watch.placed(.failure(VOIspeedFault(.timedOut, "no answer from http://pbx:3541 within 5000 ms")), at: .zero)
            == .finish(.failed("the call to 555 could not be placed: no answer from http://pbx:3541 within 5000 ms")))
        var garbled = Watch(callee: "555", connectTo: "900", interface: nil, noAnswerAfter: .seconds(5))
        _ = garbled.start()
        if case .finish(.failed(let detail)) = garbled.placed(answer("<html>"), at: .zero) {
            #expect(detail.contains("HTML page"))
        } else {
            Issue.record("expected a failure")
        }
    }

    @Test func aPlacedCallWithoutAnIDCannotBeFollowed() {
        var watch = Watch(callee: "555", connectTo: "900", interface: nil, noAnswerAfter: .seconds(5))
        _ = watch.start()
        #expect(watch.placed(answer("result=0"), at: .zero) == .finish(.failed(
            "the PBX placed the call to 555 (result=0) but gave no call_id; it cannot be followed or cleared and rings until the PBX's own timeout")))
        var bad = Watch(callee: "555", connectTo: "900", interface: nil, noAnswerAfter: .seconds(5))
        _ = bad.start()
        if case .finish(.failed(let detail)) = bad.placed(answer("result=0;call_id=a b"), at: .zero) {
            #expect(detail.contains("call_id=\"a b\", which is not a call id"))
        } else {
            Issue.record("expected a failure")
        }
    }

    @Test func aCancellationClearsTheRingingCall() {
        var watch = placedWatch()
        #expect(watch.polled(calls("77,d,2"), at: .at(1)) == .poll(at: .at(2)))
        #expect(watch.cancelled(at: .at(1.5)) == .clear(callID: "77", then: .cancelled))
        #expect(watch.outcome == .cancelled)
        #expect(watch.cancelled(at: .at(1.6)) == nil)
    }

    @Test func aCancellationWhilePlacingClearsOnceTheIDIsKnown() {
        var watch = Watch(callee: "101", connectTo: "900", interface: nil, noAnswerAfter: .seconds(5))
        _ = watch.start()
        #expect(watch.cancelled(at: .zero) == .wait)
        #expect(watch.placed(answer("result=0;call_id=9"), at: .at(0.2)) == .clear(callID: "9", then: .cancelled))
        // A refused or lost placement leaves nothing to clear.
        var refused = Watch(callee: "101", connectTo: "900", interface: nil, noAnswerAfter: .seconds(5))
        _ = refused.start()
        _ = refused.cancelled(at: .zero)
        #expect(refused.placed(answer("result=8"), at: .at(0.2)) == .finish(.cancelled))
        var lost = Watch(callee: "101", connectTo: "900", interface: nil, noAnswerAfter: .seconds(5))
        _ = lost.start()
        _ = lost.cancelled(at: .zero)
        #expect(lost.placed(.failure(VOIspeedFault(.unreachable, "x")), at: .at(0.2)) == .finish(.cancelled))
    }

    @Test func aPollAnswerAfterTheClearingChangesNothing() {
        var watch = placedWatch()
        #expect(watch.cancelled(at: .at(1)) == .clear(callID: "77", then: .cancelled))
        // The poll that was in flight answers "connected": the call is being cleared all the same.
        #expect(watch.polled(calls("77,d,3"), at: .at(1.1)) == .finish(.cancelled))
    }

    @Test func answeredEventsOfANSAreSeenAtOnce() {
        var watch = placedWatch()
        let provisional = VOIspeedEvent(kind: .callAnswered, callID: "77", parameters: ["final": "0", "result": "0"])
        #expect(watch.received(provisional, at: .at(0.5)) == nil)
        let otherCall = VOIspeedEvent(kind: .callAnswered, callID: "78", parameters: ["final": "1", "result": "0"])
        #expect(watch.received(otherCall, at: .at(0.5)) == nil)
        let secondParty = VOIspeedEvent(kind: .callAnswered, callID: "77", parameters: ["final": "1", "result": "0", "connected_number": "900"])
        #expect(watch.received(secondParty, at: .at(0.5)) == nil)
        let answered = VOIspeedEvent(kind: .callAnswered, callID: "77", parameters: ["final": "1", "result": "0", "connected_number": "101"])
        #expect(watch.received(answered, at: .at(0.6)) == .finish(.answered("call 77 to 101 answered after 0.6 s (A.N.S. call answered event)")))
    }

    @Test func failureEventsOfANS() {
        var busy = placedWatch()
        let dialledElsewhere = VOIspeedEvent(kind: .outgoingCall, callID: "77", parameters: ["called": "900", "result": "4"])
        #expect(busy.received(dialledElsewhere, at: .at(1)) == nil)
        let playing = VOIspeedEvent(kind: .outgoingCall, callID: "77", parameters: ["called": "101", "result": "11"])
        #expect(busy.received(playing, at: .at(1)) == nil)
        let outgoing = VOIspeedEvent(kind: .outgoingCall, callID: "77", parameters: ["called": "101", "result": "4"])
        #expect(busy.received(outgoing, at: .at(1))
            == .clear(callID: "77", then: .failed("call 77 to 101 did not get through: result=4 (busy) (A.N.S. outgoing call event)")))

        var timeout = placedWatch()
        #expect(timeout.received(VOIspeedEvent(kind: .timeout, callID: "77", parameters: ["info": "0"]), at: .at(1)) == nil)
        #expect(timeout.received(VOIspeedEvent(kind: .timeout, callID: "77", parameters: ["info": "1"]), at: .at(1))
            == .finish(.noAnswer("call 77 to 101: nobody answered (A.N.S. timeout event)")))

        var hungUp = placedWatch()
        #expect(hungUp.received(VOIspeedEvent(kind: .outgoingDisconnect, callID: "77"), at: .at(1))
            == .finish(.noAnswer("call 77 to 101 was disconnected before an answer (A.N.S. disconnect event)")))
        #expect(hungUp.received(VOIspeedEvent(kind: .dtmf, callID: "77"), at: .at(1)) == nil)
    }

    @Test func eventsBeforeTheCallIDAreIgnored() {
        var watch = Watch(callee: "101", connectTo: "900", interface: nil, noAnswerAfter: .seconds(5))
        _ = watch.start()
        #expect(watch.received(VOIspeedEvent(kind: .callAnswered, callID: "77", parameters: ["final": "1"]), at: .zero) == nil)
        #expect(watch.polled(calls("77,d,3"), at: .zero) == .wait)
    }
}
