import Testing
@testable import CSTA

private let deviceB = "722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVVwVXIlYw=="
private let deviceBEstablished = "722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVWVwVXIlYw=="
private let clearA = #"<?xml version="1.0" encoding="UTF-8"?><ClearConnection xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><connectionToBeCleared><deviceID typeOfNumber="dialingNumber">\#(seedDeviceA)</deviceID><callID>\#(seedCallID)</callID></connectionToBeCleared></ClearConnection>"#
private let token = CSTACallToken(1)

@Suite("Escalation call outcomes on ECSS-10, from the seed's events")
struct EltexCallOutcomeTests {
    @Test("ServiceInitiated, Originated, Delivered, Established: answered by 722; the callee's hang-up clears A's leg")
    func answered() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        let (placed, originated) = driver.placeSeedCall(at: 10)
        #expect(nonSends(placed) == [.callState(token, .dialling), .scheduleTimer(at: .seconds(18))])
        #expect(originated == [.callState(token, .originated(CSTAConnectionID(deviceID: seedDeviceA, callID: seedCallID))),
                               .scheduleTimer(at: .seconds(40))])
        #expect(driver.session.received(eltexEvent(EltexSeed.serviceInitiatedEvent) + eltexEvent(EltexSeed.originatedEvent), at: .seconds(11)).isEmpty)
        #expect(driver.session.received(eltexEvent(EltexSeed.deliveredEvent), at: .seconds(12))
                == [.callState(token, .ringing(alertingDevice: deviceB)), .scheduleTimer(at: .seconds(42))])
        let answered = driver.session.received(eltexEvent(EltexSeed.establishedEvent), at: .seconds(20))
        #expect(answered.first == .callState(token, .finished(.answered(answeringDevice: deviceBEstablished))))
        // No no-answer timer any more: the answered call is only followed until it ends.
        #expect(driver.session.tick(at: .seconds(42)).isEmpty)
        let hungUp = driver.session.received(eltexEvent(EltexSeed.connectionClearedEvent), at: .seconds(60))
        #expect(sentFrames(hungUp).map(\.xml) == [clearA])
        #expect(nonSends(hungUp).allSatisfy { if case .callState = $0 { false } else { true } })
        #expect(driver.session.tracker.trackedTokens.isEmpty)
    }

    @Test("an Established for A's own leg is not an answer")
    func callingLegEstablished() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.placeSeedCall(at: 10)
        let own = "<EstablishedEvent \(ed3)><monitorCrossRefID>DMON:f76e9c86851a2adc</monitorCrossRefID><establishedConnection><deviceID>\(seedDeviceA)</deviceID><callID>\(seedCallID)</callID></establishedConnection><answeringDevice><deviceIdentifier>\(seedDeviceA)</deviceIdentifier></answeringDevice><cause>normal</cause></EstablishedEvent>"
        #expect(driver.session.received(eltexEvent(own), at: .seconds(11)).isEmpty)
        #expect(driver.session.tracker.isInProgress(token))
    }

    @Test("busy: a FailedEvent fails the call and clears A's leg")
    func busy() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.placeSeedCall(at: 10)
        let failed = "<FailedEvent \(ed3)><monitorCrossRefID>DMON:f76e9c7a2075e497</monitorCrossRefID><failedConnection><deviceID typeOfNumber=\"dialingNumber\">722:::x</deviceID><callID>\(seedCallID)</callID></failedConnection><failingDevice><deviceIdentifier>722:::x</deviceIdentifier></failingDevice><cause>busy</cause></FailedEvent>"
        let actions = driver.session.received(eltexEvent(failed), at: .seconds(11))
        #expect(nonSends(actions) == [.callState(token, .finished(.failed(.failedEvent(cause: "busy")))), .scheduleTimer(at: .seconds(19))])
        #expect(sentFrames(actions).map(\.xml) == [clearA])
    }

    @Test("never answered: our timer, restarted at Delivered, ends the call as no answer and clears it")
    func noAnswerTimer() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.placeSeedCall(noAnswerAfter: .seconds(25), at: 10)
        _ = driver.session.received(eltexEvent(EltexSeed.deliveredEvent), at: .seconds(13))
        #expect(driver.session.tick(at: .seconds(37.9)).isEmpty)
        let expired = driver.session.tick(at: .seconds(38))
        #expect(nonSends(expired) == [.callState(token, .finished(.noAnswer(.timerExpired(after: .seconds(25))))), .scheduleTimer(at: .seconds(46))])
        let frames = sentFrames(expired)
        #expect(frames.map(\.xml) == [clearA])
        #expect(frames.map(\.invokeID) == [5])
        // The clear's answer closes the matter; the PBX's later ConnectionCleared matches no call.
        #expect(driver.session.received(annexJ(EltexSeed.clearConnectionResponse, invokeID: 5), at: .seconds(38)) == [.scheduleTimer(at: .seconds(150))])
        let late = driver.session.received(eltexEvent(EltexSeed.connectionClearedEvent), at: .seconds(39))
        #expect(late.count == 1)
        #expect(late.first.map { if case .notice(.unmatchedEvent) = $0 { true } else { false } } == true)
    }

    @Test("cleared by the callee without answer (normalClearing) is no answer; A's leg is cleared")
    func clearedWithoutAnswer() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.placeSeedCall(at: 10)
        _ = driver.session.received(eltexEvent(EltexSeed.deliveredEvent), at: .seconds(11))
        let actions = driver.session.received(eltexEvent(EltexSeed.connectionClearedEvent), at: .seconds(15))
        #expect(nonSends(actions).first == .callState(token, .finished(.noAnswer(.clearedWithoutAnswer(cause: "normalClearing")))))
        #expect(sentFrames(actions).map(\.xml) == [clearA])
    }

    @Test("the alarm is acknowledged while it rings: cancelled, and cleared")
    func hangUp() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.placeSeedCall(at: 10)
        _ = driver.session.received(eltexEvent(EltexSeed.deliveredEvent), at: .seconds(11))
        let actions = driver.session.hangUp(token, at: .seconds(12))
        #expect(nonSends(actions).first == .callState(token, .finished(.cancelled)))
        #expect(sentFrames(actions).map(\.xml) == [clearA])
        #expect(driver.session.hangUp(token, at: .seconds(13)) == [.notice(.unknownCall(token))])
    }

    @Test("hung up before the MakeCallResponse: cancelled at once, cleared when the callID arrives")
    func hangUpBeforeResponse() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        let placed = sentFrames(driver.session.placeCall(token, from: "725", to: "722", noAnswerAfter: .seconds(30), at: .seconds(10)))
        #expect(driver.session.hangUp(token, at: .seconds(10)) == [.callState(token, .finished(.cancelled))])
        let originated = driver.session.received(annexJ(seedMakeCallResponse, invokeID: placed[0].invokeID!), at: .seconds(11))
        #expect(sentFrames(originated).map(\.xml) == [clearA])
        #expect(nonSends(originated).allSatisfy { if case .callState = $0 { false } else { true } })
    }
}

@Suite("Session machine and call outcomes on Uni-tel (NUL framing, one request at a time)")
struct UniTelSessionTests {
    @Test("bring-up with the vendorData login; the granted 20 s (not 60) sets a refresh after 10 s, without sessionID")
    func bringUpAndRefresh() throws {
        var driver = UniTelDriver()
        #expect(driver.session.start(at: .zero) == [.connect(attempt: 1)])
        let opened = driver.session.connected(attempt: 1, at: .zero)
        #expect(opened == [
            .send(nul("<StartApplicationSession><applicationInfo><applicationSpecificInfo><vendorData:userID>test@mydomain</vendorData:userID><vendorData:password>bla.bla</vendorData:password><vendorData:pbxDomain>12345678.pbx.one-connect.dk</vendorData:pbxDomain></applicationSpecificInfo></applicationInfo><requestedSessionDuration>60</requestedSessionDuration></StartApplicationSession>")),
            .scheduleTimer(at: .seconds(8)),
        ])
        driver = UniTelDriver()
        driver.bringUp(at: 0)
        #expect(driver.session.nextDeadline == .seconds(10))
        #expect(driver.session.tick(at: .seconds(10)) == [
            .send(nul("<ResetApplicationSessionTimer><requestedSessionDuration>60</requestedSessionDuration></ResetApplicationSessionTimer>")),
            .scheduleTimer(at: .seconds(18)),
        ])
        #expect(driver.session.received(nul("<ResetApplicationSessionTimerPosResponse><actualSessionDuration>20</actualSessionDuration></ResetApplicationSessionTimerPosResponse>"), at: .seconds(11))
                == [.scheduleTimer(at: .seconds(21))])
    }

    @Test("only one request on the wire: the second MakeCall waits for the first one's answer")
    func oneOutstanding() throws {
        var driver = UniTelDriver()
        driver.bringUp(at: 0)
        let first = driver.session.placeCall(CSTACallToken(1), from: "123", to: "321", noAnswerAfter: .seconds(30), at: .seconds(1))
        #expect(first == [
            .callState(CSTACallToken(1), .dialling),
            .send(nul("<MakeCall><callingDevice>123</callingDevice><calledDirectoryNumber>321</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>")),
            .scheduleTimer(at: .seconds(9)),
        ])
        let second = driver.session.placeCall(CSTACallToken(2), from: "123", to: "322", noAnswerAfter: .seconds(30), at: .seconds(2))
        #expect(second == [.callState(CSTACallToken(2), .dialling)])
        #expect(driver.session.queuedRequestNames == ["MakeCall"])
        // An event in between is no answer to anything.
        let event = "<DeliveredEvent><monitorCrossRefID>123-1</monitorCrossRefID><connection><callID>SIP/hpbx-000000bc</callID><deviceId>321</deviceId></connection><alertingDevice><deviceIdIdentifier>321</deviceIdIdentifier></alertingDevice><callingDevice><deviceIdIdentifier>123</deviceIdIdentifier></callingDevice><cause>newCall</cause></DeliveredEvent>"
        let ringingEarly = driver.session.received(nul(event), at: .seconds(3))
        // Matched by the calling device before the callID is known; the MakeCall time-out at 9 s
        // stays the next deadline.
        #expect(ringingEarly == [.callState(CSTACallToken(1), .ringing(alertingDevice: "321"))])
        #expect(driver.session.outstandingRequestNames == ["MakeCall"])
        let answered = driver.session.received(nul("<MakeCallResponse><callingDevice><callID>SIP/hpbx-000000bc</callID><deviceId>123</deviceId></callingDevice></MakeCallResponse>"), at: .seconds(4))
        #expect(answered == [
            .send(nul("<MakeCall><callingDevice>123</callingDevice><calledDirectoryNumber>322</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>")),
            // The session refresh (half of the granted 20 s) comes before this MakeCall's time-out.
            .scheduleTimer(at: .seconds(10)),
        ])
        #expect(driver.session.queuedRequestNames.isEmpty)
    }

    @Test("no FailedEvent on Uni-tel: a ConnectionCleared with cause busy is a failure, and A's leg is cleared")
    func busy() throws {
        var driver = UniTelDriver()
        driver.bringUp(at: 0)
        _ = driver.session.placeCall(token, from: "123", to: "321", noAnswerAfter: .seconds(30), at: .seconds(1))
        _ = driver.session.received(nul("<MakeCallResponse><callingDevice><callID>SIP/hpbx-000000bc</callID><deviceId>123</deviceId></callingDevice></MakeCallResponse>"), at: .seconds(1))
        let cleared = "<ConnectionClearedEvent><monitorCrossRefID>123-1444294019863</monitorCrossRefID><droppedConnection><callID>SIP/hpbx-000000bc</callID><deviceID>321</deviceID></droppedConnection><releasingDevice><deviceIdentifier>321</deviceIdentifier></releasingDevice><localConnectionInfo>null</localConnectionInfo><cause>busy</cause></ConnectionClearedEvent>"
        let actions = driver.session.received(nul(cleared), at: .seconds(2))
        #expect(actions == [
            .callState(token, .finished(.failed(.clearedBeforeAnswer(cause: "busy")))),
            .send(nul("<ClearConnection><connectionToBeCleared><deviceId>123</deviceId><callID>SIP/hpbx-000000bc</callID></connectionToBeCleared></ClearConnection>")),
        ])
        // Its time-out (2 + 8 s) falls on the refresh already scheduled at 10 s.
        #expect(driver.session.nextDeadline == .seconds(10))
    }

    @Test("no answer on Uni-tel: A's own ConnectionCleared without Established")
    func clearedWithoutAnswer() throws {
        var driver = UniTelDriver()
        driver.bringUp(at: 0)
        _ = driver.session.placeCall(token, from: "123", to: "321", noAnswerAfter: .seconds(30), at: .seconds(1))
        _ = driver.session.received(nul("<MakeCallResponse><callingDevice><callID>SIP/hpbx-000000bc</callID><deviceId>123</deviceId></callingDevice></MakeCallResponse>"), at: .seconds(1))
        let cleared = "<ConnectionClearedEvent><monitorCrossRefID>123-1444294019863</monitorCrossRefID><droppedConnection><callID>SIP/hpbx-000000bc</callID><deviceID>123</deviceID></droppedConnection><releasingDevice><deviceIdentifier>123</deviceIdentifier></releasingDevice><localConnectionInfo>null</localConnectionInfo><cause>normalClearing</cause></ConnectionClearedEvent>"
        #expect(driver.session.received(nul(cleared), at: .seconds(9)) == [
            .callState(token, .finished(.noAnswer(.clearedWithoutAnswer(cause: "normalClearing")))),
        ])
        #expect(driver.session.tracker.trackedTokens.isEmpty)
        #expect(driver.session.outstandingRequestNames.isEmpty)
    }

    @Test("answered on Uni-tel: the seed's EstablishedEvent shape, answering device 321")
    func answered() throws {
        var driver = UniTelDriver()
        driver.bringUp(at: 0)
        _ = driver.session.placeCall(token, from: "123", to: "321", noAnswerAfter: .seconds(30), at: .seconds(1))
        _ = driver.session.received(nul("<MakeCallResponse><callingDevice><callID>SIP/hpbx-0000038d</callID><deviceId>123</deviceId></callingDevice></MakeCallResponse>"), at: .seconds(1))
        let established = "<EstablishedEvent><monitorCrossRefID>123-1444294019863</monitorCrossRefID><establishedConnection><callID>SIP/hpbx-0000038d</callID><deviceID>321</deviceID></establishedConnection><answeringDevice><deviceIdentifier>321</deviceIdentifier></answeringDevice><callingDevice><deviceIdentifier>123</deviceIdentifier></callingDevice><calledDevice><deviceIdentifier>321</deviceIdentifier></calledDevice><localConnectionInfo>connected</localConnectionInfo><cause>normal</cause></EstablishedEvent>"
        let actions = driver.session.received(nul(established), at: .seconds(5))
        #expect(actions.first == .callState(token, .finished(.answered(answeringDevice: "321"))))
    }

    @Test("ApplicationSessionTerminated (sessionTimerExpired) takes the link down; the queued call fails too")
    func terminated() throws {
        var driver = UniTelDriver()
        driver.bringUp(at: 0)
        _ = driver.session.placeCall(CSTACallToken(1), from: "123", to: "321", noAnswerAfter: .seconds(30), at: .seconds(1))
        _ = driver.session.placeCall(CSTACallToken(2), from: "123", to: "322", noAnswerAfter: .seconds(30), at: .seconds(1))
        let xml = "<ApplicationSessionTerminated><sessionID>2e853292-bacf-418e-aa1e-86d9a88ea942</sessionID><sessionTermReason><definedTermReason>sessionTimerExpired</definedTermReason></sessionTermReason></ApplicationSessionTerminated>"
        let fault = CSTALinkFault.sessionTerminated(reason: "sessionTimerExpired")
        #expect(driver.session.received(nul(xml), at: .seconds(2)) == [
            .close(fault),
            .callState(CSTACallToken(1), .finished(.failed(.linkDown(fault)))),
            .callState(CSTACallToken(2), .finished(.failed(.linkDown(fault)))),
            .linkDown(fault),
            .scheduleTimer(at: .seconds(3)),
        ])
    }

    @Test("a queued call hung up before it was sent never reaches the PBX")
    func hangUpQueued() throws {
        var driver = UniTelDriver()
        driver.bringUp(at: 0)
        _ = driver.session.placeCall(CSTACallToken(1), from: "123", to: "321", noAnswerAfter: .seconds(30), at: .seconds(1))
        _ = driver.session.placeCall(CSTACallToken(2), from: "123", to: "322", noAnswerAfter: .seconds(30), at: .seconds(1))
        #expect(driver.session.hangUp(CSTACallToken(2), at: .seconds(2)) == [.callState(CSTACallToken(2), .finished(.cancelled))])
        #expect(driver.session.queuedRequestNames.isEmpty)
        let answered = driver.session.received(nul("<MakeCallResponse><callingDevice><callID>SIP/hpbx-000000bc</callID><deviceId>123</deviceId></callingDevice></MakeCallResponse>"), at: .seconds(3))
        #expect(sentFrames(answered, framing: .nulDelimited).isEmpty)
    }

    @Test("a CSTAErrorCode answers the request on the wire: the refused MakeCall fails with its reason")
    func refused() throws {
        var driver = UniTelDriver()
        driver.bringUp(at: 0)
        _ = driver.session.placeCall(token, from: "123", to: "321", noAnswerAfter: .seconds(30), at: .seconds(1))
        let actions = driver.session.received(nul("<CSTAErrorCode><security>securityInfoViolated</security><details>Explanation of error</details></CSTAErrorCode>"), at: .seconds(2))
        #expect(actions == [
            .callState(token, .finished(.failed(.refused(CSTAErrorCode(category: "security", value: "securityInfoViolated", details: "Explanation of error"))))),
            .scheduleTimer(at: .seconds(10)),
        ])
    }
}
