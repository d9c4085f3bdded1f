import Testing
@testable import ESPAX

@Suite("XML reading: every request of espax.md, with exact fields")
struct ESPAXXMLReaderTests {
    @Test("REQ.LOGIN from the example exchange (§11)")
    func loginExample() throws {
        let document = try read(#"""
        <?xml version="1.0" encoding="UTF-8"?>
        <ESPA-X xmlns="http://ns.espa-x.org/espa-x" version="1.00" timestamp="2025-01-01T12:00:00">
          <REQ.LOGIN invokeID="1"><LI-CLIENT>NurseCall-1</LI-CLIENT><LI-CLIENTSW>nc 2.1</LI-CLIENTSW>
            <LI-USER>ncall</LI-USER><LI-PASSWORD>secret1</LI-PASSWORD></REQ.LOGIN></ESPA-X>
        """#)
        #expect(document == ESPAXDocument(
            name: "REQ.LOGIN", invokeIDText: "1", sessionID: nil,
            fields: ["LI-CLIENT": "NurseCall-1", "LI-CLIENTSW": "nc 2.1", "LI-USER": "ncall", "LI-PASSWORD": "secret1"],
            version: "1.00", isNamespaced: true))
        #expect(document.invokeID == 1)
        #expect(try ESPAXRequest(document) == .login(ESPAXLoginRequest(client: "NurseCall-1", clientSoftware: "nc 2.1", user: "ncall", password: "secret1")))
    }

    @Test("REQ.P-START from the example exchange (§11)")
    func processStartExample() throws {
        let document = try read(#"""
        <ESPA-X xmlns="http://ns.espa-x.org/espa-x" version="1.00" timestamp="2025-01-01T12:00:05">
          <REQ.P-START invokeID="2" sessionID="S0001"><CP-PR-REF>nc-0815-1</CP-PR-REF>
            <CP-GROUPID>0815</CP-GROUPID><CP-TEXTMSG>FIRE ZONE 12 FLOOR 3</CP-TEXTMSG>
            <CP-PRIO>Emergency</CP-PRIO><CP-ATTEMPTS>1</CP-ATTEMPTS></REQ.P-START></ESPA-X>
        """#)
        #expect(document.name == "REQ.P-START")
        #expect(document.invokeID == 2)
        #expect(document.sessionID == "S0001")
        #expect(document.fields == ["CP-PR-REF": "nc-0815-1", "CP-GROUPID": "0815", "CP-TEXTMSG": "FIRE ZONE 12 FLOOR 3", "CP-PRIO": "Emergency", "CP-ATTEMPTS": "1"])
        let request = try #require(try ESPAXRequest(document))
        #expect(request == .processStart(ESPAXProcessStartRequest(
            reference: "nc-0815-1", groupID: "0815", text: "FIRE ZONE 12 FLOOR 3", priority: .emergency, attempts: 1)))
    }

    @Test("REQ.HEARTBEAT from the example exchange (§11), namespaced and without xmlns")
    func heartbeat() throws {
        let namespaced = try read(#"<ESPA-X xmlns="http://ns.espa-x.org/espa-x" version="1.00"><REQ.HEARTBEAT invokeID="3" sessionID="S0001"/></ESPA-X>"#)
        #expect(namespaced == ESPAXDocument(name: "REQ.HEARTBEAT", invokeIDText: "3", sessionID: "S0001", fields: [:], version: "1.00", isNamespaced: true))
        let bare = try read(#"<?xml version="1.0"?><ESPA-X version="1.00"><REQ.HEARTBEAT invokeID="0" sessionID="S0001"></REQ.HEARTBEAT></ESPA-X>"#)
        #expect(bare == ESPAXDocument(name: "REQ.HEARTBEAT", invokeIDText: "0", sessionID: "S0001", fields: [:], version: "1.00", isNamespaced: false))
        #expect(try ESPAXRequest(bare) == .heartbeat)
    }

    @Test("REQ.LOGIN as the tetronik client sends it: no xmlns, standalone declaration, invokeID 0")
    func tetronikLogin() throws {
        let document = try read(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><ESPA-X version="1.00" timestamp="2025-03-04T05:06:07"><REQ.LOGIN invokeID="0"><LI-CLIENT>Node-RED</LI-CLIENT><LI-CLIENTSW>undefined</LI-CLIENTSW><LI-USER>daks</LI-USER><LI-PASSWORD>pass1234</LI-PASSWORD></REQ.LOGIN></ESPA-X>"#)
        #expect(document.isNamespaced == false)
        #expect(document.invokeID == 0)
        #expect(document["LI-CLIENTSW"] == nil)
        #expect(try ESPAXRequest(document) == .login(ESPAXLoginRequest(client: "Node-RED", user: "daks", password: "pass1234")))
    }

    @Test("REQ.LOGOUT with LO-REASON and PROPRIETARY")
    func logout() throws {
        let document = try read(espax(#"<REQ.LOGOUT invokeID="7" sessionID="S1"><LO-REASON>Normal</LO-REASON><PROPRIETARY><X>1</X></PROPRIETARY></REQ.LOGOUT>"#))
        #expect(document.fields == ["LO-REASON": "Normal"])
        #expect(try ESPAXRequest(document) == .logout(reason: .normal))
    }

    @Test("REQ.S-CONDITION and REQ.S-PARAMETERS")
    func systemRequests() throws {
        let condition = try read(espax(#"<REQ.S-CONDITION invokeID="4" sessionID="S1"/>"#, namespaced: false))
        #expect(try ESPAXRequest(condition) == .condition)
        let parameters = try read(espax(#"<REQ.S-PARAMETERS invokeID="5" sessionID="S1"><PROPRIETARY><P/></PROPRIETARY></REQ.S-PARAMETERS>"#))
        #expect(try ESPAXRequest(parameters) == .parameters)
        #expect(parameters.fields.isEmpty)
    }

    @Test("REQ.P-STOP by SP-PR-TAN, by CP-PR-REF, with a mask")
    func processStop() throws {
        let byTAN = try read(espax(#"<REQ.P-STOP invokeID="8" sessionID="S1"><SP-PR-TAN>18446744073709551615</SP-PR-TAN><CP-PR-MASK>All</CP-PR-MASK></REQ.P-STOP>"#))
        #expect(try ESPAXRequest(byTAN) == .processStop(ESPAXProcessSelector(reference: nil, tan: .max, mask: [.all])))
        let byReference = try read(espax(#"<REQ.P-STOP invokeID="9" sessionID="S1"><CP-PR-REF>nc-1</CP-PR-REF><CP-PR-MASK>Active Queued</CP-PR-MASK></REQ.P-STOP>"#))
        #expect(try ESPAXRequest(byReference) == .processStop(ESPAXProcessSelector(reference: "nc-1", tan: nil, mask: [.active, .queued])))
    }

    @Test("REQ.P-STOP without reference or TAN, or with a TAN that is no number, is refused naming the field")
    func processStopRefused() throws {
        let neither = try read(espax(#"<REQ.P-STOP invokeID="8" sessionID="S1"><CP-PR-MASK>All</CP-PR-MASK></REQ.P-STOP>"#))
        #expect(throws: ESPAXRequestError.missingOneOf(["SP-PR-TAN", "CP-PR-REF"])) { try ESPAXRequest(neither) }
        let bad = try read(espax(#"<REQ.P-STOP invokeID="8" sessionID="S1"><SP-PR-TAN>-4</SP-PR-TAN><CP-PR-MASK>All</CP-PR-MASK></REQ.P-STOP>"#))
        #expect(throws: ESPAXRequestError.invalidField("SP-PR-TAN", value: "-4", expected: "an unsigned 64-bit number")) { try ESPAXRequest(bad) }
    }

    @Test("REQ.P-GETSTAT with and without a selector")
    func processGetStat() throws {
        let all = try read(espax(#"<REQ.P-GETSTAT invokeID="10" sessionID="S1"><CP-PR-MASK>All</CP-PR-MASK></REQ.P-GETSTAT>"#))
        #expect(try ESPAXRequest(all) == .processGetStat(ESPAXProcessQuery()))
        let one = try read(espax(#"<REQ.P-GETSTAT invokeID="11" sessionID="S1"><SP-PR-TAN>42</SP-PR-TAN><CP-PR-MASK>Active Conversation</CP-PR-MASK></REQ.P-GETSTAT>"#))
        let selector = ESPAXProcessSelector(reference: nil, tan: 42, mask: [.active, .conversation])
        #expect(try ESPAXRequest(one) == .processGetStat(ESPAXProcessQuery(selector: selector)))
        #expect(selector.maskIncludes(.active) && selector.maskIncludes(.conversationSetup))
        #expect(!selector.maskIncludes(.queued))
        #expect(selector.matches(reference: "x", tan: 42) && !selector.matches(reference: "x", tan: 43))
    }

    @Test("REQ.P-START with every field")
    func processStartAllFields() throws {
        let document = try read(espax(#"""
        <REQ.P-START invokeID="12" sessionID="S1">
          <CP-PR-REF>ref-1</CP-PR-REF><CP-GROUPID>12</CP-GROUPID><CP-PHONENO>+41(31)531-11*#</CP-PHONENO>
          <CP-CALLINGNO>4711</CP-CALLINGNO><CP-CALLINGNAME>Room 12</CP-CALLINGNAME><CP-TEXTMSG>Bed 2 call</CP-TEXTMSG>
          <CP-SIGNAL>Urgent</CP-SIGNAL><CP-WARD>W3</CP-WARD><CP-BED>2</CP-BED><CP-EVENT>nurse call</CP-EVENT>
          <CP-CALLBACK>NC-IF-DTMF</CP-CALLBACK><CP-DELAY>5</CP-DELAY><CP-ATTEMPTS>3</CP-ATTEMPTS><CP-PRIO>High</CP-PRIO>
          <CP-NCIFNO>NC 1</CP-NCIFNO><CP-CBCKNO>200</CP-CBCKNO><CP-PR-DETAILS>All</CP-PR-DETAILS>
        </REQ.P-START>
        """#))
        let request = try #require(try ESPAXRequest(document))
        #expect(request == .processStart(ESPAXProcessStartRequest(
            reference: "ref-1", groupID: "12", phoneNumber: "+41(31)531-11*#", text: "Bed 2 call", priority: .high,
            signal: .urgent, callingNumber: "4711", callingName: "Room 12", ward: "W3", bed: "2", event: "nurse call",
            callback: .ncIFDTMF, delay: 5, attempts: 3, ncifNumber: "NC 1", callbackNumber: "200", details: .all)))
        if case .processStart(let start) = request { #expect(start.target == .group("12")) }
    }

    @Test("REQ.P-START as the ESP32 client sends it: empty elements are absent, phone is the target")
    func esp32ProcessStart() throws {
        let document = try read(espax(#"<REQ.P-START invokeID="0" sessionID="S1"><CP-PR-REF>esp-1</CP-PR-REF><CP-GROUPID/><CP-PHONENO>123</CP-PHONENO><CP-WARD/><CP-TEXTMSG>Zimmer 4</CP-TEXTMSG><CP-PRIO>Standard</CP-PRIO></REQ.P-START>"#))
        #expect(document.fields == ["CP-PR-REF": "esp-1", "CP-PHONENO": "123", "CP-TEXTMSG": "Zimmer 4", "CP-PRIO": "Standard"])
        guard case .processStart(let start) = try ESPAXRequest(document) else { Issue.record("not a P-START"); return }
        #expect(start.target == .phone("123"))
        #expect(start.ward == nil)
    }

    @Test("tolerance: `undefined`, blanks, lower-case words, over-long text and reference")
    func tolerance() throws {
        let longText = String(repeating: "ä", count: 250)
        let longReference = String(repeating: "r", count: 40)
        let document = try read(espax(#"<REQ.P-START invokeID=" 5 " sessionID="S1"><CP-PR-REF>\#(longReference)</CP-PR-REF><CP-GROUPID>  7 </CP-GROUPID><CP-PHONENO>undefined</CP-PHONENO><CP-TEXTMSG>\#(longText)</CP-TEXTMSG><CP-PRIO>emergency</CP-PRIO><CP-SIGNAL>Loud</CP-SIGNAL><CP-DELAY>70000</CP-DELAY></REQ.P-START>"#))
        #expect(document.invokeID == 5)
        guard case .processStart(let start) = try ESPAXRequest(document) else { Issue.record("not a P-START"); return }
        #expect(start.groupID == "7")
        #expect(start.phoneNumber == nil)
        #expect(start.text == String(repeating: "ä", count: 160))
        #expect(start.reference == String(repeating: "r", count: 32))
        #expect(start.priority == .emergency)
        #expect(start.signal == nil)
        #expect(start.delay == nil)
    }

    @Test("REQ.P-START without CP-GROUPID and CP-PHONENO is refused naming both")
    func processStartWithoutTarget() throws {
        let document = try read(espax(#"<REQ.P-START invokeID="5" sessionID="S1"><CP-PR-REF>x</CP-PR-REF><CP-GROUPID></CP-GROUPID><CP-PHONENO>undefined</CP-PHONENO><CP-TEXTMSG>t</CP-TEXTMSG></REQ.P-START>"#))
        #expect(throws: ESPAXRequestError.missingOneOf(["CP-GROUPID", "CP-PHONENO"])) { try ESPAXRequest(document) }
    }

    @Test("names match locally: prefixed elements, foreign prefixes, repeated fields keep the first")
    func localNames() throws {
        let document = try read(#"<ex:ESPA-X xmlns:ex="http://ns.espa-x.org/espa-x" version="1.00"><ex:REQ.P-START invokeID="1" sessionID="S1"><ex:CP-GROUPID>1</ex:CP-GROUPID><ex:CP-GROUPID>2</ex:CP-GROUPID><ex:CP-TEXTMSG>a &amp; b &lt;c&gt; &#228;</ex:CP-TEXTMSG></ex:REQ.P-START></ex:ESPA-X>"#)
        #expect(document.name == "REQ.P-START")
        #expect(document.isNamespaced)
        #expect(document.fields == ["CP-GROUPID": "1", "CP-TEXTMSG": "a & b <c> ä"])
    }

    @Test("CDATA and character references are read as text")
    func cdata() throws {
        let document = try read(espax(#"<REQ.P-START invokeID="1" sessionID="S1"><CP-GROUPID>1</CP-GROUPID><CP-TEXTMSG><![CDATA[<Fire> & smoke]]> &#x263A;</CP-TEXTMSG></REQ.P-START>"#))
        #expect(document["CP-TEXTMSG"] == "<Fire> & smoke ☺")
    }

    @Test("an unknown request name reads, but is no known request")
    func unknownRequest() throws {
        let document = try read(espax(#"<REQ.P-CALL invokeID="1" sessionID="S1"/>"#))
        #expect(document.kind == .request)
        #expect(try ESPAXRequest(document) == nil)
    }

    @Test("REQ.LOGIN without LI-USER or LI-PASSWORD is refused naming the field")
    func loginMissingFields() throws {
        let noUser = try read(espax(#"<REQ.LOGIN invokeID="1"><LI-CLIENT>c</LI-CLIENT><LI-PASSWORD>pppp</LI-PASSWORD></REQ.LOGIN>"#))
        #expect(throws: ESPAXRequestError.missingField("LI-USER")) { try ESPAXRequest(noUser) }
        let noPassword = try read(espax(#"<REQ.LOGIN invokeID="1"><LI-CLIENT>c</LI-CLIENT><LI-USER>uuuu</LI-USER><LI-PASSWORD> </LI-PASSWORD></REQ.LOGIN>"#))
        #expect(throws: ESPAXRequestError.missingField("LI-PASSWORD")) { try ESPAXRequest(noPassword) }
        let noClient = try read(espax(#"<REQ.LOGIN invokeID="1"><LI-USER>uuuu</LI-USER><LI-PASSWORD>pppp</LI-PASSWORD></REQ.LOGIN>"#))
        #expect(throws: ESPAXRequestError.missingField("LI-CLIENT")) { try ESPAXRequest(noClient) }
    }

    @Test("the login's description never shows the password")
    func loginDescription() {
        let login = ESPAXLoginRequest(client: "c", user: "nurse", password: "s3cr3t-pw")
        #expect(!login.description.contains("s3cr3t-pw"))
        #expect(login.description == "REQ.LOGIN client=c software=- user=nurse")
    }
}
