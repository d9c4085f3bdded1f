import Alarming
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Web

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The phone-facing `/cisco/…` URLs over real TCP (the live test client connects from 127.0.0.1,
/// the phone's address in these tests), with a real store and alarm service.
@Suite(.timeLimit(.minutes(1))) struct PhoneRoutesTests {
    static let device = "SEP001122334455"
    static let base = "http://10.0.0.5:8080"

    func phoneApplication(_ world: TestWorld, _ settings: PhoneEndpointPolicy.Settings = .init(username: "pushuser", password: "s3cret", publicBaseURL: base + "/")) -> some ApplicationProtocol {
        var environment = world.environment
        environment.phonePolicy = PhoneEndpointPolicy(settings)
        // Staff API from anywhere needs a password: the phone routes must not open it.
        environment.policy = WebPolicy(loopbackWithoutAuth: false)
        return makeWebApplication(environment)
    }

    /// Group 12 with Anna on the Cisco phone at 127.0.0.1, and `count` delivered alarms to it.
    func ward(_ world: TestWorld, alarms count: Int) async throws -> (phone: Phone, alarms: [Alarm]) {
        let phone = try await world.store.directory.createPhone(Phone(name: Self.device, driver: "webhook", address: "127.0.0.1:9"))
        let member = try await world.store.directory.createMember(Member(userName: "anna", name: "Anna", phoneID: phone.id))
        _ = try await world.store.directory.createGroup(Group(number: "12", name: "Ward 3", memberIDs: [member.id]))
        var alarms: [Alarm] = []
        for index in stride(from: 1, through: count, by: 1) {
            alarms.append(try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "Room \(index) <bed> & \"call\"", priority: .high)))
        }
        await world.service.waitForDeliveries()
        return (phone, alarms)
    }

    @Test func theServicesListShowsTheNewestFiveNewestFirst() async throws {
        try await withWorld { world in
            _ = try await ward(world, alarms: 6)
            let time = PhoneRoutes.clock(TestWorld.start)
            try await phoneApplication(world).test(.live) { client in
                let response = try await client.execute(uri: "/cisco/services?device=\(Self.device)", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/xml; charset=ISO-8859-1")
                #expect(response.headers[.expires] == "-1")
                let items = (2...6).reversed().map { id in
                    "<MenuItem>\n<Name>\(time) ! Room \(id) &lt;bed&gt; &amp; &quot;call&quot;</Name>\n<URL>\(Self.base)/cisco/alarms/\(id)?device=\(Self.device)</URL>\n</MenuItem>\n"
                }.joined()
                #expect(response.text == """
                    <?xml version="1.0" encoding="ISO-8859-1"?>
                    <CiscoIPPhoneMenu>
                    <Title>Recent alarms</Title>
                    <Prompt>5 most recent</Prompt>
                    \(items)<SoftKeyItem>
                    <Name>Select</Name>
                    <URL>SoftKey:Select</URL>
                    <Position>1</Position>
                    </SoftKeyItem>
                    <SoftKeyItem>
                    <Name>Back</Name>
                    <URL>SoftKey:Exit</URL>
                    <Position>3</Position>
                    </SoftKeyItem>
                    </CiscoIPPhoneMenu>

                    """)
            }
        }
    }

    @Test func theAlarmPageHasAnAcknowledgeKeyAndTheSoftkeyAcknowledges() async throws {
        try await withWorld { world in
            let (phone, alarms) = try await ward(world, alarms: 1)
            let id = alarms[0].id
            let time = PhoneRoutes.clock(TestWorld.start)
            try await phoneApplication(world).test(.live) { client in
                let page = try await client.execute(uri: "/cisco/alarms/\(id)?phone=\(phone.id)", method: .get)
                #expect(page.status == .ok)
                #expect(page.text == """
                    <?xml version="1.0" encoding="ISO-8859-1"?>
                    <CiscoIPPhoneText>
                    <Title>High alarm</Title>
                    <Prompt>High - please acknowledge</Prompt>
                    <Text>Room 1 &lt;bed&gt; &amp; &quot;call&quot;
                    Alarm \(id), group 12, \(time)</Text>
                    <SoftKeyItem>
                    <Name>Acknowledge</Name>
                    <URL>\(Self.base)/cisco/alarms/\(id)/acknowledge?phone=\(phone.id)</URL>
                    <Position>1</Position>
                    </SoftKeyItem>
                    <SoftKeyItem>
                    <Name>Back</Name>
                    <URL>SoftKey:Exit</URL>
                    <Position>3</Position>
                    </SoftKeyItem>
                    </CiscoIPPhoneText>

                    """)
                let acknowledged = try await world.awaitEvent({ if case .acknowledged(by: "Anna", phoneID: phone.id) = $0.change { true } else { false } }) {
                    let answer = try await client.execute(uri: "/cisco/alarms/\(id)/acknowledge?phone=\(phone.id)", method: .get)
                    #expect(answer.status == .ok)
                    #expect(answer.text.contains("<Prompt>Acknowledged</Prompt>"))
                    #expect(!answer.text.contains("<Name>Acknowledge</Name>"))
                }
                #expect(acknowledged.alarm.acknowledgedBy == "Anna")
                let stored = try await world.store.journal.alarm(id: id)
                #expect(stored?.state == .ended && stored?.endReason == .finished && stored?.acknowledgedBy == "Anna")
                let records = try await world.store.journal.records(alarmID: id)
                #expect(records.contains { $0.entry == .acknowledged(by: "Anna", phoneID: phone.id) })
                // Pressing it again shows who acknowledged, and changes nothing.
                let again = try await client.execute(uri: "/cisco/alarms/\(id)/acknowledge?phone=\(phone.id)", method: .get)
                #expect(again.text.contains("<Prompt>Acknowledged by Anna</Prompt>"))
            }
        }
    }

    @Test func otherPhonesAndOtherAddressesAreRefused() async throws {
        try await withWorld { world in
            let (_, alarms) = try await ward(world, alarms: 1)
            let elsewhere = try await world.store.directory.createPhone(Phone(name: "SEPAAAABBBBCCCC", driver: "webhook", address: "10.9.9.9"))
            let local = try await world.store.directory.createPhone(Phone(name: "SEPLOCAL", driver: "webhook", address: "127.0.0.1"))
            try await phoneApplication(world).test(.live) { client in
                let wrongPeer = try await client.execute(uri: "/cisco/services?device=SEPAAAABBBBCCCC", method: .get)
                #expect(wrongPeer.status == .forbidden)
                #expect(wrongPeer.text.contains("<Text>This page is only for the phone SEPAAAABBBBCCCC</Text>"))
                let notItsAlarm = try await client.execute(uri: "/cisco/alarms/\(alarms[0].id)?phone=\(local.id)", method: .get)
                #expect(notItsAlarm.status == .notFound)
                let ackOther = try await client.execute(uri: "/cisco/alarms/\(alarms[0].id)/acknowledge?phone=\(local.id)", method: .get)
                #expect(ackOther.status == .notFound)
                let untouched = try await world.store.journal.alarm(id: alarms[0].id)
                #expect(untouched?.isOpen == true)
                let unknown = try await client.execute(uri: "/cisco/services?device=SEPNOBODY", method: .get)
                #expect(unknown.status == .notFound)
                let unnamed = try await client.execute(uri: "/cisco/services", method: .get)
                #expect(unnamed.status == .badRequest)
                // The staff API is still behind its password.
                let api = try await client.execute(uri: "/api/alarms", method: .get)
                #expect(api.status == .unauthorized)
                _ = elsewhere
            }
        }
    }

    @Test func theAuthenticationURLAnswersBareWords() async throws {
        try await withWorld { world in
            try await phoneApplication(world).test(.live) { client in
                func ask(_ body: String) async throws -> (String, String?) {
                    let response = try await client.execute(uri: "/cisco/authenticate", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
                    return (response.text, response.headers[.contentType])
                }
                let right = try await ask("UserID=pushuser&Password=s3cret&devicename=\(Self.device)")
                #expect(right.0 == "AUTHORIZED" && right.1 == "text/plain")
                let wrong = try await ask("UserID=pushuser&Password=wrong&devicename=\(Self.device)")
                #expect(wrong.0 == "UN-AUTHORIZED")
                let other = try await ask("UserID=other&Password=s3cret")
                #expect(other.0 == "UN-AUTHORIZED")
                let missing = try await ask("devicename=\(Self.device)")
                #expect(missing.0 == "ERROR")
            }
            try await phoneApplication(world, .init(username: "", password: "")).test(.live) { client in
                let response = try await client.execute(uri: "/cisco/authenticate", method: .post, body: ByteBuffer(string: "UserID=&Password="))
                #expect(response.text == "ERROR")
                let empty = try await client.execute(uri: "/cisco/authenticate", method: .post, body: ByteBuffer(string: "UserID=x&Password=y"))
                #expect(empty.text == "UN-AUTHORIZED")
            }
        }
    }

    @Test func anEmptyHistoryAndEncoding() async throws {
        #expect(CiscoPhoneXML.latin1(CiscoPhoneXML.escape("Zimmer 3 – Bad ü\u{7}")) == Array("Zimmer 3 ? Bad ".utf8) + [0xFC])
        #expect(CiscoPhoneXML.cut(String(repeating: "x", count: 40), 32) == String(repeating: "x", count: 31) + ".")
        #expect(PhoneEndpointPolicy.host(ofAddress: "http://10.1.2.3:80/x") == "10.1.2.3")
        #expect(PhoneEndpointPolicy.host(ofAddress: "[::1]:8080") == "::1")
        #expect(PhoneEndpointPolicy.peer("::ffff:10.1.2.3", isPhoneAt: "10.1.2.3:8080"))
        #expect(!PhoneEndpointPolicy.peer("10.1.2.4", isPhoneAt: "10.1.2.3"))
        try await withWorld { world in
            _ = try await ward(world, alarms: 0)
            try await phoneApplication(world).test(.live) { client in
                let response = try await client.execute(uri: "/cisco/services?device=\(Self.device)", method: .get)
                #expect(response.text.contains("<Text>No alarms yet.</Text>"))
            }
        }
    }
}
