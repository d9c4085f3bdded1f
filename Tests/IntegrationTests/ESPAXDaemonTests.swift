#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TocsinTestKit

/// The built daemon's ESPA-X server, driven by `ESPAXTestClient` (written from espax.md) over TCP
/// and TLS, every server document validated with `xmllint --schema` against the XSD.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ESPAXDaemonTests {
    /// A bcrypt hash of `secret1` made by the binary itself.
    static func passwordHash(in folder: String) throws -> String {
        let status = system("printf secret1 | \"\(DaemonProcess.binary)\" hash-password --cost 10 > \"\(folder)/hash\"")
        guard status == 0 else { throw HarnessError("tocsin hash-password failed with \(status)") }
        return try String(contentsOfFile: folder + "/hash", encoding: .utf8).filter { !$0.isWhitespace }
    }

    /// A port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw HarnessError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct Running {
        var daemon: DaemonProcess
        var rest: RESTClient
        var port: Int
        var folder: String
    }

    static func start(_ name: String, extra: String = "", maxConnections: Int = 100) async throws -> Running {
        let folder = try makeTemporaryFolder(name)
        let hash = try passwordHash(in: folder)
        let configuration = DaemonTests.configuration(technicalGroup: "999") + """


        [espax]
        enabled = true
        host = "127.0.0.1"
        port = 0
        max_connections = \(maxConnections)
        heartbeat_seconds = 30
        \(extra)

        [[espax.clients]]
        name = "NurseCall-1"
        password_hash = "\(hash)"
        """
        try writeFile(folder + "/tocsin.toml", configuration)
        let daemon = DaemonProcess(folder: folder)
        try daemon.start(["run", "--config", "tocsin.toml"])
        let webPort = try await daemon.waitForPort()
        try await daemon.waitForLog("ESPA-X listening")
        let line = try #require(daemon.runLog.split(separator: "\n").first { $0.contains("ESPA-X listening") })
        let range = try #require(line.firstRange(of: " port="))
        let port = try #require(Int(line[range.upperBound...].prefix { $0.isNumber }))
        return Running(daemon: daemon, rest: RESTClient(port: webPort), port: port, folder: folder)
    }

    @Test func everyMessageOverTCPAndTLSValidatesAgainstTheSchema() async throws {
        let folder = try makeTemporaryFolder("espax-tls")
        let certificate = folder + "/cert.pem", key = folder + "/key.pem"
        let made = system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout \(key) -out \(certificate) 2>/dev/null")
        #expect(made == 0)
        let tlsPort = try Self.freePort()
        let running = try await Self.start("espax-all", extra: """
        tls_port = \(tlsPort)
        tls_certificate = "\(certificate)"
        tls_private_key = "\(key)"
        """)
        defer { running.daemon.stop() }
        let receiver = try await WebhookReceiver()
        try await DaemonTests.makeGroup(running.rest, number: "0815", receiver: receiver, paths: ["/a"])

        let client = try ESPAXTestClient(port: running.port)
        // Before login: 407, invokeID echoed in the header.
        let early = try client.send("REQ.HEARTBEAT", sessionID: "none", namespace: false)
        let refused = try client.next("RSP.HEARTBEAT")
        #expect(refused.code == 407)
        #expect(refused.number == UInt32(early))
        let login = try client.login(client: "NurseCall-1", password: "secret1")
        #expect(login.code == 200)
        #expect(login["LI-SERVERSW"] == "Tocsin 0.1")
        let session = try #require(client.sessionID)
        #expect((1...32).contains(session.count))
        try client.send("REQ.S-CONDITION", namespace: false)
        let condition = try client.next("RSP.S-CONDITION")
        #expect(condition.code == 200)
        #expect(condition["S-HEALTH"] == "OK")
        try client.send("REQ.HEARTBEAT")
        #expect(try client.next("RSP.HEARTBEAT").code == 200)
        try client.send("REQ.HEARTBEAT", sessionID: "WRONG")
        let wrongSession = try client.next("RSP.HEARTBEAT")
        #expect(wrongSession.code == 407)

        try client.send("REQ.P-START", fields: [("CP-PR-REF", "nc-0815-1"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "FIRE ZONE 12 FLOOR 3"),
                                                 ("CP-PRIO", "Emergency"), ("CP-WARD", ""), ("CP-BED", "undefined")])
        let started = try client.next("RSP.P-START")
        #expect(started.code == 200)
        let tan = try #require(started["SP-PR-TAN"])
        let alarm = try await running.rest.get("/api/alarms/\(tan)")
        #expect(alarm.status == 200)
        let indication = try client.next("IND.P-STARTED")
        #expect(indication.attribute("sessionID") == session)
        #expect(indication["CP-PR-REF"] == "nc-0815-1")
        #expect(indication["CP-GROUPID"] == "0815")
        #expect(indication["SP-PR-TAN"] == tan)
        let ended = try client.next("IND.P-ENDED", timeout: .seconds(20))
        #expect(ended["SP-ENDREASON"] == "Finished")
        #expect(ended["SP-RESULT"] == "None")
        #expect(ended["SP-PR-TAN"] == tan)

        try client.send("REQ.P-START", fields: [("CP-PR-REF", "nc-0815-1"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "again")])
        #expect(try client.next("RSP.P-START").code == 450)
        try client.send("REQ.P-START", fields: [("CP-PR-REF", "no-target"), ("CP-TEXTMSG", "where?")])
        #expect(try client.next("RSP.P-START").code == 400)
        try client.send("REQ.P-START", fields: [("CP-PR-REF", "lost"), ("CP-GROUPID", "4711"), ("CP-TEXTMSG", "unknown")])
        let unknown = try client.next("RSP.P-START")
        #expect(unknown.code == 404)
        #expect(unknown["SP-PR-TAN"] != "0")
        try client.send("REQ.P-GETSTAT", fields: [("CP-PR-MASK", "All")])
        #expect(try client.next("RSP.P-GETSTAT").code == 200)
        let status = try client.next("IND.P-STATUS")
        #expect(status["SP-PR-TAN"] == tan)
        _ = try client.next("IND.P-SYNC")
        try client.send("REQ.P-STOP", fields: [("CP-PR-REF", "nc-0815-1"), ("CP-PR-MASK", "All")])
        #expect(try client.next("RSP.P-STOP").code == 200)
        let stopped = try await running.rest.get("/api/alarms/\(tan)")
        #expect(stopped.json["endReason"].string == "Client")
        try client.send("REQ.P-STOP", fields: [("SP-PR-TAN", tan), ("CP-PR-MASK", "All")])
        #expect(try client.next("RSP.P-STOP").code == 410)
        try client.send("REQ.S-PARAMETERS")
        #expect(try client.next("RSP.S-PARAMETERS").code == 501)
        try client.writeRaw(ESPAXTestClient.frame("<ESPA-X><REQ.HEARTBEAT", number: 99))
        let notWellFormed = try client.next("IND.ERROR")
        #expect(notWellFormed.code == 601)

        // The live session view.
        let links = try await running.rest.get("/api/links")
        #expect(links.body.contains("NurseCall-1"))
        #expect(links.body.contains("espax"))

        let secure = try ESPAXTestClient(tlsPort: tlsPort)
        #expect(try secure.login(client: "NurseCall-1", password: "secret1").code == 200)
        try secure.send("REQ.P-START", fields: [("CP-PR-REF", "tls-1"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "over TLS")])
        #expect(try secure.next("RSP.P-START").code == 200)
        _ = try secure.next("IND.P-STARTED")
        try secure.send("REQ.LOGOUT", fields: [("LO-REASON", "Normal"), ("PROPRIETARY", "")])
        #expect(try secure.next("RSP.LOGOUT").code == 200)
        #expect(try secure.waitForClose())

        running.daemon.signal(SIGTERM)
        let command = try client.next("CMD.SHUTDOWN")
        #expect(command.attribute("sessionID") == session)
        #expect(try client.waitForClose())
        #expect(try await running.daemon.wait() == 0)

        let errors = try validateESPAXDocuments((client.received + secure.received).map(\.xml))
        #expect(errors.isEmpty, "\(errors)")
        // Every kind of answer this conversation provokes was among the validated documents (how many
        // indications arrive in between depends on delivery timing, so the count is not fixed).
        let names = Set(client.received.map(\.name))
        #expect(names.isSuperset(of: [
            "RSP.HEARTBEAT", "RSP.S-CONDITION", "RSP.S-PARAMETERS", "RSP.P-START", "IND.P-STARTED",
            "RSP.P-STOP", "RSP.P-GETSTAT", "IND.P-STATUS", "IND.P-SYNC", "IND.ERROR", "CMD.SHUTDOWN",
        ]), "\(names.sorted())")
    }

    @Test func hostileClientsDoNotStopLegitimateOnesBeingServed() async throws {
        let running = try await Self.start("espax-hostile", maxConnections: 100)
        defer { running.daemon.stop() }
        let receiver = try await WebhookReceiver()
        try await DaemonTests.makeGroup(running.rest, number: "0815", receiver: receiver, paths: ["/a"])

        let garbage = try ESPAXTestClient(port: running.port)
        try garbage.writeRaw(Array("\u{0}\u{1}GARBAGE\r\n".utf8))
        #expect(try garbage.next("IND.ERROR").code == 600)
        #expect(try garbage.waitForClose())
        let huge = try ESPAXTestClient(port: running.port)
        try huge.writeRaw([0x45, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1])
        #expect(try huge.next("IND.ERROR").code == 600)
        #expect(try huge.waitForClose())

        var idle: [ESPAXTestClient] = []
        for _ in 0..<1000 { idle.append(try ESPAXTestClient(port: running.port)) }
        let slowloris = try ESPAXTestClient(port: running.port)
        let login = Array(ESPAXTestClient.frame("<ESPA-X version=\"1.00\"><REQ.LOGIN invokeID=\"1\"><LI-CLIENT>x</LI-CLIENT></REQ.LOGIN></ESPA-X>", number: 1))

        // Each round: one byte from the slowloris, then a full exchange from a fresh real client.
        for round in 0..<5 {
            try? slowloris.writeRaw([login[round]])
            let client = try ESPAXTestClient(port: running.port)
            #expect(try client.login(client: "NurseCall-1", password: "secret1").code == 200)
            try client.send("REQ.P-START", fields: [("CP-PR-REF", "round-\(round)"), ("CP-GROUPID", "0815"), ("CP-TEXTMSG", "round \(round)")])
            #expect(try client.next("RSP.P-START").code == 200)
            try client.send("REQ.LOGOUT", fields: [("LO-REASON", "Normal"), ("PROPRIETARY", "")])
            #expect(try client.next("RSP.LOGOUT").code == 200)
            try await Task.sleep(for: .seconds(1))
        }
        // The 1,000 idle sockets were pushed out by the cap, oldest first.
        #expect(try idle[0].waitForClose(timeout: .seconds(2)))
        #expect(running.daemon.runLog.contains("ESPA-X connection limit reached"))
        let errors = try validateESPAXDocuments((garbage.received + huge.received).map(\.xml))
        #expect(errors.isEmpty, "\(errors)")
    }
}
