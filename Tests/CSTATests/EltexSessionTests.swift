import Testing
@testable import CSTA

@Suite("Session machine on ECSS-10 (Annex J.2)")
struct EltexSessionTests {
    @Test("bring-up: exact frames, invoke IDs 1, 2, 3, leftover call cleared by SnapshotDevice, then link up")
    func bringUp() throws {
        var driver = EltexDriver()
        #expect(driver.session.start(at: .zero) == [.connect(attempt: 1)])
        let opened = driver.session.connected(attempt: 1, at: .zero)
        let startXML = String(decoding: CSTARequest.startApplicationSession(
            applicationID: "Tocsin", login: .eltex(userName: "p.city", password: "1234"), requestedSessionDuration: 300
        ).document(in: .eltexECSS10), as: UTF8.self)
        #expect(opened == [.send(annexJ(startXML, invokeID: 1)), .scheduleTimer(at: .seconds(8))])

        let granted = driver.session.received(annexJ(EltexSeed.startApplicationSessionPosResponse, invokeID: 1), at: .seconds(1))
        let monitorXML = String(decoding: CSTARequest.monitorStart(device: "725").document(in: .eltexECSS10), as: UTF8.self)
        #expect(granted == [.send(annexJ(monitorXML, invokeID: 2)), .scheduleTimer(at: .seconds(9))])
        #expect(driver.session.sessionID == "f76e5fe9c5e0d444")
        #expect(driver.session.phase == .startingMonitors)

        let monitored = driver.session.received(annexJ(EltexSeed.monitorStartResponse, invokeID: 2), at: .seconds(2))
        #expect(monitored == [.send(annexJ(#"<?xml version="1.0" encoding="UTF-8"?><SnapshotDevice \#(ed3)><snapshotObject typeOfNumber="dialingNumber">725</snapshotObject></SnapshotDevice>"#, invokeID: 3)),
                              .scheduleTimer(at: .seconds(10))])
        #expect(driver.session.monitors == ["725": "DMON:f76e605590f2bc03"])

        // Sample 25 lists a call on 725 that nobody follows: it is cleared before the link is up.
        let leftover = "725:::MV8xNDYlMzg4MjgyQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk4NzkyMTAwODI5MDMxMDMw#NDAzODU3NTA5OQ=="
        let connection = CSTAConnectionID(deviceID: leftover, callID: "f76f7f32a8b2112e")
        let snapshotted = driver.session.received(annexJ(EltexSeed.snapshotDeviceResponse, invokeID: 3), at: .seconds(3))
        #expect(snapshotted == [
            .notice(.leftoverCallCleared(connection)),
            .send(annexJ(#"<?xml version="1.0" encoding="UTF-8"?><ClearConnection \#(ed3)><connectionToBeCleared><deviceID typeOfNumber="dialingNumber">\#(leftover)</deviceID><callID>f76f7f32a8b2112e</callID></connectionToBeCleared></ClearConnection>"#, invokeID: 4)),
            .linkUp(sessionID: "f76e5fe9c5e0d444", sessionDuration: .seconds(300)),
            .scheduleTimer(at: .seconds(11)),
        ])
        // With the clear answered, the next thing due is the refresh at half of 300 s after the grant.
        #expect(driver.session.received(annexJ(EltexSeed.clearConnectionResponse, invokeID: 4), at: .seconds(4)) == [.scheduleTimer(at: .seconds(151))])
        #expect(driver.session.isUp)
    }

    @Test("the session is refreshed at half the granted duration, and the new grant sets the next refresh")
    func refresh() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        #expect(driver.session.nextDeadline == .seconds(150))
        #expect(driver.session.tick(at: .seconds(149.9)).isEmpty)
        let due = driver.session.tick(at: .seconds(150))
        #expect(due == [
            .send(annexJ(#"<?xml version="1.0" encoding="UTF-8"?><ResetApplicationSessionTimer \#(appl)><sessionID>f76e5fe9c5e0d444</sessionID><requestedSessionDuration>300</requestedSessionDuration></ResetApplicationSessionTimer>"#, invokeID: 4)),
            .scheduleTimer(at: .seconds(158)),
        ])
        // Sample 4 grants 500 s: the next refresh is 250 s after the answer.
        let answered = driver.session.received(annexJ(EltexSeed.resetApplicationSessionTimerPosResponse, invokeID: 4), at: .seconds(151))
        #expect(answered == [.scheduleTimer(at: .seconds(401))])
        #expect(driver.session.sessionDuration == .seconds(500))
        #expect(driver.session.tick(at: .seconds(300)).isEmpty)
        #expect(sentFrames(driver.session.tick(at: .seconds(401))).map(\.invokeID) == [5])
    }

    @Test("a refused refresh is a dead session: close, link down, reconnect after 1 s")
    func refreshRefused() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.session.tick(at: .seconds(150))
        let refused = driver.session.received(annexJ(#"<ResetApplicationSessionTimerNegResponse \#(appl)><errorCode><definedError>invalidSessionID</definedError></errorCode></ResetApplicationSessionTimerNegResponse>"#, invokeID: 4), at: .seconds(151))
        #expect(refused == [
            .close(.sessionRefreshRefused("invalidSessionID")),
            .linkDown(.sessionRefreshRefused("invalidSessionID")),
            .scheduleTimer(at: .seconds(152)),
        ])
        #expect(driver.session.phase == .waitingToReconnect(until: .seconds(152)))
        #expect(driver.session.sessionID == nil)
        #expect(driver.session.tick(at: .seconds(152)) == [.connect(attempt: 2)])
    }

    @Test("a request unanswered for 8 s takes the link down and fails the call waiting for it")
    func requestTimeout() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        let placed = driver.session.placeCall(CSTACallToken(7), from: "725", to: "722", noAnswerAfter: .seconds(30), at: .seconds(10))
        #expect(nonSends(placed) == [.callState(CSTACallToken(7), .dialling), .scheduleTimer(at: .seconds(18))])
        #expect(driver.session.tick(at: .seconds(17.9)).isEmpty)
        let fault = CSTALinkFault.requestTimedOut(request: "MakeCall", after: .seconds(8))
        #expect(driver.session.tick(at: .seconds(18)) == [
            .close(fault),
            .callState(CSTACallToken(7), .finished(.failed(.linkDown(fault)))),
            .linkDown(fault),
            .scheduleTimer(at: .seconds(19)),
        ])
        #expect(fault.description == "PBX did not answer MakeCall within 8.0 seconds")
    }

    @Test("a lost connection fails every pending request and call; the reconnect restarts session, monitor and clean-up")
    func disconnectAndReconnect() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        // Call 1 is ringing; call 2 waits for its MakeCallResponse.
        _ = driver.placeSeedCall(1, at: 10)
        #expect(nonSends(driver.session.received(eltexEvent(EltexSeed.deliveredEvent), at: .seconds(11))).first
                == .callState(CSTACallToken(1), .ringing(alertingDevice: "722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVVwVXIlYw==")))
        _ = driver.session.placeCall(CSTACallToken(2), from: "725", to: "723", noAnswerAfter: .seconds(30), at: .seconds(12))
        let lost = CSTALinkFault.connectionLost("connection reset by peer")
        let actions = driver.session.connectionLost(attempt: 1, reason: "connection reset by peer", at: .seconds(13))
        #expect(actions == [
            .callState(CSTACallToken(2), .finished(.failed(.linkDown(lost)))),
            .callState(CSTACallToken(1), .finished(.failed(.linkDown(lost)))),
            .linkDown(lost),
            .scheduleTimer(at: .seconds(14)),
        ])
        #expect(driver.session.outstandingRequestNames.isEmpty)
        #expect(driver.session.tracker.trackedTokens.isEmpty)
        // A late report about the old connection changes nothing.
        #expect(driver.session.connectionLost(attempt: 1, reason: "again", at: .seconds(13)).isEmpty)

        #expect(driver.session.tick(at: .seconds(14)) == [.connect(attempt: 2)])
        // The new connection starts over: invoke IDs from 1, a new session, the monitor again, and
        // SnapshotDevice finds the seed's call (f76e9d66720eb32d) still up and clears it.
        let opened = sentFrames(driver.session.connected(attempt: 2, at: .seconds(15)))
        #expect(opened.map(\.invokeID) == [1])
        #expect(opened.map(\.name) == ["StartApplicationSession"])
        let monitor = sentFrames(driver.session.received(annexJ(EltexSeed.startApplicationSessionPosResponse, invokeID: 1), at: .seconds(15)))
        #expect(monitor.map(\.name) == ["MonitorStart"])
        let snapshot = sentFrames(driver.session.received(annexJ(EltexSeed.monitorStartResponse, invokeID: 2), at: .seconds(15)))
        #expect(snapshot.map(\.name) == ["SnapshotDevice"])
        let response = "<SnapshotDeviceResponse \(ed3)><crossRefIDorSnapshotData><snapshotData><snapshotDeviceResponseInfo><connectionIdentifier><deviceID typeOfNumber=\"dialingNumber\">\(seedDeviceA)</deviceID><callID>\(seedCallID)</callID></connectionIdentifier><localCallState><compoundCallState><localConnectionState>connected</localConnectionState><localConnectionState>alerting</localConnectionState></compoundCallState></localCallState></snapshotDeviceResponseInfo></snapshotData></crossRefIDorSnapshotData></SnapshotDeviceResponse>"
        let cleaned = driver.session.received(annexJ(response, invokeID: 3), at: .seconds(16))
        let clear = sentFrames(cleaned)
        #expect(clear.map(\.invokeID) == [4])
        #expect(clear.first?.root.descendant("connectionToBeCleared", "deviceID")?.text == seedDeviceA)
        #expect(clear.first?.root.descendant("connectionToBeCleared", "callID")?.text == seedCallID)
        #expect(nonSends(cleaned).contains(.linkUp(sessionID: "f76e5fe9c5e0d444", sessionDuration: .seconds(300))))
    }

    @Test("failed connects back off 1, 2, 4, 8, 16, 30, 30 s; once up, the back-off starts again at 1 s")
    func backoff() throws {
        var driver = EltexDriver()
        _ = driver.session.start(at: .zero)
        var now = 0.0
        var delays: [Double] = []
        for attempt in 1...7 {
            let failed = driver.session.connectFailed(attempt: attempt, reason: "connection refused", at: .seconds(now))
            #expect(failed.first == .linkDown(.connectFailed("connection refused")))
            guard case .waitingToReconnect(let until) = driver.session.phase else {
                Issue.record("not waiting")
                return
            }
            delays.append(Double((until.offset - TestInstant.seconds(now).offset) / .milliseconds(1)) / 1000)
            now = Double(until.offset / .milliseconds(1)) / 1000
            #expect(driver.session.tick(at: .seconds(now)) == [.connect(attempt: attempt + 1)])
        }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30])
        driver.bringUp(at: now, attempt: 8)
        _ = driver.session.connectionLost(attempt: 8, reason: "EOF", at: .seconds(now + 100))
        #expect(driver.session.phase == .waitingToReconnect(until: .seconds(now + 101)))
    }

    @Test("ApplicationSessionTerminated takes the link down")
    func terminated() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        let xml = "<ApplicationSessionTerminated \(appl)><sessionID>f76e5fe9c5e0d444</sessionID><sessionTermReason><definedTermReason>resourceLimitation</definedTermReason></sessionTermReason></ApplicationSessionTerminated>"
        let fault = CSTALinkFault.sessionTerminated(reason: "resourceLimitation")
        #expect(driver.session.received(annexJ(xml, invokeID: 9999), at: .seconds(5)) == [.close(fault), .linkDown(fault), .scheduleTimer(at: .seconds(6))])
    }

    @Test("a session that expires mid-call: the ringing call fails, the next call waits for the new session and is placed once it is up")
    func callWaitsForTheNextSession() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.placeSeedCall(1, at: 1)
        let xml = "<ApplicationSessionTerminated \(appl)><sessionID>f76e5fe9c5e0d444</sessionID><sessionTermReason><definedTermReason>sessionTimerExpired</definedTermReason></sessionTermReason></ApplicationSessionTerminated>"
        let fault = CSTALinkFault.sessionTerminated(reason: "sessionTimerExpired")
        let terminated = driver.session.received(annexJ(xml, invokeID: 9999), at: .seconds(5))
        #expect(terminated.contains(.callState(CSTACallToken(1), .finished(.failed(.linkDown(fault))))))

        // The chain moves on at once; the next call must not fail just because the link is being re-established.
        let waiting = driver.session.placeCall(CSTACallToken(2), from: "725", to: "723", noAnswerAfter: .seconds(30), at: .seconds(5))
        #expect(waiting == [.notice(.callWaitingForLink(token: CSTACallToken(2), calledNumber: "723"))])
        #expect(sentFrames(waiting).isEmpty)
        #expect(driver.session.tick(at: .seconds(6)) == [.connect(attempt: 2), .scheduleTimer(at: .seconds(35))])
        let up = driver.bringUp(at: 6.2, attempt: 2)
        let makeCall = sentFrames(up).filter { $0.name == "MakeCall" }
        #expect(makeCall.count == 1)
        #expect(makeCall.first?.root.descendant("calledDirectoryNumber")?.text == "723")
        #expect(up.firstIndex(of: .linkUp(sessionID: "f76e5fe9c5e0d444", sessionDuration: .seconds(300)))! < up.firstIndex { if case .send = $0 { true } else { false } }!)
        #expect(driver.session.tracker.trackedTokens.contains(CSTACallToken(2)))
    }

    @Test("a call waiting for the link gives up after its no-answer time with the fault that keeps the link down")
    func waitingCallGivesUp() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.session.connectionLost(attempt: 1, reason: "connection reset by peer", at: .seconds(10))
        #expect(driver.session.placeCall(CSTACallToken(1), from: "725", to: "722", noAnswerAfter: .seconds(5), at: .seconds(10))
                == [.notice(.callWaitingForLink(token: CSTACallToken(1), calledNumber: "722"))])
        #expect(driver.session.tick(at: .seconds(11)) == [.connect(attempt: 2), .scheduleTimer(at: .seconds(15))])
        let refused = driver.session.connectFailed(attempt: 2, reason: "127.0.0.1:4721: connection refused", at: .seconds(11))
        #expect(!refused.contains { if case .callState = $0 { true } else { false } })
        #expect(driver.session.tick(at: .seconds(14.9)).allSatisfy { if case .callState = $0 { false } else { true } })
        let gaveUp = driver.session.tick(at: .seconds(15))
        #expect(gaveUp.contains(.callState(CSTACallToken(1), .finished(.failed(.linkDown(.connectFailed("127.0.0.1:4721: connection refused")))))))
        // Once given up, the link coming back places nothing.
        let up = driver.bringUp(at: 16, attempt: 3)
        #expect(sentFrames(up).allSatisfy { $0.name != "MakeCall" })
    }

    @Test("a waiting call hung up (the alarm was acknowledged) is never placed; stopping fails the rest")
    func waitingCallHungUpOrStopped() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.session.connectionLost(attempt: 1, reason: "eof", at: .seconds(10))
        _ = driver.session.placeCall(CSTACallToken(1), from: "725", to: "722", noAnswerAfter: .seconds(30), at: .seconds(10))
        _ = driver.session.placeCall(CSTACallToken(2), from: "725", to: "723", noAnswerAfter: .seconds(30), at: .seconds(10))
        #expect(driver.session.hangUp(CSTACallToken(1), at: .seconds(10.5)).contains(.callState(CSTACallToken(1), .finished(.cancelled))))
        let stopped = driver.session.stop(at: .seconds(10.6))
        #expect(stopped.first == .callState(CSTACallToken(2), .finished(.failed(.linkDown(.stopped)))))
        #expect(driver.session.phase == .stopped)
        #expect(!stopped.contains { if case .send = $0 { true } else { false } })
    }

    @Test("SystemStatus is answered with the server's invoke ID; unknown events and responses change nothing")
    func serverRequests() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        let answer = driver.session.received(annexJ("<SystemStatus \(ed3)><systemStatus>normal</systemStatus></SystemStatus>", invokeID: 0), at: .seconds(1))
        #expect(answer == [.send(annexJ(#"<?xml version="1.0" encoding="UTF-8"?><SystemStatusResponse \#(ed3)/>"#, invokeID: 0))])
        #expect(driver.session.received(annexJ("<DivertedEvent \(ed3)><monitorCrossRefID>DMON:1</monitorCrossRefID></DivertedEvent>", invokeID: 9999), at: .seconds(2))
                == [.notice(.ignoredMessage(name: "DivertedEvent"))])
        #expect(driver.session.received(annexJ(EltexSeed.holdCallResponse, invokeID: 77), at: .seconds(2))
                == [.notice(.ignoredMessage(name: "HoldCallResponse"))])
        #expect(driver.session.received(annexJ(EltexSeed.clearCallResponse, invokeID: 77), at: .seconds(2))
                == [.notice(.unmatchedResponse(name: "ClearCallResponse", invokeID: InvokeID(rawValue: 77)))])
        #expect(driver.session.received(annexJ("<not xml", invokeID: 9999), at: .seconds(2)).count == 1)
        #expect(driver.session.isUp)
    }

    @Test("a malformed header closes the connection; frames before it in the same read are handled")
    func framingError() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        let bytes = annexJ("<SystemStatus/>", invokeID: 5) + [0x01, 0x00, 0x00, 0x10]
        // The offset counts from the start of the connection: the bring-up answers (1,114 bytes)
        // and the 23-byte SystemStatus frame came first.
        let fault = CSTALinkFault.framing(.badFormatIndicator(found: [0x01, 0x00], offset: 1137))
        let actions = driver.session.received(bytes, at: .seconds(1))
        #expect(actions == [
            .send(annexJ(#"<?xml version="1.0" encoding="UTF-8"?><SystemStatusResponse \#(ed3)/>"#, invokeID: 5)),
            .close(fault), .linkDown(fault), .scheduleTimer(at: .seconds(2)),
        ])
    }

    @Test("responses are matched by invoke ID, in any order")
    func correlationByInvokeID() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        let first = sentFrames(driver.session.placeCall(CSTACallToken(1), from: "725", to: "722", noAnswerAfter: .seconds(30), at: .seconds(1)))
        let second = sentFrames(driver.session.placeCall(CSTACallToken(2), from: "725", to: "723", noAnswerAfter: .seconds(30), at: .seconds(1)))
        #expect(first.map(\.invokeID) == [4])
        #expect(second.map(\.invokeID) == [5])
        let refused = driver.session.received(annexJ("<CSTAErrorCode \(ed3)><operation>invalidCalledDeviceID</operation></CSTAErrorCode>", invokeID: 5), at: .seconds(2))
        #expect(refused == [.callState(CSTACallToken(2), .finished(.failed(.refused(CSTAErrorCode(category: "operation", value: "invalidCalledDeviceID")))))])
        let originated = driver.session.received(annexJ(seedMakeCallResponse, invokeID: 4), at: .seconds(3))
        #expect(originated == [.callState(CSTACallToken(1), .originated(CSTAConnectionID(deviceID: seedDeviceA, callID: seedCallID))),
                               .scheduleTimer(at: .seconds(33))])
    }

    @Test("an answer of the wrong kind is a protocol error")
    func unexpectedResponse() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.session.placeCall(CSTACallToken(1), from: "725", to: "722", noAnswerAfter: .seconds(30), at: .seconds(1))
        let actions = driver.session.received(annexJ(EltexSeed.monitorStartResponse, invokeID: 4), at: .seconds(2))
        let fault = CSTALinkFault.unexpectedResponse(request: "MakeCall", received: "MonitorStartResponse")
        #expect(actions == [.close(fault), .callState(CSTACallToken(1), .finished(.failed(.linkDown(fault)))), .linkDown(fault), .scheduleTimer(at: .seconds(3))])
    }

    @Test("bad credentials: the NegResponse is named in the fault")
    func sessionRefused() throws {
        var driver = EltexDriver()
        _ = driver.session.start(at: .zero)
        _ = driver.session.connected(attempt: 1, at: .zero)
        let xml = "<StartApplicationSessionNegResponse \(appl)><errorCode><definedError>invalidApplicationInfo</definedError></errorCode></StartApplicationSessionNegResponse>"
        let fault = CSTALinkFault.sessionRefused("invalidApplicationInfo (check the login credentials)")
        #expect(driver.session.received(annexJ(xml, invokeID: 1), at: .seconds(1)) == [.close(fault), .linkDown(fault), .scheduleTimer(at: .seconds(2))])
    }

    @Test("a refused MonitorStart names the calling device")
    func monitorRefused() throws {
        var driver = EltexDriver()
        _ = driver.session.start(at: .zero)
        _ = driver.session.connected(attempt: 1, at: .zero)
        _ = driver.session.received(annexJ(EltexSeed.startApplicationSessionPosResponse, invokeID: 1), at: .zero)
        let error = CSTAErrorCode(category: "operation", value: "invalidDeviceID")
        let actions = driver.session.received(annexJ("<CSTAErrorCode \(ed3)><operation>invalidDeviceID</operation></CSTAErrorCode>", invokeID: 2), at: .seconds(1))
        #expect(actions == [.close(.monitorRefused(device: "725", error)), .linkDown(.monitorRefused(device: "725", error)), .scheduleTimer(at: .seconds(2))])
        #expect(CSTALinkFault.monitorRefused(device: "725", error).description == "PBX refused MonitorStart on calling device 725: operation invalidDeviceID")
    }

    @Test("calls are refused while the link is down, from an unmonitored device, or with a token in use")
    func refusedCalls() throws {
        var driver = EltexDriver()
        #expect(driver.session.placeCall(CSTACallToken(1), from: "725", to: "722", noAnswerAfter: .seconds(30), at: .zero)
                == [.callState(CSTACallToken(1), .finished(.failed(.linkDown(.notConnected))))])
        driver.bringUp(at: 0)
        #expect(driver.session.placeCall(CSTACallToken(1), from: "726", to: "722", noAnswerAfter: .seconds(30), at: .zero)
                == [.callState(CSTACallToken(1), .finished(.failed(.callingDeviceNotMonitored("726"))))])
        _ = driver.session.placeCall(CSTACallToken(1), from: "725", to: "722", noAnswerAfter: .seconds(30), at: .zero)
        #expect(driver.session.placeCall(CSTACallToken(1), from: "725", to: "723", noAnswerAfter: .seconds(30), at: .zero)
                == [.callState(CSTACallToken(1), .finished(.failed(.duplicateToken)))])
    }

    @Test("stop: the ringing call is cleared, the monitor and the session stopped, then the connection closed")
    func stop() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.placeSeedCall(1, at: 1)
        let stopping = driver.session.stop(at: .seconds(2))
        #expect(nonSends(stopping).first == .callState(CSTACallToken(1), .finished(.cancelled)))
        #expect(sentFrames(stopping).map(\.xml) == [
            #"<?xml version="1.0" encoding="UTF-8"?><ClearConnection \#(ed3)><connectionToBeCleared><deviceID typeOfNumber="dialingNumber">\#(seedDeviceA)</deviceID><callID>\#(seedCallID)</callID></connectionToBeCleared></ClearConnection>"#,
            #"<?xml version="1.0" encoding="UTF-8"?><MonitorStop \#(ed3)><monitorCrossRefID>DMON:f76e605590f2bc03</monitorCrossRefID></MonitorStop>"#,
            #"<?xml version="1.0" encoding="UTF-8"?><StopApplicationSession \#(appl)><sessionID>f76e5fe9c5e0d444</sessionID><sessionEndReason><definedEndReason>normal</definedEndReason></sessionEndReason></StopApplicationSession>"#,
        ])
        #expect(sentFrames(stopping).map(\.invokeID) == [5, 6, 7])
        #expect(driver.session.phase == .stopping)
        #expect(driver.session.received(annexJ(EltexSeed.clearConnectionResponse, invokeID: 5), at: .seconds(2)).isEmpty)
        #expect(driver.session.received(annexJ("<MonitorStopResponse \(ed3)/>", invokeID: 6), at: .seconds(2)).isEmpty)
        #expect(driver.session.received(annexJ(EltexSeed.stopApplicationSessionPosResponse, invokeID: 7), at: .seconds(3))
                == [.close(.stopped), .linkDown(.stopped)])
        #expect(driver.session.phase == .stopped)
        #expect(driver.session.tick(at: .seconds(100)).isEmpty)
        #expect(driver.session.nextDeadline == nil)
    }

    @Test("stop while the PBX does not answer closes after the request time-out")
    func stopTimesOut() throws {
        var driver = EltexDriver()
        driver.bringUp(at: 0)
        _ = driver.session.stop(at: .seconds(1))
        #expect(driver.session.tick(at: .seconds(9)) == [.close(.stopped), .linkDown(.stopped)])
        #expect(driver.session.phase == .stopped)
    }
}
