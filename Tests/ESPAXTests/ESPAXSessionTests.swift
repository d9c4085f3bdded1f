import Testing
@testable import ESPAX

/// Drives one session as a client would, through framed bytes, and checks every message it sends
/// against the XSD.
struct SessionDriver {
    var session: ESPAXSession<TestInstant>
    var sessionID = "S0001"

    init(configuration: ESPAXSessionConfiguration = ESPAXSessionConfiguration(), at start: TestInstant = .zero) {
        session = ESPAXSession(configuration: configuration, connectedAt: start)
    }

    mutating func send(_ message: String, number: UInt32 = 0, at now: TestInstant, sourceLocation: SourceLocation = #_sourceLocation) -> [ESPAXAction] {
        bytes(framed(espax(message), number: number), at: now, sourceLocation: sourceLocation)
    }

    mutating func bytes(_ bytes: [UInt8], at now: TestInstant, sourceLocation: SourceLocation = #_sourceLocation) -> [ESPAXAction] {
        let actions = session.receive(bytes, at: now)
        expectAllValid(actions, sourceLocation: sourceLocation)
        return actions
    }

    static let loginXML = #"<REQ.LOGIN invokeID="1"><LI-CLIENT>NurseCall-1</LI-CLIENT><LI-CLIENTSW>nc 2.1</LI-CLIENTSW><LI-USER>ncall</LI-USER><LI-PASSWORD>secret1</LI-PASSWORD></REQ.LOGIN>"#

    /// Logs in with `sessionID`, returning the actions of the verdict.
    @discardableResult
    mutating func logIn(at now: TestInstant = .zero, sourceLocation: SourceLocation = #_sourceLocation) -> [ESPAXAction] {
        let asked = send(Self.loginXML, number: 1, at: now, sourceLocation: sourceLocation)
        #expect(asked == [.checkCredentials(ESPAXLoginRequest(client: "NurseCall-1", clientSoftware: "nc 2.1", user: "ncall", password: "secret1"))],
                sourceLocation: sourceLocation)
        let actions = session.completeLogin(.accepted, at: now, sessionID: sessionID)
        expectAllValid(actions, sourceLocation: sourceLocation)
        return actions
    }
}

@Suite("Session: login, 407, 401")
struct SessionLoginTests {
    @Test("a good login gets RSP.LOGIN 200 with the new sessionID, invokeID echoed in XML and header")
    func login() throws {
        var driver = SessionDriver()
        #expect(driver.session.phase == .awaitingLogin)
        let actions = driver.logIn(at: .seconds(2))
        #expect(actions.count == 1)
        let message = try #require(actions.first?.message)
        #expect(actions.first?.headerNumber == 1)
        let document = try decoded(message)
        #expect(document.name == "RSP.LOGIN")
        #expect(document.invokeIDText == "1")
        #expect(document.sessionID == "S0001")
        #expect(document.fields == ["LI-SERVER": "Tocsin", "LI-SERVERSW": "Tocsin 1.0", "RSP-CODE": "200", "RSP-REASON": "OK",
                                    "RSP-INFO": "Login successful, heartbeat interval 70 s"])
        #expect(driver.session.phase == .loggedIn)
        #expect(driver.session.sessionID == "S0001")
        #expect(driver.session.client == "NurseCall-1")
        #expect(driver.session.clientSoftware == "nc 2.1")
        #expect(driver.session.user == "ncall")
        #expect(driver.session.loggedInAt == .seconds(2))
        #expect(driver.session.deadline == .seconds(72))
    }

    @Test("every request before REQ.LOGIN gets RSP.<same> 407 and the connection stays", arguments: [
        ("REQ.HEARTBEAT", #"<REQ.HEARTBEAT invokeID="5" sessionID="guess"/>"#),
        ("REQ.LOGOUT", #"<REQ.LOGOUT invokeID="5" sessionID="guess"><LO-REASON>Normal</LO-REASON></REQ.LOGOUT>"#),
        ("REQ.S-CONDITION", #"<REQ.S-CONDITION invokeID="5"/>"#),
        ("REQ.S-PARAMETERS", #"<REQ.S-PARAMETERS invokeID="5"/>"#),
        ("REQ.P-START", #"<REQ.P-START invokeID="5"><CP-PR-REF>r1</CP-PR-REF><CP-GROUPID>1</CP-GROUPID></REQ.P-START>"#),
        ("REQ.P-STOP", #"<REQ.P-STOP invokeID="5"><SP-PR-TAN>1</SP-PR-TAN><CP-PR-MASK>All</CP-PR-MASK></REQ.P-STOP>"#),
        ("REQ.P-GETSTAT", #"<REQ.P-GETSTAT invokeID="5"><CP-PR-MASK>All</CP-PR-MASK></REQ.P-GETSTAT>"#),
    ])
    func authenticationRequired(name: String, xml: String) throws {
        var driver = SessionDriver()
        let actions = driver.send(xml, number: 5, at: .seconds(1))
        #expect(actions.count == 1)
        #expect(actions.first?.headerNumber == 5)
        let document = try decoded(try #require(actions.first?.message))
        #expect(document.name == "RSP." + name.dropFirst(4))
        #expect(document.invokeID == 5)
        #expect(document["RSP-CODE"] == "407")
        #expect(document["RSP-REASON"] == "Authentication Required")
        #expect(document["RSP-INFO"] == "Send REQ.LOGIN before \(name)")
        #expect(document.sessionID == (xml.contains("guess") ? "guess" : ESPAXResponse.noSession))
        if name == "REQ.P-START" {
            #expect(document["SP-PR-TAN"] == "0")
            #expect(document["CP-PR-REF"] == "r1")
        }
        #expect(driver.session.phase == .awaitingLogin)
        #expect(driver.session.counters.errors == 1)
        // Still able to log in afterwards.
        driver.logIn(at: .seconds(2))
        #expect(driver.session.phase == .loggedIn)
    }

    @Test("bad credentials get RSP.LOGIN 401, then close; nothing more is answered")
    func badCredentials() throws {
        var driver = SessionDriver()
        _ = driver.send(SessionDriver.loginXML, number: 1, at: .zero)
        #expect(driver.session.phase == .checkingCredentials)
        let actions = driver.session.completeLogin(.badCredentials, at: .seconds(1))
        expectAllValid(actions)
        #expect(actions.count == 2)
        let document = try decoded(try #require(actions.first?.message))
        #expect(document.name == "RSP.LOGIN")
        #expect(document.invokeID == 1)
        #expect(document.sessionID == ESPAXResponse.noSession)
        #expect(document["RSP-CODE"] == "401")
        #expect(document["RSP-REASON"] == "Unauthorized")
        #expect(actions.last == .close(.badCredentials(client: "NurseCall-1", user: "ncall")))
        #expect(driver.session.phase == .closed)
        #expect(driver.session.sessionID == nil)
        #expect(driver.send(#"<REQ.HEARTBEAT invokeID="2" sessionID="x"/>"#, at: .seconds(2)).isEmpty)
        #expect(driver.session.completeLogin(.accepted, at: .seconds(2)).isEmpty)
    }

    @Test("a refused login (session limit) gets its code, then close")
    func refused() throws {
        var driver = SessionDriver()
        _ = driver.send(SessionDriver.loginXML, number: 1, at: .zero)
        let actions = driver.session.completeLogin(.refused(.serviceUnavailable, info: "client NurseCall-1 already has 2 sessions"), at: .zero)
        expectAllValid(actions)
        let document = try decoded(try #require(actions.first?.message))
        #expect(document["RSP-CODE"] == "503")
        #expect(document["RSP-INFO"] == "client NurseCall-1 already has 2 sessions")
        #expect(actions.last == .close(.loginRefused(.serviceUnavailable, info: "client NurseCall-1 already has 2 sessions")))
    }

    @Test("a login without LI-USER gets RSP.LOGIN 400 naming it, and may be retried")
    func incompleteLogin() throws {
        var driver = SessionDriver()
        let actions = driver.send(#"<REQ.LOGIN invokeID="1"><LI-CLIENT>c</LI-CLIENT><LI-PASSWORD>pppp</LI-PASSWORD></REQ.LOGIN>"#, number: 1, at: .zero)
        let document = try decoded(try #require(actions.first?.message))
        #expect(document["RSP-CODE"] == "400")
        #expect(document["RSP-INFO"] == "required field LI-USER is missing or empty")
        #expect(driver.session.phase == .awaitingLogin)
        driver.logIn(at: .seconds(1))
        #expect(driver.session.phase == .loggedIn)
    }

    @Test("fresh session IDs are 24 random characters")
    func sessionIDs() {
        var driver = SessionDriver()
        _ = driver.send(SessionDriver.loginXML, at: .zero)
        _ = driver.session.completeLogin(.accepted, at: .zero)
        let first = driver.session.sessionID ?? ""
        #expect(first.count == 24)
        #expect(first.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        let many = Set((0..<1_000).map { _ in ESPAXSessionID.random() })
        #expect(many.count == 1_000)
    }

    @Test("a second REQ.LOGIN in a session gets 409 and the session stays")
    func secondLogin() throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(SessionDriver.loginXML, number: 9, at: .seconds(1))
        let document = try decoded(try #require(actions.first?.message))
        #expect(document["RSP-CODE"] == "409")
        #expect(document.sessionID == "S0001")
        #expect(driver.session.phase == .loggedIn)
    }

    @Test("requests sent while the credentials are checked are answered after the verdict, in order")
    func heldDuringCheck() throws {
        var driver = SessionDriver()
        let bytes = framed(espax(SessionDriver.loginXML), number: 1)
            + framed(espax(#"<REQ.HEARTBEAT invokeID="2"/>"#), number: 2)
        #expect(driver.bytes(bytes, at: .zero).count == 1)
        let actions = driver.session.completeLogin(.accepted, at: .zero, sessionID: "S0001")
        expectAllValid(actions)
        #expect(actions.map { $0.message?.name } == ["RSP.LOGIN", "RSP.HEARTBEAT"])
        #expect(actions.map(\.headerNumber) == [1, 2])
        // The held heartbeat could not know the sessionID yet.
        #expect(try decoded(try #require(actions.last?.message))["RSP-INFO"] == "sessionID missing; repeat the sessionID from RSP.LOGIN")
    }

    @Test("too many messages before RSP.LOGIN close the connection")
    func tooManyHeld() {
        var driver = SessionDriver(configuration: ESPAXSessionConfiguration(maximumFramesDuringLogin: 2))
        _ = driver.send(SessionDriver.loginXML, at: .zero)
        #expect(driver.send(#"<REQ.HEARTBEAT invokeID="2"/>"#, at: .zero).isEmpty)
        #expect(driver.send(#"<REQ.HEARTBEAT invokeID="3"/>"#, at: .zero).isEmpty)
        let actions = driver.send(#"<REQ.HEARTBEAT invokeID="4"/>"#, number: 4, at: .zero)
        #expect(actions.map { $0.message?.name } == ["IND.ERROR", nil])
        #expect(actions.last == .close(.tooManyFramesDuringLogin(limit: 2)))
    }

    @Test("no login within the login timeout closes the connection")
    func loginTimeout() {
        var driver = SessionDriver(at: .seconds(100))
        #expect(driver.session.deadline == .seconds(130))
        #expect(driver.session.tick(at: .seconds(129)).isEmpty)
        #expect(driver.session.tick(at: .seconds(130)) == [.close(.loginTimeout(after: .seconds(30)))])
        #expect(driver.session.phase == .closed)
        #expect(driver.session.deadline == nil)
    }
}

@Suite("Session: sessionID, heartbeat, logout, invokeID")
struct SessionRunningTests {
    @Test("a heartbeat gets RSP.HEARTBEAT 200 with the invokeID and moves the deadline")
    func heartbeat() throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(#"<REQ.HEARTBEAT invokeID="3" sessionID="S0001"/>"#, number: 3, at: .seconds(50))
        let document = try decoded(try #require(actions.first?.message))
        #expect(document == ESPAXDocument(name: "RSP.HEARTBEAT", invokeIDText: "3", sessionID: "S0001",
                                          fields: ["RSP-CODE": "200", "RSP-REASON": "OK"], version: "1.00", isNamespaced: true))
        #expect(actions.first?.headerNumber == 3)
        #expect(driver.session.lastHeartbeatAt == .seconds(50))
        #expect(driver.session.deadline == .seconds(120))
        #expect(driver.session.counters.heartbeats == 1)
    }

    @Test("no heartbeat within the interval: the session is closed with how long it was silent")
    func heartbeatExpiry() {
        var driver = SessionDriver(configuration: ESPAXSessionConfiguration(heartbeatInterval: .seconds(60)))
        driver.logIn(at: .seconds(10))
        _ = driver.send(#"<REQ.HEARTBEAT invokeID="2" sessionID="S0001"/>"#, at: .seconds(40))
        #expect(driver.session.tick(at: TestInstant(offset: .seconds(100) - .nanoseconds(1))).isEmpty)
        #expect(driver.session.tick(at: .seconds(101)) == [.close(.heartbeatExpired(silentFor: .seconds(61), limit: .seconds(60)))])
        #expect(driver.session.phase == .closed)
        #expect(driver.session.tick(at: .seconds(200)).isEmpty)
    }

    @Test("a heartbeat arriving after the deadline is not answered: the session expired first")
    func lateHeartbeat() {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(#"<REQ.HEARTBEAT invokeID="2" sessionID="S0001"/>"#, at: .seconds(70))
        #expect(actions == [.close(.heartbeatExpired(silentFor: .seconds(70), limit: .seconds(70)))])
    }

    @Test("any request with the right sessionID counts as liveness by default, not when configured off")
    func liveness() {
        let start = #"<REQ.P-START invokeID="4" sessionID="S0001"><CP-GROUPID>1</CP-GROUPID></REQ.P-START>"#
        var tolerant = SessionDriver()
        tolerant.logIn()
        _ = tolerant.send(start, at: .seconds(60))
        #expect(tolerant.session.deadline == .seconds(130))

        var strict = SessionDriver(configuration: ESPAXSessionConfiguration(anyRequestIsLiveness: false))
        strict.logIn()
        _ = strict.send(start, at: .seconds(60))
        #expect(strict.session.deadline == .seconds(70))
        #expect(strict.session.tick(at: .seconds(70)) == [.close(.heartbeatExpired(silentFor: .seconds(70), limit: .seconds(70)))])
    }

    @Test("a missing or wrong sessionID gets RSP.<same> 407 naming the problem, and is no liveness", arguments: [
        (#"<REQ.HEARTBEAT invokeID="6"/>"#, "sessionID missing; repeat the sessionID from RSP.LOGIN"),
        (#"<REQ.HEARTBEAT invokeID="6" sessionID="undefined"/>"#, "sessionID missing; repeat the sessionID from RSP.LOGIN"),
        (#"<REQ.HEARTBEAT invokeID="6" sessionID="S0002"/>"#, "sessionID does not belong to this session; repeat the sessionID from RSP.LOGIN"),
    ])
    func wrongSessionID(xml: String, info: String) throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(xml, number: 6, at: .seconds(30))
        let document = try decoded(try #require(actions.first?.message))
        #expect(document.name == "RSP.HEARTBEAT")
        #expect(document.invokeID == 6)
        #expect(document.sessionID == "S0001")
        #expect(document["RSP-CODE"] == "407")
        #expect(document["RSP-INFO"] == info)
        #expect(driver.session.phase == .loggedIn)
        #expect(driver.session.deadline == .seconds(70))
        #expect(driver.session.lastHeartbeatAt == nil)
    }

    @Test("a P-START with a wrong sessionID is refused and never reaches the caller")
    func wrongSessionProcessStart() throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(#"<REQ.P-START invokeID="6" sessionID="nope"><CP-PR-REF>r</CP-PR-REF><CP-GROUPID>1</CP-GROUPID></REQ.P-START>"#, at: .seconds(1))
        #expect(actions.count == 1)
        let document = try decoded(try #require(actions.first?.message))
        #expect(document.fields["RSP-CODE"] == "407")
        #expect(document.fields["SP-PR-TAN"] == "0")
    }

    @Test("REQ.LOGOUT is answered with RSP.LOGOUT 200, then the connection closes")
    func logout() throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(#"<REQ.LOGOUT invokeID="9" sessionID="S0001"><LO-REASON>Normal</LO-REASON></REQ.LOGOUT>"#, number: 9, at: .seconds(5))
        #expect(actions.count == 2)
        let document = try decoded(try #require(actions.first?.message))
        #expect(document.name == "RSP.LOGOUT")
        #expect(document.fields == ["RSP-CODE": "200", "RSP-REASON": "OK", "RSP-INFO": "Logged out"])
        #expect(actions.first?.headerNumber == 9)
        #expect(actions.last == .close(.logout))
        #expect(driver.session.phase == .closed)
        #expect(driver.send(#"<REQ.HEARTBEAT invokeID="10" sessionID="S0001"/>"#, at: .seconds(6)).isEmpty)
    }

    @Test("a logout followed by more requests in the same read answers only the logout")
    func logoutThenMore() {
        var driver = SessionDriver()
        driver.logIn()
        let bytes = framed(espax(#"<REQ.LOGOUT invokeID="9" sessionID="S0001"><LO-REASON>Normal</LO-REASON></REQ.LOGOUT>"#))
            + framed(espax(#"<REQ.HEARTBEAT invokeID="10" sessionID="S0001"/>"#))
        let actions = driver.bytes(bytes, at: .seconds(1))
        #expect(actions.map { $0.message?.name } == ["RSP.LOGOUT", nil])
    }

    @Test("the invokeID is echoed in full in XML and by its low 32 bits in the header", arguments: [UInt64(0), 1, 4_294_967_295, 4_294_967_301, UInt64.max] as [UInt64])
    func invokeIDEcho(invokeID: UInt64) throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(#"<REQ.HEARTBEAT invokeID="\#(invokeID)" sessionID="S0001"/>"#, number: 0x0000_022A, at: .seconds(1))
        #expect(actions.first?.headerNumber == UInt32(truncatingIfNeeded: invokeID))
        #expect(try decoded(try #require(actions.first?.message)).invokeIDText == String(invokeID))
    }

    @Test("a missing or malformed invokeID falls back to the header number", arguments: [
        #"<REQ.HEARTBEAT sessionID="S0001"/>"#, #"<REQ.HEARTBEAT invokeID="-1" sessionID="S0001"/>"#,
        #"<REQ.HEARTBEAT invokeID="18446744073709551616" sessionID="S0001"/>"#,
    ])
    func invokeIDFallback(xml: String) throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(xml, number: 77, at: .seconds(1))
        #expect(actions.first?.headerNumber == 77)
        #expect(try decoded(try #require(actions.first?.message)).invokeIDText == "77")
    }

    @Test("REQ.S-CONDITION reports the condition the caller keeps current")
    func condition() throws {
        var driver = SessionDriver()
        driver.logIn()
        var actions = driver.send(#"<REQ.S-CONDITION invokeID="4" sessionID="S0001"/>"#, at: .seconds(1))
        #expect(try decoded(try #require(actions.first?.message)).fields == ["RSP-CODE": "200", "RSP-REASON": "OK", "S-HEALTH": "OK", "S-HOTSTBY": "false", "S-LOAD": "Normal"])
        driver.session.condition = ESPAXServerCondition(health: .problemDetected, hotStandby: false, load: .heavy)
        actions = driver.send(#"<REQ.S-CONDITION invokeID="5" sessionID="S0001"/>"#, at: .seconds(2))
        #expect(try decoded(try #require(actions.first?.message)).fields == ["RSP-CODE": "200", "RSP-REASON": "OK", "S-HEALTH": "Problem detected", "S-HOTSTBY": "false", "S-LOAD": "Heavy"])
    }

    @Test("REQ.S-PARAMETERS gets 501; unknown requests get IND.ERROR 501 with the header echoed")
    func notImplemented() throws {
        var driver = SessionDriver()
        driver.logIn()
        var actions = driver.send(#"<REQ.S-PARAMETERS invokeID="4" sessionID="S0001"/>"#, at: .seconds(1))
        #expect(try decoded(try #require(actions.first?.message)).fields == ["RSP-CODE": "501", "RSP-REASON": "Not Implemented", "RSP-INFO": "REQ.S-PARAMETERS is not implemented"])
        actions = driver.send(#"<REQ.P-CALL invokeID="5" sessionID="S0001"/>"#, number: 5, at: .seconds(2))
        #expect(actions.first?.headerNumber == 5)
        #expect(try decoded(try #require(actions.first?.message)) == ESPAXDocument(
            name: "IND.ERROR", fields: ["LI-SERVER": "Tocsin", "RSP-CODE": "501", "RSP-REASON": "Not Implemented", "RSP-INFO": "REQ.P-CALL is not implemented"]))
        actions = driver.send(#"<PROPRIETARY sessionID="S0001"><X/></PROPRIETARY>"#, at: .seconds(3))
        #expect(try decoded(try #require(actions.first?.message))["RSP-CODE"] == "501")
        actions = driver.send(#"<RSP.HEARTBEAT invokeID="1" sessionID="S0001"><RSP-CODE>200</RSP-CODE><RSP-REASON>OK</RSP-REASON></RSP.HEARTBEAT>"#, at: .seconds(4))
        #expect(try decoded(try #require(actions.first?.message))["RSP-CODE"] == "602")
        #expect(driver.session.phase == .loggedIn)
    }

    @Test("shutdown sends CMD.SHUTDOWN to a logged-in client, then closes")
    func shutdown() throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.session.shutdown(reason: .service, mode: .immediate)
        expectAllValid(actions)
        let document = try decoded(try #require(actions.first?.message))
        #expect(document == ESPAXDocument(name: "CMD.SHUTDOWN", sessionID: "S0001", fields: ["SD-REASON": "Service", "SD-MODE": "Immediate"]))
        #expect(actions.first?.headerNumber == 0)
        #expect(actions.last == .close(.shutdown(.service)))

        var fresh = SessionDriver()
        #expect(fresh.session.shutdown() == [.close(.shutdown(.normal))])
    }

    @Test("counters follow requests, heartbeats, process starts and errors")
    func counters() {
        var driver = SessionDriver()
        driver.logIn()
        _ = driver.send(#"<REQ.HEARTBEAT invokeID="2" sessionID="S0001"/>"#, at: .seconds(1))
        _ = driver.send(#"<REQ.P-START invokeID="3" sessionID="S0001"><CP-GROUPID>1</CP-GROUPID></REQ.P-START>"#, at: .seconds(1))
        _ = driver.send(#"<REQ.HEARTBEAT invokeID="4"/>"#, at: .seconds(1))
        _ = driver.bytes(framed("<broken"), at: .seconds(1))
        var expected = ESPAXSession<TestInstant>.Counters()
        expected.requests = 4
        expected.heartbeats = 1
        expected.processStarts = 1
        expected.errors = 2
        #expect(driver.session.counters == expected)
    }

    @Test("the connection going away ends the session")
    func connectionClosed() {
        var driver = SessionDriver()
        driver.logIn()
        driver.session.connectionClosed()
        #expect(driver.session.phase == .closed)
        #expect(driver.session.deadline == nil)
        #expect(driver.session.shutdown().isEmpty)
    }
}

@Suite("Session: framing and XML errors")
struct SessionErrorTests {
    @Test("XML that is not well-formed gets IND.ERROR 601 and the session goes on")
    func notWellFormed() throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.bytes(framed("<ESPA-X version=\"1.00\"><REQ.HEARTBEAT", number: 12), at: .seconds(1))
        #expect(actions.count == 1)
        #expect(actions.first?.headerNumber == 12)
        let document = try decoded(try #require(actions.first?.message))
        #expect(document.name == "IND.ERROR")
        #expect(document.sessionID == nil)
        #expect(document["RSP-CODE"] == "601")
        #expect(document["RSP-REASON"] == "Not wellformed")
        #expect(document["RSP-INFO"]?.hasPrefix("XML not well-formed at line 1") == true)
        let next = driver.send(#"<REQ.HEARTBEAT invokeID="13" sessionID="S0001"/>"#, at: .seconds(2))
        #expect(try decoded(try #require(next.first?.message))["RSP-CODE"] == "200")
    }

    @Test("hostile documents take the 601 path before and after login", arguments: [
        #"<!DOCTYPE ESPA-X [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><ESPA-X version="1.00"><REQ.HEARTBEAT invokeID="1" sessionID="S0001">&b;</REQ.HEARTBEAT></ESPA-X>"#,
        #"<!DOCTYPE ESPA-X [<!ENTITY x SYSTEM "file:///etc/passwd">]><ESPA-X version="1.00"><REQ.HEARTBEAT invokeID="1" sessionID="S0001">&x;</REQ.HEARTBEAT></ESPA-X>"#,
        "",
        "\u{0}\u{1}\u{2}",
    ])
    func hostile(xml: String) throws {
        for loggedIn in [false, true] {
            var driver = SessionDriver()
            if loggedIn { driver.logIn() }
            let actions = driver.bytes(framed(xml), at: .seconds(1))
            let document = try decoded(try #require(actions.first?.message))
            #expect(document["RSP-CODE"] == "601")
            #expect(driver.session.phase == (loggedIn ? .loggedIn : .awaitingLogin))
        }
    }

    @Test("a bad magic gets IND.ERROR 600 and a close; frames before it are still answered")
    func badMagic() throws {
        var driver = SessionDriver()
        driver.logIn()
        let bytes = framed(espax(#"<REQ.HEARTBEAT invokeID="2" sessionID="S0001"/>"#)) + Array("GET / HTTP/1.1\r\n".utf8)
        let actions = driver.bytes(bytes, at: .seconds(1))
        #expect(actions.count == 3)
        #expect(actions[0].message?.name == "RSP.HEARTBEAT")
        let error = try decoded(try #require(actions[1].message))
        #expect(error["RSP-CODE"] == "600")
        #expect(error["RSP-REASON"] == "Invalid header")
        // Offsets count the whole connection's stream, the login included.
        let offset = framed(espax(SessionDriver.loginXML), number: 1).count + framed(espax(#"<REQ.HEARTBEAT invokeID="2" sessionID="S0001"/>"#)).count
        #expect(actions[2] == .close(.framingError(.badMagic(found: [0x47, 0x45], offset: offset))))
        #expect(driver.session.phase == .closed)
    }

    @Test("an announced length of 4 GiB gets 600 and a close at once, before login too")
    func fourGiB() throws {
        var driver = SessionDriver()
        let actions = driver.bytes([0x45, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1], at: .zero)
        #expect(try decoded(try #require(actions.first?.message))["RSP-CODE"] == "600")
        #expect(actions.last == .close(.framingError(.messageTooLarge(announced: .max, limit: 65_536, offset: 0))))
    }

    @Test("the configured maximum message size applies")
    func configuredMaximum() {
        var driver = SessionDriver(configuration: ESPAXSessionConfiguration(maximumMessageSize: 400))
        driver.logIn()
        let long = #"<REQ.P-START invokeID="3" sessionID="S0001"><CP-GROUPID>1</CP-GROUPID><CP-TEXTMSG>\#(String(repeating: "x", count: 200))</CP-TEXTMSG></REQ.P-START>"#
        let actions = driver.send(long, at: .seconds(1))
        #expect(actions.last == .close(.framingError(.messageTooLarge(announced: UInt32(framed(espax(long)).count), limit: 400, offset: framed(espax(SessionDriver.loginXML)).count))))
    }

    @Test("a message split across reads is answered once complete")
    func splitMessage() throws {
        var driver = SessionDriver()
        driver.logIn()
        let bytes = framed(espax(#"<REQ.HEARTBEAT invokeID="8" sessionID="S0001"/>"#), number: 8)
        for (index, byte) in bytes.enumerated() {
            let actions = driver.bytes([byte], at: .seconds(1))
            #expect(actions.isEmpty == (index < bytes.count - 1))
        }
    }
}

@Suite("Session: the P-START process family")
struct SessionProcessTests {
    @Test("REQ.P-START is handed to the caller with its context")
    func processStart() {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(#"<REQ.P-START invokeID="2" sessionID="S0001"><CP-PR-REF>nc-0815-1</CP-PR-REF><CP-GROUPID>0815</CP-GROUPID><CP-TEXTMSG>FIRE ZONE 12 FLOOR 3</CP-TEXTMSG><CP-PRIO>Emergency</CP-PRIO></REQ.P-START>"#, at: .seconds(1))
        let context = ESPAXRequestContext(invokeID: 2, sessionID: "S0001", client: "NurseCall-1", user: "ncall")
        #expect(actions == [.startProcess(ESPAXProcessStartRequest(reference: "nc-0815-1", groupID: "0815", text: "FIRE ZONE 12 FLOOR 3", priority: .emergency), context)])
    }

    @Test("the caller's RSP.P-START, 200 with the alarm id and 450 for a duplicate, validates")
    func processStartAnswers() throws {
        let context = ESPAXRequestContext(invokeID: 2, sessionID: "S0001", client: "NurseCall-1", user: "ncall")
        let accepted = context.processStartResponse(.ok, reference: "nc-0815-1", tan: 42)
        let duplicate = context.processStartResponse(.duplicate, reference: "nc-0815-1", tan: 0, info: "CP-PR-REF nc-0815-1 is still running as 41")
        expectAllValid([accepted, duplicate])
        #expect(accepted.headerNumber == 2)
        #expect(try decoded(try #require(accepted.message)).fields == ["RSP-CODE": "200", "RSP-REASON": "OK", "CP-PR-REF": "nc-0815-1", "SP-PR-TAN": "42"])
        #expect(try decoded(try #require(duplicate.message)).fields == ["RSP-CODE": "450", "RSP-REASON": "Duplicate", "RSP-INFO": "CP-PR-REF nc-0815-1 is still running as 41", "CP-PR-REF": "nc-0815-1", "SP-PR-TAN": "0"])
        let stopped = context.processStopResponse(.gone, info: "process 42 has already ended")
        let status = context.processGetStatResponse(.ok)
        expectAllValid([stopped, status])
        #expect(try decoded(try #require(stopped.message)).fields == ["RSP-CODE": "410", "RSP-REASON": "Gone", "RSP-INFO": "process 42 has already ended"])
    }

    @Test("REQ.P-START without a target gets RSP.P-START 400 with SP-PR-TAN 0 and the reference echoed")
    func missingTarget() throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(#"<REQ.P-START invokeID="2" sessionID="S0001"><CP-PR-REF>nc-1</CP-PR-REF><CP-GROUPID/><CP-TEXTMSG>x</CP-TEXTMSG></REQ.P-START>"#, number: 2, at: .seconds(1))
        #expect(actions.count == 1)
        let document = try decoded(try #require(actions.first?.message))
        #expect(document.name == "RSP.P-START")
        #expect(document.fields == ["RSP-CODE": "400", "RSP-REASON": "Bad Request", "RSP-INFO": "one of CP-GROUPID or CP-PHONENO is required", "CP-PR-REF": "nc-1", "SP-PR-TAN": "0"])
    }

    @Test("REQ.P-STOP and REQ.P-GETSTAT are handed to the caller; a P-STOP without selector gets 400")
    func stopAndGetStat() throws {
        var driver = SessionDriver()
        driver.logIn()
        let context = ESPAXRequestContext(invokeID: 3, sessionID: "S0001", client: "NurseCall-1", user: "ncall")
        #expect(driver.send(#"<REQ.P-STOP invokeID="3" sessionID="S0001"><SP-PR-TAN>42</SP-PR-TAN><CP-PR-MASK>All</CP-PR-MASK></REQ.P-STOP>"#, at: .seconds(1))
                == [.stopProcess(ESPAXProcessSelector(tan: 42), context)])
        #expect(driver.send(#"<REQ.P-GETSTAT invokeID="3" sessionID="S0001"><CP-PR-REF>r</CP-PR-REF><CP-PR-MASK>Active</CP-PR-MASK></REQ.P-GETSTAT>"#, at: .seconds(1))
                == [.queryProcesses(ESPAXProcessQuery(selector: ESPAXProcessSelector(reference: "r", mask: [.active])), context)])
        let refused = driver.send(#"<REQ.P-STOP invokeID="4" sessionID="S0001"><CP-PR-MASK>All</CP-PR-MASK></REQ.P-STOP>"#, at: .seconds(1))
        #expect(try decoded(try #require(refused.first?.message)).fields == ["RSP-CODE": "400", "RSP-REASON": "Bad Request", "RSP-INFO": "one of SP-PR-TAN or CP-PR-REF is required"])
    }
}

@Suite("Session: credential checker")
struct SessionCredentialCheckerTests {
    struct Directory: ESPAXCredentialChecker {
        func verdict(for login: ESPAXLoginRequest) -> ESPAXLoginVerdict {
            login.client == "NurseCall-1" && login.user == "ncall" && login.password == "secret1" ? .accepted : .badCredentials
        }
    }

    @Test("a synchronous checker answers the login in the same call")
    func accepted() throws {
        var session = ESPAXSession<TestInstant>(connectedAt: .zero)
        let bytes = framed(espax(SessionDriver.loginXML), number: 1) + framed(espax(#"<REQ.HEARTBEAT invokeID="2"/>"#), number: 2)
        let actions = session.receive(bytes, at: .zero, checkingWith: Directory())
        expectAllValid(actions)
        #expect(actions.map { $0.message?.name } == ["RSP.LOGIN", "RSP.HEARTBEAT"])
        #expect(try decoded(try #require(actions.first?.message))["RSP-CODE"] == "200")
        #expect(session.phase == .loggedIn)
        #expect(session.sessionID?.count == ESPAXSessionID.length)
    }

    @Test("a closure checker refusing the password gives 401 and close")
    func refused() throws {
        var session = ESPAXSession<TestInstant>(connectedAt: .zero)
        let checker = ESPAXClosureCredentialChecker { _ in .badCredentials }
        let actions = session.receive(framed(espax(SessionDriver.loginXML), number: 1), at: .zero, checkingWith: checker)
        #expect(try decoded(try #require(actions.first?.message))["RSP-CODE"] == "401")
        #expect(actions.last == .close(.badCredentials(client: "NurseCall-1", user: "ncall")))
    }

    @Test("the documented policy codes")
    func policyCodes() {
        #expect(ESPAXResponseCode.wrongSession == .authenticationRequired)
        #expect(ESPAXResponseCode.unknownGroup == .notFound)
    }
}
