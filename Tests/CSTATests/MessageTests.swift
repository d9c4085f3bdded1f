import Testing
@testable import CSTA

private let device725 = "725:::MV80MTQ4Nzg5MjgwQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk3ODIyMzA2MDQ1MDMxMDIw#MzE3MDY1Nzk5NA=="
private let device722 = "722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVVwVXIlYw=="
private let device722Established = "722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVWVwVXIlYw=="
private let device722Cleared = "722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVVwVXXIlYw=="

@Suite("ECSS-10 responses and events from the seed")
struct EltexMessageTests {
    @Test("StartApplicationSessionPosResponse (sample 2): sessionID, version, granted duration")
    func startPosResponse() throws {
        #expect(try message(EltexSeed.startApplicationSessionPosResponse) == .startApplicationSessionPosResponse(
            sessionID: "f76e5fe9c5e0d444",
            actualProtocolVersion: "http://www.ecma-international.org/standards/ecma-323/csta/ed3",
            actualSessionDuration: 300))
    }

    @Test("the other session responses (samples 4 and 6)")
    func sessionResponses() throws {
        #expect(try message(EltexSeed.resetApplicationSessionTimerPosResponse) == .resetApplicationSessionTimerPosResponse(actualSessionDuration: 500))
        #expect(try message(EltexSeed.stopApplicationSessionPosResponse) == .stopApplicationSessionPosResponse)
    }

    @Test("MonitorStartResponse (sample 8)")
    func monitorStartResponse() throws {
        #expect(try message(EltexSeed.monitorStartResponse) == .monitorStartResponse(monitorCrossRefID: "DMON:f76e605590f2bc03"))
    }

    @Test("ServiceInitiatedEvent (sample 9)")
    func serviceInitiated() throws {
        #expect(try message(EltexSeed.serviceInitiatedEvent) == .event(CSTACallEvent(
            kind: .serviceInitiated, monitorCrossRefID: "DMON:f76e9c86851a2adc",
            connection: CSTAConnectionID(deviceID: device725, callID: "f76e9d66720eb32d"),
            subjectDevice: device725, calledDevice: nil, cause: "newCall")))
    }

    @Test("DeliveredEvent (sample 10)")
    func delivered() throws {
        #expect(try message(EltexSeed.deliveredEvent) == .event(CSTACallEvent(
            kind: .delivered, monitorCrossRefID: "DMON:f76e9c7a2075e497",
            connection: CSTAConnectionID(deviceID: device722, callID: "f76e9d66720eb32d"),
            subjectDevice: device722, callingDevice: device725, calledDevice: device722, cause: "newCall")))
    }

    @Test("EstablishedEvent (sample 11): the answering device is B")
    func established() throws {
        let decoded = try message(EltexSeed.establishedEvent)
        #expect(decoded == .event(CSTACallEvent(
            kind: .established, monitorCrossRefID: "DMON:f76e9c7a2075e497",
            connection: CSTAConnectionID(deviceID: device722Established, callID: "f76e9d66720eb32d"),
            subjectDevice: device722Established, callingDevice: device722Established, calledDevice: nil, cause: "normal")))
        guard case .event(let event) = decoded else { return }
        #expect(CSTADevice.number(of: event.subjectDevice!) == "722")
    }

    @Test("OriginatedEvent (sample 12)")
    func originated() throws {
        #expect(try message(EltexSeed.originatedEvent) == .event(CSTACallEvent(
            kind: .originated, monitorCrossRefID: "DMON:f76e9c86851a2adc",
            connection: CSTAConnectionID(deviceID: device725, callID: "f76e9d66720eb32d"),
            subjectDevice: device725, callingDevice: device725, calledDevice: nil,
            localConnectionInfo: "connected", cause: "normal")))
    }

    @Test("ConnectionClearedEvent (sample 13), extensions ignored")
    func connectionCleared() throws {
        #expect(try message(EltexSeed.connectionClearedEvent) == .event(CSTACallEvent(
            kind: .connectionCleared, monitorCrossRefID: "DMON:f76e9c7a2075e497",
            connection: CSTAConnectionID(deviceID: device722Cleared, callID: "f76e9d66720eb32d"),
            subjectDevice: device722Cleared, cause: "normalClearing")))
    }

    @Test("MakeCallResponse (sample 15): A's dynamic connection, kept verbatim")
    func makeCallResponse() throws {
        let decoded = try message(EltexSeed.makeCallResponse)
        let device = "725:::QkE6Zjc2ZjI1NDBlYmU5MGY0NjpmNzZmMjU0MjUwYTazODl1#ZWNzc08xNTEwNzk4NDA1ODI3ODI4MDE2MTE2MTE=#MTEyMzg5MDIxMQ=="
        #expect(decoded == .makeCallResponse(CSTAConnectionID(deviceID: device, callID: "f76f2540ebe90f46")))
        #expect(decoded.isResponse)
    }

    @Test("empty ClearConnection and ClearCall responses (samples 21, 23)")
    func clearResponses() throws {
        #expect(try message(EltexSeed.clearConnectionResponse) == .clearConnectionResponse)
        #expect(try message(EltexSeed.clearCallResponse) == .clearCallResponse)
    }

    @Test("SnapshotDeviceResponse (sample 25): one call with two alerting states")
    func snapshotResponse() throws {
        let device = "725:::MV8xNDYlMzg4MjgyQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk4NzkyMTAwODI5MDMxMDMw#NDAzODU3NTA5OQ=="
        #expect(try message(EltexSeed.snapshotDeviceResponse) == .snapshotDeviceResponse([
            CSTASnapshotCall(connection: CSTAConnectionID(deviceID: device, callID: "f76f7f32a8b2112e"),
                             localConnectionStates: ["alerting", "alerting"]),
        ]))
    }

    @Test("responses to services Tocsin never requests are unknown, not errors (samples 17, 19, 27, 29)")
    func unknownResponses() throws {
        #expect(try message(EltexSeed.holdCallResponse) == .unknown(name: "HoldCallResponse"))
        #expect(try message(EltexSeed.retrieveCallResponse) == .unknown(name: "RetrieveCallResponse"))
        #expect(try message(EltexSeed.answerCallResponse) == .unknown(name: "AnswerCallResponse"))
        #expect(try message(EltexSeed.singleStepTransferCallResponse) == .unknown(name: "SingleStepTransferCallResponse"))
        #expect(!(try message(EltexSeed.holdCallResponse)).isResponse)
    }
}

@Suite("Uni-tel responses and events (the seed's JSON, written as XML of the same structure)")
struct UniTelMessageTests {
    @Test("StartApplicationSessionPosResponse grants 20 s for 60 asked")
    func startPosResponse() throws {
        let xml = "<StartApplicationSessionPosResponse><sessionID>2e853292-bacf-418e-aa1e-86d9a88ea942</sessionID><actualProtocolVersion>http://www.ecma-international.org/standards/ecma-323/csta/ed3</actualProtocolVersion><actualSessionDuration>20</actualSessionDuration></StartApplicationSessionPosResponse>"
        #expect(try message(xml) == .startApplicationSessionPosResponse(
            sessionID: "2e853292-bacf-418e-aa1e-86d9a88ea942",
            actualProtocolVersion: "http://www.ecma-international.org/standards/ecma-323/csta/ed3", actualSessionDuration: 20))
    }

    @Test("MakeCallResponse from the seed's XML example: callID first, deviceId casing")
    func makeCallResponse() throws {
        let xml = "<MakeCallResponse>\n  <callingDevice>\n    <callID>SIP/hpbx-000000bc</callID>\n    <deviceId>123</deviceId>\n  </callingDevice>\n</MakeCallResponse>"
        #expect(try message(xml) == .makeCallResponse(CSTAConnectionID(deviceID: "123", callID: "SIP/hpbx-000000bc")))
    }

    @Test("SnapshotDeviceResponse with several connectionIdentifiers and privateData")
    func snapshot() throws {
        let xml = "<SnapshotDeviceResponse><serviceCrossRefID>12345678.pbx.one-connect.dk</serviceCrossRefID><snapshotData><snapshotDeviceResponseInfo><connectionIdentifier><callID>SIP/hpbx-0000214e</callID><deviceId>123</deviceId><privateData><local_status>Active</local_status><remote_user>124</remote_user></privateData></connectionIdentifier><connectionIdentifier><callID>Local/91890743@transfer-00000bde;2</callID><deviceId>123</deviceId></connectionIdentifier></snapshotDeviceResponseInfo></snapshotData></SnapshotDeviceResponse>"
        #expect(try message(xml) == .snapshotDeviceResponse([
            CSTASnapshotCall(connection: CSTAConnectionID(deviceID: "123", callID: "SIP/hpbx-0000214e")),
            CSTASnapshotCall(connection: CSTAConnectionID(deviceID: "123", callID: "Local/91890743@transfer-00000bde;2")),
        ]))
    }

    @Test("DeliveredEvent with deviceIdIdentifier and a null redirection device")
    func delivered() throws {
        let xml = "<DeliveredEvent><monitorCrossRefID>123-1444294019863</monitorCrossRefID><connection><callID>SIP/hpbx-0000038e</callID><deviceId>123</deviceId></connection><alertingDevice><deviceIdIdentifier>123</deviceIdIdentifier></alertingDevice><callingDevice><deviceIdIdentifier>321</deviceIdIdentifier></callingDevice><calledDevice><deviceIdIdentifier>123</deviceIdIdentifier></calledDevice><lastRedirectionDevice><deviceIdIdentifier></deviceIdIdentifier></lastRedirectionDevice><localConnectionInfo>alerting</localConnectionInfo><cause>newCall</cause><networkCallingDevice><deviceIdIdentifier>123</deviceIdIdentifier></networkCallingDevice></DeliveredEvent>"
        #expect(try message(xml) == .event(CSTACallEvent(
            kind: .delivered, monitorCrossRefID: "123-1444294019863",
            connection: CSTAConnectionID(deviceID: "123", callID: "SIP/hpbx-0000038e"),
            subjectDevice: "123", callingDevice: "321", calledDevice: "123", localConnectionInfo: "alerting", cause: "newCall")))
    }

    @Test("EstablishedEvent with deviceID and deviceIdentifier, 'notKnown' as a value")
    func established() throws {
        let xml = "<EstablishedEvent><monitorCrossRefID>2314-1444294019863</monitorCrossRefID><establishedConnection><callID>SIP/hpbx-0000038d</callID><deviceID>321</deviceID></establishedConnection><answeringDevice><deviceIdentifier>123</deviceIdentifier></answeringDevice><callingDevice><deviceIdentifier>321</deviceIdentifier></callingDevice><calledDevice><deviceIdentifier>123</deviceIdentifier></calledDevice><localConnectionInfo>connected</localConnectionInfo><cause>normal</cause><associatedCallingDevice><deviceIdentifier>notKnown</deviceIdentifier></associatedCallingDevice></EstablishedEvent>"
        #expect(try message(xml) == .event(CSTACallEvent(
            kind: .established, monitorCrossRefID: "2314-1444294019863",
            connection: CSTAConnectionID(deviceID: "321", callID: "SIP/hpbx-0000038d"),
            subjectDevice: "123", callingDevice: "321", calledDevice: "123", localConnectionInfo: "connected", cause: "normal")))
    }

    @Test("ConnectionClearedEvent with localConnectionInfo 'null'")
    func connectionCleared() throws {
        let xml = "<ConnectionClearedEvent><monitorCrossRefID>123-1444294019863</monitorCrossRefID><droppedConnection><callID>SIP/hpbx-0000038e</callID><deviceID>123</deviceID></droppedConnection><releasingDevice><deviceIdentifier>123</deviceIdentifier></releasingDevice><localConnectionInfo>null</localConnectionInfo><cause>normalClearing</cause></ConnectionClearedEvent>"
        #expect(try message(xml) == .event(CSTACallEvent(
            kind: .connectionCleared, monitorCrossRefID: "123-1444294019863",
            connection: CSTAConnectionID(deviceID: "123", callID: "SIP/hpbx-0000038e"),
            subjectDevice: "123", localConnectionInfo: "null", cause: "normalClearing")))
    }

    @Test("ApplicationSessionTerminated with sessionTimerExpired")
    func terminated() throws {
        let xml = "<ApplicationSessionTerminated><sessionID>2e853292-bacf-418e-aa1e-86d9a88ea942</sessionID><sessionTermReason><definedTermReason>sessionTimerExpired</definedTermReason></sessionTermReason></ApplicationSessionTerminated>"
        let decoded = try message(xml)
        #expect(decoded == .applicationSessionTerminated(sessionID: "2e853292-bacf-418e-aa1e-86d9a88ea942", reason: "sessionTimerExpired"))
        #expect(!decoded.isResponse)
    }

    @Test("CSTAErrorCode with Uni-tel's details field")
    func errorCode() throws {
        let xml = "<CSTAErrorCode><security>securityInfoViolated</security><details>Explanation of error</details></CSTAErrorCode>"
        let decoded = try message(xml)
        #expect(decoded == .errorCode(CSTAErrorCode(category: "security", value: "securityInfoViolated", details: "Explanation of error")))
        #expect(decoded.isResponse)
        #expect(CSTAErrorCode(category: "security", value: "securityInfoViolated", details: "Explanation of error").description
                == "security securityInfoViolated (Explanation of error)")
    }

    @Test("ResetApplicationSessionTimerPosResponse and an empty ClearConnectionResponse")
    func smallResponses() throws {
        #expect(try message("<ResetApplicationSessionTimerPosResponse><actualSessionDuration>123</actualSessionDuration></ResetApplicationSessionTimerPosResponse>")
                == .resetApplicationSessionTimerPosResponse(actualSessionDuration: 123))
        #expect(try message("<ClearConnectionResponse/>") == .clearConnectionResponse)
        #expect(try message("<MonitorStartResponse><monitorCrossRefID>123-1444294019863</monitorCrossRefID></MonitorStartResponse>")
                == .monitorStartResponse(monitorCrossRefID: "123-1444294019863"))
    }
}

@Suite("Messages: casing variants, errors, server requests, hostile documents")
struct MessageEdgeTests {
    @Test("every event reads deviceID, deviceId and DEVICEID alike", arguments: CSTACallEvent.Kind.allCases, ["deviceID", "deviceId", "DeviceID"])
    func casing(kind: CSTACallEvent.Kind, deviceElement: String) throws {
        let xml = "<\(kind.rawValue) xmlns=\"http://www.ecma-international.org/standards/ecma-323/csta/ed3\"><monitorCrossRefID>DMON:1</monitorCrossRefID><\(kind.connectionElement)><\(deviceElement) typeOfNumber=\"dialingNumber\">722:::abc</\(deviceElement)><callID>f76e</callID></\(kind.connectionElement)><cause>busy</cause></\(kind.rawValue)>"
        #expect(try message(xml) == .event(CSTACallEvent(
            kind: kind, monitorCrossRefID: "DMON:1", connection: CSTAConnectionID(deviceID: "722:::abc", callID: "f76e"), cause: "busy")))
    }

    @Test("FailedEvent and CallClearedEvent, which the seeds do not show")
    func failedAndCallCleared() throws {
        let failed = "<FailedEvent><monitorCrossRefID>DMON:2</monitorCrossRefID><failedConnection><deviceID>722:::x</deviceID><callID>c1</callID></failedConnection><failingDevice><deviceIdentifier>722:::x</deviceIdentifier></failingDevice><callingDevice><deviceIdentifier>725</deviceIdentifier></callingDevice><calledDevice><deviceIdentifier>722</deviceIdentifier></calledDevice><localConnectionInfo>fail</localConnectionInfo><cause>busy</cause></FailedEvent>"
        #expect(try message(failed) == .event(CSTACallEvent(
            kind: .failed, monitorCrossRefID: "DMON:2", connection: CSTAConnectionID(deviceID: "722:::x", callID: "c1"),
            subjectDevice: "722:::x", callingDevice: "725", calledDevice: "722", localConnectionInfo: "fail", cause: "busy")))
        let cleared = "<CallClearedEvent><monitorCrossRefID>DMON:2</monitorCrossRefID><clearedCall><callID>c1</callID></clearedCall><cause>normalClearing</cause></CallClearedEvent>"
        #expect(try message(cleared) == .event(CSTACallEvent(
            kind: .callCleared, monitorCrossRefID: "DMON:2", connection: CSTAConnectionID(deviceID: nil, callID: "c1"), cause: "normalClearing")))
    }

    @Test("namespace prefixes and misspelled namespaces are ignored")
    func prefixes() throws {
        let xml = #"<csta:MonitorStartResponse xmlns:csta="hhttp://www.ecma-international.org/standards/ecma- 323/csta/ed4"><csta:monitorCrossRefID>DMON:9</csta:monitorCrossRefID></csta:MonitorStartResponse>"#
        #expect(try message(xml) == .monitorStartResponse(monitorCrossRefID: "DMON:9"))
    }

    @Test("NegResponses carry definedError or applError")
    func negResponses() throws {
        let defined = #"<StartApplicationSessionNegResponse xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session"><errorCode><definedError>invalidApplicationInfo</definedError></errorCode></StartApplicationSessionNegResponse>"#
        #expect(try message(defined) == .startApplicationSessionNegResponse(CSTASessionError(kind: .defined, value: "invalidApplicationInfo")))
        #expect(CSTASessionError(kind: .defined, value: "invalidApplicationInfo").description == "invalidApplicationInfo (check the login credentials)")
        let appl = "<ResetApplicationSessionTimerNegResponse><errorCode><applError>session gone</applError></errorCode></ResetApplicationSessionTimerNegResponse>"
        #expect(try message(appl) == .resetApplicationSessionTimerNegResponse(CSTASessionError(kind: .application, value: "session gone")))
        #expect(try message("<StopApplicationSessionNegResponse><errorCode><definedError>invalidSessionID</definedError></errorCode></StopApplicationSessionNegResponse>")
                == .stopApplicationSessionNegResponse(CSTASessionError(kind: .defined, value: "invalidSessionID")))
    }

    @Test("the ECMA-323 CSTAErrorCode categories, and an empty unspecified one")
    func errorCodes() throws {
        #expect(try message(#"<CSTAErrorCode xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><operation>invalidDeviceID</operation></CSTAErrorCode>"#)
                == .errorCode(CSTAErrorCode(category: "operation", value: "invalidDeviceID")))
        #expect(try message("<CSTAErrorCode><systemResourceAvailibility>calledDeviceOutOfService</systemResourceAvailibility></CSTAErrorCode>")
                == .errorCode(CSTAErrorCode(category: "systemResourceAvailibility", value: "calledDeviceOutOfService")))
        #expect(try message("<CSTAErrorCode><unspecified/></CSTAErrorCode>") == .errorCode(CSTAErrorCode(category: "unspecified", value: "")))
    }

    @Test("SystemStatus is a server request; unknown events are unknown")
    func serverRequestsAndUnknown() throws {
        #expect(try message("<SystemStatus><systemStatus>normal</systemStatus></SystemStatus>") == .systemStatus(status: "normal"))
        #expect(try message("<DivertedEvent><monitorCrossRefID>1</monitorCrossRefID></DivertedEvent>") == .unknown(name: "DivertedEvent"))
    }

    @Test("a missing required field is named")
    func missingFields() {
        #expect(throws: CSTADecodingError.missingField(message: "StartApplicationSessionPosResponse", path: "sessionID")) {
            try message("<StartApplicationSessionPosResponse><actualSessionDuration>20</actualSessionDuration></StartApplicationSessionPosResponse>")
        }
        #expect(throws: CSTADecodingError.missingField(message: "MonitorStartResponse", path: "monitorCrossRefID")) {
            try message("<MonitorStartResponse/>")
        }
    }

    @Test("absurd or missing durations count as absent, so the requested one applies")
    func durations() throws {
        #expect(try message("<ResetApplicationSessionTimerPosResponse><actualSessionDuration>-5</actualSessionDuration></ResetApplicationSessionTimerPosResponse>")
                == .resetApplicationSessionTimerPosResponse(actualSessionDuration: nil))
        #expect(try message("<ResetApplicationSessionTimerPosResponse><actualSessionDuration>soon</actualSessionDuration></ResetApplicationSessionTimerPosResponse>")
                == .resetApplicationSessionTimerPosResponse(actualSessionDuration: nil))
    }

    @Test("a DOCTYPE is refused before any entity is expanded")
    func doctype() {
        let billion = #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><MakeCallResponse><callingDevice><callID>&lol2;</callID></callingDevice></MakeCallResponse>"#
        #expect(throws: CSTADecodingError.documentTypeDeclaration) { try message(billion) }
        let external = #"<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:1/x.dtd"><x/>"#
        #expect(throws: CSTADecodingError.documentTypeDeclaration) { try message(external) }
    }

    @Test("oversized, empty and broken documents are refused with a reason")
    func broken() throws {
        let reader = CSTAXMLReader(maximumDocumentSize: 64)
        #expect(throws: CSTADecodingError.documentTooLarge(size: 65, limit: 64)) {
            try reader.read([UInt8](repeating: 0x20, count: 65))
        }
        #expect(throws: CSTADecodingError.emptyDocument) { try message(" \r\n") }
        do {
            _ = try message("<MakeCallResponse><callingDevice></MakeCallResponse>")
            Issue.record("a mismatched tag was accepted")
        } catch {
            guard case .notWellFormed(let reason, let line, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(line == 1)
            #expect(reason.contains("MakeCallResponse"))
        }
    }

    @Test("device numbers are compared on the part before ':::' or '@'")
    func deviceNumbers() {
        #expect(CSTADevice.number(of: device725) == "725")
        #expect(CSTADevice.number(of: "123@12345678.pbx.one-connect.dk") == "123")
        #expect(CSTADevice.number(of: " 722 ") == "722")
        #expect(CSTADevice.sameNumber(device722, "722"))
        #expect(!CSTADevice.sameNumber(device722, "7221"))
        #expect(!CSTADevice.sameNumber(nil, "722"))
        #expect(!CSTADevice.sameNumber("", ""))
    }
}
