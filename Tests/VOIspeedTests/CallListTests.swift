import Testing
@testable import VOIspeed

private func parse(_ text: String) throws(VOIspeedFault) -> VOIspeedCallList {
    try VOIspeedCallList.parse(Array(text.utf8), peer: "pbx")
}

/// `srv=3&info=7`: the current calls as CSV rows.
struct CallListTests {
    @Test func readsTheSeedsColumns() throws {
        let list = try parse("""
            12345,20060201171529343,2,SIP,ISDN,900,02189655,
            12346 , 20060201171530001 , 3 , LAN , LAN , 201 , 202 , SalesOffice
            """)
        #expect(list.calls.count == 2)
        #expect(list.skipped.isEmpty)
        let first = try #require(list.call(id: "12345"))
        #expect(first == VOIspeedCall(id: "12345", dateTime: "20060201171529343", status: .ringing("2"), callingNetwork: "SIP",
                                      calledNetwork: "ISDN", callingParty: "900", calledParty: "02189655", calledGroup: ""))
        let second = try #require(list.call(id: "12346"))
        #expect(second.status == .connected("3"))
        #expect(second.calledGroup == "SalesOffice")
        #expect(list.call(id: "1") == nil)
    }

    @Test func toleratesCRLFSemicolonsHeadersAndShortRows() throws {
        let list = try parse("id,date_time,status,calling_network,called_network,calling_party,called_party,called_group\r\n7,d,ringing;\r\n\r\n8,d,busy,SIP;\r\n")
        #expect(list.calls.map(\.id) == ["7", "8"])
        #expect(list.calls.map(\.status) == [.ringing("ringing"), .connected("busy")])
        #expect(list.calls[1].callingNetwork == "SIP")
        #expect(list.calls[1].calledParty == "")
    }

    @Test func anEmptyAnswerIsNoCalls() throws {
        #expect(try parse("").calls.isEmpty)
        #expect(try parse(" \r\n").calls.isEmpty)
        #expect(try parse("result=0").calls.isEmpty)
    }

    @Test func aResultLineIsARefusal() {
        do {
            _ = try parse("result=45")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.kind == .refused(.notPermitted))
            #expect(error.detail.contains("refused to ask information about the PBX status: result=45"))
        }
    }

    @Test func badRowsAreSkippedAndNamed() throws {
        let list = try parse("7,d,2\nnot a row\n12 34,d,2\n8,d")
        #expect(list.calls.map(\.id) == ["7"])
        #expect(list.skipped == ["not a row", "12 34,d,2", "8,d"])
    }

    @Test func garbageIsMalformed() {
        for text in ["<html>help</html>", "hello world", "a,b\nc,d", String(repeating: "x", count: 10)] {
            do {
                _ = try parse(text)
                Issue.record("expected a fault for \(text)")
            } catch {
                #expect(error.kind == .malformed, "\(text)")
            }
        }
        do {
            _ = try VOIspeedCallList.parse([UInt8](repeating: 0x31, count: VOIspeedCallList.sizeLimit + 1), peer: "pbx")
            Issue.record("expected a fault")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.detail.contains("more than"))
        }
    }

    @Test func statusesByTheSeedsNumbersAndWords() {
        let cases: [(String, VOIspeedCallStatus)] = [
            ("0", .ended("0")), ("1", .setup("1")), ("2", .ringing("2")), ("3", .connected("3")), ("4", .held("4")), ("5", .ended("5")),
            ("Ringing", .ringing("Ringing")), ("EARLY_CONNECT", .ringing("EARLY_CONNECT")), ("early-connect", .ringing("early-connect")),
            ("busy", .connected("busy")), ("Connected", .connected("Connected")), ("conversation", .connected("conversation")),
            ("hold", .held("hold")), ("queueing", .held("queueing")), ("dialing", .setup("dialing")),
            ("released", .ended("released")), ("", .unknown("")), ("6", .unknown("6")), ("ringing?", .unknown("ringing?")),
        ]
        for (field, status) in cases {
            #expect(VOIspeedCallStatus(field: field) == status, "\(field)")
        }
        #expect(VOIspeedCallStatus.ringing("2").description == "ringing (status 2)")
        #expect(VOIspeedCallStatus.unknown("").description == "unknown (status empty)")
        #expect(VOIspeedCallStatus.connected("busy").raw == "busy")
    }
}

/// A.N.S. callbacks, against the seed's examples.
struct EventTests {
    private func event(_ query: String) throws -> VOIspeedEvent {
        try VOIspeedEvent.parse(query: Substring(query))
    }

    @Test func theCallAnsweredExample() throws {
        let answered = try event("key=8765&event=5&datetime=20060201171529343&interface=ISDN&call_id=12345&result=0&final=1&connected_number=02189655&info=1/Telecom")
        #expect(answered.kind == .callAnswered)
        #expect(answered.key == "8765")
        #expect(answered.callID == "12345")
        #expect(answered.routingResult == .ok)
        #expect(answered.isFinal)
        #expect(answered.connectedNumber == "02189655")
        #expect(answered.parameters["interface"] == "ISDN")
        #expect(answered.info == "1/Telecom")
    }

    @Test func theOtherCallEventsOfTheSeed() throws {
        let outgoing = try event("key=8765&event=4&datetime=20060201171529343&interface=ISDN&call_id=12345&calling=201&called=02189655&act_called=102202189655&result=0&info=1/Tele2")
        #expect(outgoing.kind == .outgoingCall)
        #expect(outgoing.parameters["act_called"] == "102202189655")
        #expect(try event("key=8765&event=6&datetime=20060201171529343&interface=SIP&call_id=12345&info=").kind == .incomingDisconnect)
        #expect(try event("key=8765&event=7&call_id=12345").kind == .outgoingDisconnect)
        let timeout = try event("key=8765&event=12&datetime=20060201171529343&interface=ISDN&call_id=12345&info=1")
        #expect(timeout.kind == .timeout)
        #expect(timeout.info == "1")
        let routing = try event("key=8765&event=3&datetime=20060201171529343&interface=none&call_id=12345&result=4&info=GROUP/tech_area")
        #expect(routing.kind == .callRouting)
        #expect(routing.routingResult?.description == "result=4 (busy)")
        let sms = try event("key=8765&event=14&datetime=20060201171529343&interface=none&sms_id=12345&sender=201&sender_realm=mycompany%2Ecom&recipient=202&recipient_realm=mycompany%2Ecom&body=hello%20Peter!")
        #expect(sms.kind == .incomingSMS)
        #expect(sms.callID == nil)
        #expect(sms.parameters["body"] == "hello Peter!")
        #expect(sms.parameters["sender_realm"] == "mycompany.com")
        #expect(try event("key=8765&event=24&call_id=12345&info=WelcomeMessage.wav").kind == .playbackEnd)
        #expect(try event("event=0&ext=201").kind == .userLogin)
        #expect(try event("event=99").kind == .other(99))
        #expect(try event("EVENT=5&Call_ID=1").callID == "1")
    }

    @Test func routingResultsHaveTheSeedsWords() {
        let words = [0: "OK", 2: "no free resources", 3: "destination unreachable", 4: "busy", 5: "call refused", 7: "timeout",
                     8: "service not enabled for this user", 11: "playing message", 1: "an undocumented routing result"]
        for (code, word) in words { #expect(VOIspeedRoutingResult(rawValue: code).meaning == word) }
    }

    @Test func whatIsNotAnEvent() {
        #expect(throws: VOIspeedEvent.ParseError.missingEvent) { try VOIspeedEvent.parse(query: "key=1&call_id=2") }
        #expect(throws: VOIspeedEvent.ParseError.badEvent("five")) { try VOIspeedEvent.parse(query: "event=five") }
        #expect(throws: VOIspeedEvent.ParseError.badEvent("-1")) { try VOIspeedEvent.parse(query: "event=-1") }
        #expect(throws: VOIspeedEvent.ParseError.badEvent("123456")) { try VOIspeedEvent.parse(query: "event=123456") }
        let huge = Substring("event=5&info=" + String(repeating: "x", count: VOIspeedEvent.queryLimit))
        #expect(throws: VOIspeedEvent.ParseError.tooLarge(huge.utf8.count)) { try VOIspeedEvent.parse(query: huge) }
        // A call id that could not be echoed is no call id.
        #expect((try? VOIspeedEvent.parse(query: "event=5&call_id=%3Cx%3E"))?.callID == nil)
    }
}
