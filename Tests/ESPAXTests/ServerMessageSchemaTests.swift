#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import ESPAX

/// Every message the server can send, in its smallest and fullest form and with hostile values,
/// validated against `shared/protocols/espa-x/espa-x_v1.xsd`.
@Suite("Server messages against the XSD")
struct ServerMessageSchemaTests {
    static let created = Date(timeIntervalSince1970: 1_735_732_805) // 2025-01-01T12:00:05Z
    static let server = ESPAXServerIdentity()
    static let process = ESPAXProcessIdentity(reference: "nc-0815-1", tan: 42, groupID: "0815")
    static let longText = String(repeating: "Ü<&>\"'\u{7}", count: 80)

    static var allMessages: [ESPAXServerMessage] {
        let ok = ESPAXResponse(invokeID: 3, sessionID: "S0001", code: .ok)
        let withInfo = ESPAXResponse(invokeID: .max, sessionID: "S0001", code: .badRequest, info: longText)
        var messages: [ESPAXServerMessage] = []
        for response in [ok, withInfo] {
            messages += [
                .loginResponse(response, server: server),
                .heartbeatResponse(response),
                .logoutResponse(response),
                .conditionResponse(response, condition: ESPAXServerCondition()),
                .conditionResponse(response, condition: ESPAXServerCondition(health: .problemDetected, hotStandby: nil, load: nil)),
                .parametersResponse(response),
                .processStartResponse(response, reference: "nc-0815-1", tan: 42, load: .normal),
                .processStartResponse(response, reference: nil, tan: 0, load: nil),
                .processStopResponse(response),
                .processGetStatResponse(response),
            ]
        }
        for code in ESPAXResponseCode.allCases {
            messages.append(.error(server: server.name, code: code, info: "\(code.rawValue)"))
            messages.append(.loginResponse(ESPAXResponse(invokeID: 0, sessionID: ESPAXResponse.noSession, code: code), server: server))
        }
        messages.append(.error(server: server.name, code: .notWellFormed, info: nil))
        for health in ESPAXHealth.allCases {
            for load in ESPAXLoad.allCases {
                messages.append(.systemIndication(sessionID: "S0001", condition: ESPAXServerCondition(health: health, hotStandby: true, load: load)))
            }
        }
        for reason in ESPAXShutdownReason.allCases {
            for mode in ESPAXShutdownMode.allCases {
                messages.append(.shutdown(sessionID: "S0001", reason: reason, mode: mode))
            }
        }
        for status in ESPAXProcessStatus.allCases {
            messages.append(.processStarted(ESPAXProcessStarted(sessionID: "S0001", process: process, name: "Fire", created: created, status: status)))
            for result in ESPAXProcessResult.allCases {
                messages.append(.processStatus(ESPAXProcessStatusReport(
                    sessionID: "S0001", process: process, callbackNumber: "200", name: "Fire", created: created,
                    status: status, result: result, answersGetStat: true)))
            }
        }
        messages.append(.processStarted(ESPAXProcessStarted(sessionID: "S", process: ESPAXProcessIdentity(reference: nil, tan: 0))))
        for reason in ESPAXEndReason.allCases {
            for result in ESPAXProcessResult.allCases {
                messages.append(.processEnded(ESPAXProcessEnded(sessionID: "S0001", process: process, name: "Fire", created: created,
                                                                endReason: reason, endInfo: longText, result: result)))
            }
        }
        for direction in ESPAXEventDirection.allCases {
            for status in ESPAXEventStatus.allCases {
                for result in ESPAXEventResult.allCases {
                    messages.append(.processEvent(ESPAXProcessEvent(
                        sessionID: "S0001", reference: "nc-0815-1", tan: 42, networkNumber: "4711", networkName: "Ward 3 nurse",
                        subscriberID: "sub-1", subscriberNumber: "+41 31 531 11 11", subscriberData: longText, key: "5",
                        direction: direction, status: status, result: result)))
                }
            }
        }
        messages.append(.processEvent(ESPAXProcessEvent(sessionID: "S", reference: nil, tan: 1, result: .none)))
        messages.append(.processSync(sessionID: "S0001"))
        return messages
    }

    @Test("the XSD is found beside the repository and loads")
    func schemaLoads() {
        #expect(SchemaValidator.shared.isLoaded, "no schema at \(SchemaValidator.schemaPath)")
    }

    @Test("the validator rejects what the XSD forbids (so a pass means something)")
    func validatorRejects() {
        let missingTAN = espax(#"<RSP.P-START invokeID="1" sessionID="S"><RSP-CODE>200</RSP-CODE><RSP-REASON>OK</RSP-REASON></RSP.P-START>"#)
        #expect(!SchemaValidator.shared.errors(in: missingTAN).isEmpty)
        let noNamespace = espax(#"<RSP.HEARTBEAT invokeID="1" sessionID="S"><RSP-CODE>200</RSP-CODE><RSP-REASON>OK</RSP-REASON></RSP.HEARTBEAT>"#, namespaced: false)
        #expect(!SchemaValidator.shared.errors(in: noNamespace).isEmpty)
        let sessionOnError = espax(#"<IND.ERROR sessionID="S"><LI-SERVER>T</LI-SERVER><RSP-CODE>601</RSP-CODE><RSP-REASON>Not wellformed</RSP-REASON></IND.ERROR>"#)
        #expect(!SchemaValidator.shared.errors(in: sessionOnError).isEmpty)
    }

    @Test("every server message validates, is ASCII and fits 16-bit lengths")
    func everyMessageValidates() {
        let messages = Self.allMessages
        #expect(messages.count == 294)
        for message in messages {
            expectValid(message)
            expectValid(message, timestamp: Self.created)
        }
    }

    @Test("every message name the server can send is covered")
    func coverage() {
        let names = Set(Self.allMessages.map(\.name))
        #expect(names == ["RSP.LOGIN", "RSP.HEARTBEAT", "RSP.LOGOUT", "RSP.S-CONDITION", "RSP.S-PARAMETERS", "RSP.P-START",
                          "RSP.P-STOP", "RSP.P-GETSTAT", "IND.S-SYSTEM", "CMD.SHUTDOWN", "IND.P-STARTED", "IND.P-EVENT",
                          "IND.P-ENDED", "IND.P-STATUS", "IND.P-SYNC", "IND.ERROR"])
    }

    @Test("RSP.P-START matches the example exchange byte for byte")
    func processStartBytes() {
        let message = ESPAXServerMessage.processStartResponse(
            ESPAXResponse(invokeID: 2, sessionID: "S0001", code: .ok), reference: "nc-0815-1", tan: 42, load: nil)
        #expect(message.xml() == #"<?xml version="1.0" encoding="UTF-8"?><ESPA-X xmlns="http://ns.espa-x.org/espa-x" version="1.00"><RSP.P-START invokeID="2" sessionID="S0001"><RSP-CODE>200</RSP-CODE><RSP-REASON>OK</RSP-REASON><CP-PR-REF>nc-0815-1</CP-PR-REF><SP-PR-TAN>42</SP-PR-TAN></RSP.P-START></ESPA-X>"#)
        let frame = message.frame()
        #expect(frame.number == 2)
        #expect(Array(frame.bytes.prefix(6)) == [0x45, 0x58] + EXFrame.bigEndianBytes(UInt32(frame.totalLength)))
    }

    @Test("indications carry sessionID, all matching fields, SP-RESULT and SS-RESULT; header number 0")
    func indicationFields() throws {
        let ended = ESPAXServerMessage.processEnded(ESPAXProcessEnded(
            sessionID: "S0001", process: ESPAXProcessIdentity(reference: "nc-0815-1", tan: 42, groupID: "0815", phoneNumber: "+4131"),
            created: Self.created, endReason: .finished))
        let document = try decoded(ended)
        #expect(document.name == "IND.P-ENDED")
        #expect(document.sessionID == "S0001")
        #expect(document.invokeIDText == nil)
        #expect(document.fields == ["CP-PR-REF": "nc-0815-1", "CP-GROUPID": "0815", "CP-PHONENO": "+4131", "SP-PR-TAN": "42",
                                    "SP-CREATED": "2025-01-01T12:00:05Z", "SP-ENDREASON": "Finished", "SP-RESULT": "None"])
        #expect(ended.headerNumber == 0)
        let event = try decoded(.processEvent(ESPAXProcessEvent(sessionID: "S0001", reference: "r", tan: 1, result: .accepted)))
        #expect(event.fields == ["CP-PR-REF": "r", "SP-PR-TAN": "1", "SS-DIRECTION": "Outbound", "SS-STATUS": "Completed", "SS-RESULT": "Accepted"])
    }

    @Test("values are made to fit: cut to length, pattern characters only, non-ASCII as references, controls as spaces")
    func conformingValues() throws {
        let event = ESPAXServerMessage.processEvent(ESPAXProcessEvent(
            sessionID: String(repeating: "s", count: 40), reference: String(repeating: "r", count: 40), tan: 7,
            networkNumber: "+49 (30) 123", networkName: "Schwester Müller-Lüdenscheidt", key: "12", result: .reached))
        let xml = event.xml()
        #expect(xml.contains(#"sessionID="\#(String(repeating: "s", count: 32))""#))
        #expect(xml.contains("<CP-PR-REF>\(String(repeating: "r", count: 32))</CP-PR-REF>"))
        #expect(xml.contains("<SS-NETW-NO>4930123</SS-NETW-NO>"))
        #expect(xml.contains("<SS-NETW-NAME>Schwester M&#xFC;ller-L&#xFC;densc</SS-NETW-NAME>"))
        #expect(xml.contains("<SS-KEY>1</SS-KEY>"))
        expectValid(event)
        let fields = try decoded(event).fields
        #expect(fields["SS-NETW-NAME"] == "Schwester Müller-Lüdensc")

        let info = ESPAXServerMessage.heartbeatResponse(ESPAXResponse(invokeID: 1, sessionID: "S", code: .ok, info: "a\u{1}b & <c> \"d\""))
        #expect(info.xml().contains("<RSP-INFO>a b &amp; &lt;c&gt; \"d\"</RSP-INFO>"))
        let emptied = ESPAXServerMessage.processStarted(ESPAXProcessStarted(
            sessionID: "S", process: ESPAXProcessIdentity(reference: "  ", tan: 1, groupID: "", phoneNumber: "abc")))
        #expect(try decoded(emptied).fields == ["SP-PR-TAN": "1", "SP-STATUS": "Active"])
        expectValid(emptied)
    }

    @Test("RSP.LOGIN and RSP.LOGOUT always carry RSP-INFO")
    func requiredInfo() throws {
        let login = try decoded(.loginResponse(ESPAXResponse(invokeID: 1, sessionID: "S", code: .unauthorized, info: " "), server: Self.server))
        #expect(login.fields == ["LI-SERVER": "Tocsin", "LI-SERVERSW": "Tocsin 1.0", "RSP-CODE": "401", "RSP-REASON": "Unauthorized", "RSP-INFO": "Unauthorized"])
        let logout = try decoded(.logoutResponse(ESPAXResponse(invokeID: 1, sessionID: "S", code: .ok)))
        #expect(logout.fields["RSP-INFO"] == "OK")
    }

    @Test("refusals take the response form of their request, with its required fields")
    func refusals() throws {
        let response = ESPAXResponse(invokeID: 9, sessionID: "S", code: .authenticationRequired, info: "log in first")
        for name in ESPAXRequest.names {
            let message = ESPAXServerMessage.refusal(of: name, response, server: Self.server, reference: "ref")
            #expect(message.name == "RSP." + name.dropFirst(4))
            expectValid(message)
        }
        let start = try decoded(.refusal(of: "REQ.P-START", response, server: Self.server, reference: "ref"))
        #expect(start.fields == ["RSP-CODE": "407", "RSP-REASON": "Authentication Required", "RSP-INFO": "log in first", "CP-PR-REF": "ref", "SP-PR-TAN": "0"])
        let unknown = ESPAXServerMessage.refusal(of: "REQ.P-CALL", response, server: Self.server)
        #expect(unknown.name == "IND.ERROR")
        expectValid(unknown)
    }

    @Test("timestamps are UTC xs:dateTime", arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (951_782_400.0, "2000-02-29T00:00:00Z"),
        (1_735_732_805.9, "2025-01-01T12:00:05Z"),
        (4_102_444_799.0, "2099-12-31T23:59:59Z"),
        (-1.0, "1969-12-31T23:59:59Z"),
        (253_402_300_799.0, "9999-12-31T23:59:59Z"),
        (253_402_300_800.0, "10000-01-01T00:00:00Z"),
    ])
    func timestamps(seconds: Double, text: String) {
        #expect(ESPAXTimestamp.string(from: Date(timeIntervalSince1970: seconds)) == text)
    }
}
