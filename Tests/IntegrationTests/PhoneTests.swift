#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import Testing
import TocsinTestKit

/// The phone side of the built daemon: Cisco pushes to fake phones on loopback (each on its own
/// port of 127.0.0.1, so the pages' phone-address check holds), the pages they fetch, the Services
/// list, acknowledgement from the softkey, and SIP MESSAGE to real SIPp handsets.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct PhoneTests {
    static let user = "tocsin-push"
    static let password = "push-s3cret"

    /// A daemon on a port chosen beforehand, because the pushed URLs must carry it.
    struct Harness {
        let daemon: DaemonProcess
        let client: RESTClient
        let port: Int
        let phoneClient: HTTPClient
        var base: String { "http://127.0.0.1:\(port)" }

        static func start(_ name: String, extra: String = "") async throws -> Harness {
            let port = try freeTCPPort()
            let folder = try makeTemporaryFolder(name)
            try writeFile(folder + "/tocsin.toml", """
                [daemon]
                state_directory = "state"
                log_level = "info"

                [http]
                host = "127.0.0.1"
                port = \(port)

                [alarms]
                technical_group = "999"

                [cisco]
                username = "\(PhoneTests.user)"
                password = "\(PhoneTests.password)"
                public_base_url = "http://127.0.0.1:\(port)"
                timeout_ms = 3000

                [cisco.tones]
                Emergency = "Play:Alarm.raw"

                [sip]
                transport = "udp"
                local_address = "127.0.0.1"
                from_user = "alarm"
                t1_ms = 100
                \(extra)
                """)
            let daemon = DaemonProcess(folder: folder)
            try daemon.start(["run", "--config", "tocsin.toml"])
            let listening = try await daemon.waitForPort()
            guard listening == port else { throw HarnessError("daemon listens on \(listening), configured \(port)") }
            return Harness(daemon: daemon, client: RESTClient(port: port), port: port, phoneClient: FakeCiscoPhone.makeClient())
        }

        func phone(_ mode: FakeCiscoPhone.Mode = .normal) async throws -> FakeCiscoPhone {
            try await FakeCiscoPhone(username: PhoneTests.user, password: PhoneTests.password, mode: mode, client: phoneClient)
        }

        /// One directory phone, with a member, per address; all in one group. Returns the phone ids.
        @discardableResult
        func group(_ number: String, driver: String = "cisco", addresses: [String], names: [String]? = nil,
                   rule: String = "any", repetitions: Int = 0, interval: Int = 2) async throws -> [Int] {
            var memberIDs: [Int] = []
            var phoneIDs: [Int] = []
            for (index, address) in addresses.enumerated() {
                let name = names?[index] ?? "SEP\(number)\(index)"
                let phone = try await client.create("/api/phones", #"{"name":"\#(name)","driver":"\#(driver)","address":"\#(address)"}"#)
                let phoneID = try #require(phone["id"].int)
                phoneIDs.append(phoneID)
                let member = try await client.create("/api/members", #"{"userName":"n\#(number)-\#(index)","name":"Nurse \#(number)-\#(index)","phoneId":\#(phoneID)}"#)
                memberIDs.append(try #require(member["id"].int))
            }
            let members = memberIDs.map(String.init).joined(separator: ",")
            _ = try await client.create("/api/groups", #"{"number":"\#(number)","name":"Group \#(number)","members":[\#(members)],"rule":"\#(rule)","repetitions":\#(repetitions),"repeatInterval":\#(interval)}"#)
            return phoneIDs
        }

        func raise(group: String, text: String, priority: String = "high") async throws -> Int {
            let created = try await client.post("/api/alarms", #"{"group":"\#(group)","text":"\#(text)","priority":"\#(priority)"}"#)
            guard created.status == 201, let id = created.json["id"].int else { throw HarnessError("POST /api/alarms → \(created.status): \(created.body)") }
            return id
        }

        func stop() async {
            daemon.stop()
            try? await phoneClient.shutdown()
        }
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    static func execute(_ base: String, alarm: Int, phone: Int, tone: String? = nil) -> String {
        "<CiscoIPPhoneExecute><ExecuteItem Priority=\"0\" URL=\"\(base)/cisco/alarms/\(alarm)?phone=\(phone)\"/>"
            + (tone.map { "<ExecuteItem URL=\"\($0)\"/>" } ?? "") + "</CiscoIPPhoneExecute>"
    }

    /// Form encoding as browsers and Tocsin do it: unreserved bytes stay, space is `+`, every other is `%XX`.
    static func formEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || "-_.*".unicodeScalars.contains(scalar)
            if unreserved {
                out.unicodeScalars.append(scalar)
            } else if byte == 0x20 {
                out += "+"
            } else {
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// `HH:MM`, as the pages print times.
    static func isClock(_ text: Substring) -> Bool {
        let characters = Array(text)
        return characters.count == 5 && characters[2] == ":" && characters.enumerated().allSatisfy { $0.offset == 2 || $0.element.isNumber }
    }

    @Test func oneEmergencyPushCarriesTheExactExecuteAndThePhoneReadsTheExactPage() async throws {
        let h = try await Harness.start("phone-one")
        defer { Task { await h.stop() } }
        let phone = try await h.phone()
        defer { Task { await phone.close() } }
        let ids = try await h.group("12", addresses: [phone.address])

        let id = try await h.raise(group: "12", text: "Zimmer 12 Bett 1 – Sturz, Ärztin <bitte> & schnell", priority: "emergency")
        await phone.waitForPushes(1)
        let push = try #require(phone.pushes.first)
        #expect(push.method == "POST")
        #expect(push.path == "/CGI/Execute")
        #expect(push.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(push.header("Authorization") == Self.basic(Self.user, Self.password))
        #expect(push.authorized)
        #expect(push.xml == Self.execute(h.base, alarm: id, phone: ids[0], tone: "Play:Alarm.raw"))
        #expect(push.body == "XML=" + Self.formEncoded(push.xml))
        #expect(push.items == [.init(priority: "0", url: "\(h.base)/cisco/alarms/\(id)?phone=\(ids[0])"), .init(priority: nil, url: "Play:Alarm.raw")])

        let page = try #require(phone.pages.first)
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/xml; charset=ISO-8859-1")
        #expect(page.header("Expires") == "-1")
        #expect(page.root == "CiscoIPPhoneText")
        #expect(page.title == "Emergency alarm")
        #expect(page.prompt == "Emergency - please acknowledge")
        let lines = try #require(page.text).split(separator: "\n")
        #expect(lines.count == 2)
        // The en dash has no Latin-1 byte and becomes "?"; Ä is the single byte 0xC4.
        #expect(lines.first == "Zimmer 12 Bett 1 ? Sturz, Ärztin <bitte> & schnell")
        #expect(lines.last?.hasPrefix("Alarm \(id), group 12, ") == true)
        #expect(lines.last.map { Self.isClock($0.suffix(5)) } == true)
        #expect(page.bytes.contains(0xC4))
        #expect(page.document.hasPrefix("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<CiscoIPPhoneText>\n<Title>Emergency alarm</Title>\n"))
        #expect(page.document.contains("<Text>Zimmer 12 Bett 1 ? Sturz, Ärztin &lt;bitte&gt; &amp; schnell\nAlarm \(id), group 12, "))
        #expect(page.softKeys == [
            .init(name: "Acknowledge", url: "\(h.base)/cisco/alarms/\(id)/acknowledge?phone=\(ids[0])", position: 1),
            .init(name: "Back", url: "SoftKey:Exit", position: 3),
        ])
        #expect(phone.fetchErrors.isEmpty)

        let alarm = try await h.client.waitFor("/api/alarms/\(id)") { $0["deliveries"][0]["status"].string == "accepted" }
        #expect(alarm["state"].string == "delivered")
        #expect(alarm["deliveries"][0]["lastOutcome"].string == "accepted: CiscoIPPhoneResponse Status=0 from phone \(ids[0]) (\(phone.address))")
    }

    @Test func aGroupOfFiveWithSlowRefusingErroringAndUnreachablePhones() async throws {
        let h = try await Harness.start("phone-five")
        defer { Task { await h.stop() } }
        let phones = [
            try await h.phone(), try await h.phone(.slow(.milliseconds(800))), try await h.phone(.refusing),
            try await h.phone(.error(1)), try await h.phone(.unreachable),
        ]
        defer { Task { for phone in phones { await phone.close() } } }
        let ids = try await h.group("5", addresses: phones.map(\.address))
        let id = try await h.raise(group: "5", text: "Smoke detector 5")

        let alarm = try await h.client.waitFor("/api/alarms/\(id)", timeout: .seconds(60)) { alarm in
            alarm["deliveries"].array.allSatisfy { ["accepted", "failed"].contains($0["status"].string ?? "") }
        }
        func delivery(_ index: Int) -> JSONValue { alarm["deliveries"].array.first { $0["phoneId"].int == ids[index] } ?? .null }
        let who = { (index: Int) in "phone \(ids[index]) (\(phones[index].address))" }
        #expect(delivery(0)["status"].string == "accepted")
        #expect(delivery(1)["status"].string == "accepted")
        #expect(delivery(1)["lastOutcome"].string == "accepted: CiscoIPPhoneResponse Status=0 from \(who(1))")
        #expect(delivery(2)["status"].string == "failed")
        #expect(delivery(2)["lastOutcome"].string == "failed: \(who(2)) refused the credentials (HTTP 403): check [cisco] username and password and the phone's authentication URL")
        #expect(delivery(3)["status"].string == "failed")
        #expect(delivery(3)["lastOutcome"].string == "failed: \(who(3)) answered CiscoIPPhoneError 1: error parsing the pushed object")
        #expect(delivery(4)["status"].string == "failed")
        #expect(delivery(4)["lastOutcome"].string == "failed after 3 attempts: connection refused by \(who(4)): is its web access enabled?")
        #expect(alarm["state"].string == "delivered")
        // Refusals and errors are final: one push each, no page fetched; the slow phone was pushed once.
        #expect(phones.map { $0.pushes.count } == [1, 1, 1, 1, 0])
        #expect(phones.map { $0.pages.count } == [1, 1, 0, 0, 0])
    }

    @Test func aGroupOfTwoHundredPhonesEachGetsOnePushAndReadsItsOwnPage() async throws {
        let h = try await Harness.start("phone-200")
        defer { Task { await h.stop() } }
        var started: [FakeCiscoPhone] = []
        for _ in 0..<200 { started.append(try await h.phone()) }
        let phones = started
        defer { Task { for phone in phones { await phone.close() } } }
        let ids = try await h.group("200", addresses: phones.map(\.address))
        let id = try await h.raise(group: "200", text: "Evacuate wing B", priority: "emergency")

        let alarm = try await h.client.waitFor("/api/alarms/\(id)", timeout: .seconds(60)) { alarm in
            alarm["deliveries"].array.count == 200 && alarm["deliveries"].array.allSatisfy { $0["status"].string == "accepted" }
        }
        #expect(alarm["state"].string == "delivered")
        for (index, phone) in phones.enumerated() {
            #expect(phone.pushes.count == 1, "phone \(index)")
            #expect(phone.pushes.first?.xml == Self.execute(h.base, alarm: id, phone: ids[index], tone: "Play:Alarm.raw"))
            #expect(phone.pages.count == 1, "phone \(index)")
            #expect(phone.pages.first?.text?.hasPrefix("Evacuate wing B\nAlarm \(id), group 200, ") == true)
        }
    }

    @Test func theServicesListShowsTheNewestFiveNewestFirst() async throws {
        let h = try await Harness.start("phone-services")
        defer { Task { await h.stop() } }
        let phone = try await h.phone()
        defer { Task { await phone.close() } }
        let device = "SEP00112233AABB"
        let ids = try await h.group("7", addresses: [phone.address], names: [device])
        var alarms: [Int] = []
        for number in 1...6 {
            let id = try await h.raise(group: "7", text: "Call \(number) from room 7")
            await phone.waitForPushes(number)
            alarms.append(id)
        }
        _ = try await h.client.post("/api/alarms/\(alarms[5])/acknowledge", #"{"by":"Nurse 7-0"}"#)

        let menu = try await phone.fetch("\(h.base)/cisco/services?device=\(device)")
        #expect(menu.status == 200)
        #expect(menu.header("Content-Type") == "text/xml; charset=ISO-8859-1")
        #expect(menu.root == "CiscoIPPhoneMenu")
        #expect(menu.title == "Recent alarms")
        #expect(menu.prompt == "5 most recent")
        let newest = Array(alarms.reversed().prefix(5))
        #expect(menu.menuItems.map(\.url) == newest.map { "\(h.base)/cisco/alarms/\($0)?device=\(device)" })
        // The acknowledged (ended) alarm has no "!" mark; the open ones do.
        #expect(menu.menuItems.map { String($0.name.dropFirst(6)) } == ["Call 6 from room 7", "! Call 5 from room 7", "! Call 4 from room 7", "! Call 3 from room 7", "! Call 2 from room 7"])
        #expect(menu.menuItems.allSatisfy { Self.isClock($0.name.prefix(5)) })
        #expect(menu.softKeys == [.init(name: "Select", url: "SoftKey:Select", position: 1), .init(name: "Back", url: "SoftKey:Exit", position: 3)])

        let opened = try await phone.fetch(menu.menuItems[1].url)
        #expect(opened.title == "High alarm")
        #expect(opened.text?.hasPrefix("Call 5 from room 7\nAlarm \(alarms[4]), group 7, ") == true)
        #expect(opened.softKey(named: "Acknowledge")?.url == "\(h.base)/cisco/alarms/\(alarms[4])/acknowledge?device=\(device)")

        let history = try await h.client.get("/api/phones/\(ids[0])/history")
        #expect(history.status == 200)
        let listed = history.json["alarms"].array.isEmpty ? history.json.array : history.json["alarms"].array
        #expect(listed.compactMap { $0["id"].int } == newest)
    }

    @Test func theAcknowledgeSoftkeyStopsTheRepetitionsToThatPhone() async throws {
        let h = try await Harness.start("phone-ack")
        defer { Task { await h.stop() } }
        let acknowledging = try await h.phone()
        let silent = try await h.phone()
        defer { Task { await acknowledging.close(); await silent.close() } }
        let ids = try await h.group("3", addresses: [acknowledging.address, silent.address], rule: "all", repetitions: 2, interval: 2)
        let id = try await h.raise(group: "3", text: "Room 3 bed 2")
        await acknowledging.waitForPages(1)
        let page = try #require(acknowledging.pages.first)

        let answer = try await acknowledging.press("Acknowledge", on: page)
        #expect(answer.status == 200)
        #expect(answer.root == "CiscoIPPhoneText")
        #expect(answer.prompt == "High - please acknowledge" || answer.prompt == "Acknowledged")
        let acknowledged = try await h.client.waitFor("/api/alarms/\(id)") { alarm in
            alarm["deliveries"].array.first { $0["phoneId"].int == ids[0] }?["status"].string == "acknowledged"
        }
        #expect(acknowledged["state"].string != "ended", "rule all: the second phone has not acknowledged yet")
        let journal = try await h.client.get("/api/alarms/\(id)/journal")
        let entry = journal.json["entries"].array.first { $0["kind"].string == "acknowledged" }
        #expect(entry?["by"].string == "Nurse 3-0")
        #expect(entry?["phoneId"].int == ids[0])

        // Both repetitions go to the phone that did not acknowledge, none to the one that did.
        await silent.waitForPushes(3)
        #expect(acknowledging.pushes.count == 1)
        let last = try #require(silent.pages.last)
        let done = try await silent.press("Acknowledge", on: last)
        #expect(done.prompt == "Acknowledged")
        let ended = try await h.client.waitFor("/api/alarms/\(id)") { $0["state"].string == "ended" }
        #expect(ended["endReason"].string == "Finished")
        #expect(acknowledging.pushes.count == 1)
        #expect(silent.pushes.count == 3)
    }

    @Test func sipHandsetsAnswering200And202And480AndNothing() async throws {
        guard SIPpHandset.binary != nil else {
            Issue.record("sipp is not installed: apt-get install sip-tester (make deps-test does it)")
            return
        }
        let h = try await Harness.start("phone-sip")
        defer { Task { await h.stop() } }
        let handsets = [
            try SIPpHandset(scenario: "message_200"), try SIPpHandset(scenario: "message_202"),
            try SIPpHandset(scenario: "message_480", calls: 2), try SIPpHandset(scenario: "message_silent_long", calls: 2),
        ]
        defer { handsets.forEach { $0.stop() } }
        let addresses = handsets.enumerated().map { "sip:210\($0.offset)@127.0.0.1:\($0.element.port)" }
        let ids = try await h.group("21", driver: "sip", addresses: addresses)
        let id = try await h.raise(group: "21", text: "Fire zone 12 floor 3", priority: "emergency")

        let alarm = try await h.client.waitFor("/api/alarms/\(id)", timeout: .seconds(60)) { alarm in
            alarm["deliveries"].array.allSatisfy { ["accepted", "queued", "failed"].contains($0["status"].string ?? "") }
        }
        func delivery(_ index: Int) -> JSONValue { alarm["deliveries"].array.first { $0["phoneId"].int == ids[index] } ?? .null }
        #expect(delivery(0)["status"].string == "accepted")
        #expect(delivery(0)["lastOutcome"].string == "accepted: SIP 200 OK from \(addresses[0])")
        #expect(delivery(1)["status"].string == "queued")
        #expect(delivery(1)["lastOutcome"].string == "queued: SIP 202 Accepted from \(addresses[1]): accepted for later delivery, not yet on the handset")
        #expect(delivery(2)["status"].string == "failed")
        #expect(delivery(2)["lastOutcome"].string == "failed after 2 attempts: SIP 480 Temporarily Unavailable: \(addresses[2]) is not registered or out of range")
        #expect(delivery(3)["status"].string == "failed")
        #expect(delivery(3)["lastOutcome"].string == "failed after 2 attempts: no answer from \(addresses[3]) within 6400 ms (Timer F)")
        #expect(alarm["state"].string == "delivered")

        #expect(await handsets[0].finish() == 0)
        let message = try #require(handsets[0].receivedMessages.first)
        #expect(message.hasPrefix("MESSAGE \(addresses[0]) SIP/2.0\n") || message.hasPrefix("MESSAGE \(addresses[0]) SIP/2.0\r\n"))
        for header in ["Max-Forwards: 70", "To: <\(addresses[0])>", "CSeq: 1 MESSAGE", "Priority: emergency", "Content-Type: text/plain;charset=UTF-8",
                       "Content-Length: 20", "From: <sip:alarm@127.0.0.1>;tag="] {
            #expect(message.contains(header), "\(header)")
        }
        #expect(message.hasSuffix("Fire zone 12 floor 3") || message.contains("\n\nFire zone 12 floor 3") || message.contains("\r\n\r\nFire zone 12 floor 3"))
        #expect(handsets[2].receivedMessages.count == 2)
        // Over UDP the silent handset saw the first MESSAGE and its retransmissions (T1 = 100 ms doubling).
        #expect(handsets[3].receivedMessages.count >= 10)
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freeTCPPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
    guard bound == 0 else { throw HarnessError("no free port on 127.0.0.1") }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
