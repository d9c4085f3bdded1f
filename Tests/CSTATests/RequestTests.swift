import Testing
@testable import CSTA

private let eltex = CSTADialect.eltexECSS10
private let uniTel = CSTADialect.uniTel(pbxDomain: "12345678.pbx.one-connect.dk")

private func xml(_ request: CSTARequest, _ dialect: CSTADialect) -> String {
    String(decoding: request.document(in: dialect), as: UTF8.self)
}

/// The seed's ClearConnection device ID (sample 20), with the PDF line break removed.
let seedClearConnectionDevice = "722:::QkE6Zjc2ZjUzZDlhODk3NzIyODpmNzZmNTNlM2QzMjVmNGJh#ZWNzc08xNTEwNzk4NjA2MTEwMDUzMDE3NTg2MTE=#MzVhdnl1OXJ5MTgzZQ=="

@Suite("Requests written for ECSS-10, against the seed's samples")
struct EltexRequestTests {
    @Test("StartApplicationSession with the SessionLoginInfo login: exact bytes, and the seed's sample 1 element for element")
    func startApplicationSession() throws {
        let request = CSTARequest.startApplicationSession(
            applicationID: "Eltex ECSS-10 CSTA adapter", login: .eltex(userName: "p.city", password: "1234"), requestedSessionDuration: 300)
        #expect(xml(request, eltex) == #"<?xml version="1.0" encoding="UTF-8"?><StartApplicationSession xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session"><applicationInfo><applicationID>Eltex ECSS-10 CSTA adapter</applicationID><applicationSpecificInfo><ns1:SessionLoginInfo xmlns:ns1="http://www.eltex.org/csta"><ns1:userName>p.city</ns1:userName><ns1:password>1234</ns1:password></ns1:SessionLoginInfo></applicationSpecificInfo></applicationInfo><requestedProtocolVersions><protocolVersion>http://www.ecma-international.org/standards/ecma-323/csta/ed3</protocolVersion></requestedProtocolVersions><requestedSessionDuration>300</requestedSessionDuration></StartApplicationSession>"#)
        #expect(normalized(try element(xml(request, eltex))) == normalized(try element(EltexSeed.startApplicationSession)))
    }

    @Test("ResetApplicationSessionTimer matches sample 3")
    func reset() throws {
        let request = CSTARequest.resetApplicationSessionTimer(sessionID: "f76e5fe9c5e0d444", requestedSessionDuration: 500)
        #expect(xml(request, eltex) == #"<?xml version="1.0" encoding="UTF-8"?><ResetApplicationSessionTimer xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session"><sessionID>f76e5fe9c5e0d444</sessionID><requestedSessionDuration>500</requestedSessionDuration></ResetApplicationSessionTimer>"#)
        #expect(normalized(try element(xml(request, eltex))) == normalized(try element(EltexSeed.resetApplicationSessionTimer)))
    }

    @Test("StopApplicationSession matches sample 5")
    func stop() throws {
        let request = CSTARequest.stopApplicationSession(sessionID: "f76e5fe9c5e0d444")
        #expect(normalized(try element(xml(request, eltex))) == normalized(try element(EltexSeed.stopApplicationSession)))
    }

    @Test("MonitorStart is sample 7 with one change: failed events are reported (false)")
    func monitorStart() throws {
        let request = CSTARequest.monitorStart(device: "725")
        var seed = normalized(try element(EltexSeed.monitorStart))
        let filter = try #require(seed.children.firstIndex { $0.name == "requestedMonitorFilter" })
        let failed = try #require(seed.children[filter].children[0].children.firstIndex { $0.name == "failed" })
        #expect(seed.children[filter].children[0].children[failed].text == "true")
        seed.children[filter].children[0].children[failed].text = "false"
        #expect(normalized(try element(xml(request, eltex))) == seed)
    }

    @Test("MakeCall is the worked 271-byte body of csta.md, and sample 14")
    func makeCall() throws {
        let request = CSTARequest.makeCall(callingDevice: "725", calledDirectoryNumber: "722")
        #expect(xml(request, eltex) == workedMakeCall)
        #expect(normalized(try element(xml(request, eltex))) == normalized(try element(EltexSeed.makeCall)))
        var prompting = eltex
        prompting.autoOriginate = .doNotPrompt
        #expect(xml(request, prompting).hasSuffix("<autoOriginate>doNotPrompt</autoOriginate></MakeCall>"))
    }

    @Test("ClearConnection echoes the dynamic device ID verbatim (sample 20)")
    func clearConnection() throws {
        let request = CSTARequest.clearConnection(CSTAConnectionID(deviceID: seedClearConnectionDevice, callID: "f76f53d9a8977228"))
        #expect(xml(request, eltex) == #"<?xml version="1.0" encoding="UTF-8"?><ClearConnection xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><connectionToBeCleared><deviceID typeOfNumber="dialingNumber">"# + seedClearConnectionDevice + #"</deviceID><callID>f76f53d9a8977228</callID></connectionToBeCleared></ClearConnection>"#)
        #expect(normalized(try element(xml(request, eltex))) == normalized(try element(EltexSeed.clearConnection)))
    }

    @Test("ClearCall matches sample 22")
    func clearCall() throws {
        let seed = try element(EltexSeed.clearCall)
        let device = try #require(seed.descendant("callToBeCleared", "deviceID")?.value)
        let request = CSTARequest.clearCall(CSTAConnectionID(deviceID: device, callID: "f76f659f3ec18f55"))
        #expect(normalized(try element(xml(request, eltex))) == normalized(seed))
    }

    @Test("SnapshotDevice matches sample 24")
    func snapshot() throws {
        let request = CSTARequest.snapshotDevice(device: "725")
        #expect(xml(request, eltex) == #"<?xml version="1.0" encoding="UTF-8"?><SnapshotDevice xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><snapshotObject typeOfNumber="dialingNumber">725</snapshotObject></SnapshotDevice>"#)
        #expect(normalized(try element(xml(request, eltex))) == normalized(try element(EltexSeed.snapshotDevice)))
    }

    @Test("MonitorStop and the SystemStatus answer")
    func monitorStopAndSystemStatus() {
        #expect(xml(.monitorStop(crossRefID: "DMON:f76e605590f2bc03"), eltex) == #"<?xml version="1.0" encoding="UTF-8"?><MonitorStop xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><monitorCrossRefID>DMON:f76e605590f2bc03</monitorCrossRefID></MonitorStop>"#)
        #expect(xml(.systemStatusResponse, eltex) == #"<?xml version="1.0" encoding="UTF-8"?><SystemStatusResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"/>"#)
    }

    @Test("text and attributes are escaped, forbidden controls become spaces, Cyrillic stays UTF-8")
    func escaping() throws {
        let request = CSTARequest.startApplicationSession(
            applicationID: "Tocsin <ward 3> & \"ICU\"\u{1}", login: .eltex(userName: "домен", password: "p<&>\"'"), requestedSessionDuration: 60)
        let text = xml(request, eltex)
        #expect(text.contains("<applicationID>Tocsin &lt;ward 3&gt; &amp; \"ICU\" </applicationID>"))
        #expect(text.contains("<ns1:userName>домен</ns1:userName><ns1:password>p&lt;&amp;&gt;\"'</ns1:password>"))
        let root = try element(text)
        #expect(root.descendant("applicationInfo", "applicationSpecificInfo", "SessionLoginInfo", "password")?.text == "p<&>\"'")
        #expect(root.descendant("applicationInfo", "applicationSpecificInfo", "SessionLoginInfo", "userName")?.text == "домен")
        let attribute = CSTAXMLWriter.escaped("a\"b\tc\nd\re", inAttribute: true)
        #expect(attribute == "a&quot;b&#x9;c&#xA;d&#xD;e")
    }
}

@Suite("Requests written for Uni-tel")
struct UniTelRequestTests {
    @Test("MakeCall is the seed's XML example, without namespace, with autoOriginate doNotPrompt")
    func makeCall() throws {
        let seed = "<MakeCall>\n  <callingDevice>123</callingDevice>\n  <calledDirectoryNumber>321</calledDirectoryNumber>\n  <autoOriginate>doNotPrompt</autoOriginate>\n</MakeCall>"
        let request = CSTARequest.makeCall(callingDevice: "123", calledDirectoryNumber: "321")
        #expect(xml(request, uniTel) == "<MakeCall><callingDevice>123</callingDevice><calledDirectoryNumber>321</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>")
        #expect(normalized(try element(xml(request, uniTel))) == normalized(try element(seed)))
    }

    @Test("StartApplicationSession carries the vendorData login keys exactly as the JSON names them")
    func startApplicationSession() throws {
        let request = CSTARequest.startApplicationSession(
            applicationID: nil, login: .uniTel(userID: "test@mydomain", password: "bla.bla", pbxDomain: "12345678.pbx.one-connect.dk"),
            requestedSessionDuration: 60)
        #expect(xml(request, uniTel) == "<StartApplicationSession><applicationInfo><applicationSpecificInfo><vendorData:userID>test@mydomain</vendorData:userID><vendorData:password>bla.bla</vendorData:password><vendorData:pbxDomain>12345678.pbx.one-connect.dk</vendorData:pbxDomain></applicationSpecificInfo></applicationInfo><requestedSessionDuration>60</requestedSessionDuration></StartApplicationSession>")
        // The unbound prefix is well-formed XML 1.0 and reads back by local name.
        let root = try element(xml(request, uniTel))
        #expect(root.descendant("applicationInfo", "applicationSpecificInfo", "userID")?.text == "test@mydomain")
        #expect(root.descendant("applicationInfo", "applicationSpecificInfo", "pbxDomain")?.text == "12345678.pbx.one-connect.dk")
    }

    @Test("ResetApplicationSessionTimer has no sessionID, as in the seed's example")
    func reset() {
        #expect(xml(.resetApplicationSessionTimer(sessionID: "2e853292-bacf-418e-aa1e-86d9a88ea942", requestedSessionDuration: 123), uniTel)
                == "<ResetApplicationSessionTimer><requestedSessionDuration>123</requestedSessionDuration></ResetApplicationSessionTimer>")
    }

    @Test("SnapshotDevice names 123@<pbxDomain>; ClearConnection writes deviceId; MonitorStart has no filter")
    func snapshotClearMonitor() {
        #expect(xml(.snapshotDevice(device: "123"), uniTel) == "<SnapshotDevice><snapshotObject>123@12345678.pbx.one-connect.dk</snapshotObject></SnapshotDevice>")
        #expect(xml(.clearConnection(CSTAConnectionID(deviceID: "123", callID: "SIP/hpbx-0013365b")), uniTel)
                == "<ClearConnection><connectionToBeCleared><deviceId>123</deviceId><callID>SIP/hpbx-0013365b</callID></connectionToBeCleared></ClearConnection>")
        #expect(xml(.monitorStart(device: "123"), uniTel) == "<MonitorStart><monitorObject><deviceObject>123</deviceObject></monitorObject></MonitorStart>")
        #expect(xml(.stopApplicationSession(sessionID: "2e853292"), uniTel)
                == "<StopApplicationSession><sessionID>2e853292</sessionID><sessionEndReason><definedEndReason>normal</definedEndReason></sessionEndReason></StopApplicationSession>")
    }

    @Test("the login is never shown in its description")
    func loginDescription() {
        #expect(CSTALogin.eltex(userName: "p.city", password: "1234").description == "Eltex login 'p.city'")
        #expect(!CSTALogin.uniTel(userID: "u", password: "secret", pbxDomain: "d").description.contains("secret"))
    }
}
