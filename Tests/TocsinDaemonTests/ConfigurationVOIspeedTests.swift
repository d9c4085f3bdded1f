import Alarming
import Delivery
import Testing
@testable import TocsinDaemon
import VOIspeed

/// `[voispeed]`: values, the settings handed to the PBX, the SMS driver and the dialer, every
/// problem named by key and line, and the rule that only one PBX places escalation calls.
struct ConfigurationVOIspeedTests {
    private func problems(_ text: String) -> [ConfigurationError.Problem] {
        do {
            _ = try Configuration.parse(text, origin: "t.toml")
            return []
        } catch {
            return error.problems
        }
    }

    @Test func readsEveryKey() throws {
        let voispeed = try Configuration.parse("""
            [voispeed]
            enabled = true
            name = "vs1"
            base_url = "http://192.168.1.65:3541"
            username = "tocsin"
            password = "s3cret"
            timeout_ms = 3000
            supervision_seconds = 0
            escalation = true
            connect_to = "900"
            callee_interface = "isdn"
            poll_interval_ms = 500
            poll_failures = 5
            events_from = ["192.168.1.65", "fd00::65", "192.168.1.65"]
            sms_sender = "202"
            sms_sender_name = "Tocsin Ward 4"
            sms_charset = "latin1"
            sms_concurrency = 8
            sms_max_attempts = 2
            """, origin: "t.toml").voispeed
        #expect(voispeed == Configuration.VOIspeed(
            enabled: true, name: "vs1", baseURL: "http://192.168.1.65:3541", username: "tocsin", password: "s3cret", timeoutMs: 3000,
            supervisionSeconds: 0, escalation: true, connectTo: "900", calleeInterface: .isdn, pollIntervalMs: 500, pollFailures: 5,
            eventsFrom: ["192.168.1.65", "fd00::65"], smsSender: "202", smsSenderName: "Tocsin Ward 4", smsCharset: .latin1, smsConcurrency: 8, smsMaxAttempts: 2))
        let pbx = voispeed.pbxSettings
        #expect(pbx.name == "vs1")
        #expect(pbx.baseURL == "http://192.168.1.65:3541")
        #expect(pbx.timeout == .milliseconds(3000))
        #expect(pbx.supervisionInterval == nil)
        #expect(!pbx.description.contains("s3cret"))
        let sms = voispeed.smsSettings
        #expect(sms.sender == "202")
        #expect(sms.senderName == "Tocsin Ward 4")
        #expect(sms.charset == .latin1)
        #expect(sms.concurrency == 8)
        #expect(sms.retryPolicy.maxAttempts == 2)
        let dialer = voispeed.dialerSettings
        #expect(dialer.connectTo == "900")
        #expect(dialer.interface == .isdn)
        #expect(dialer.watch.pollInterval == .milliseconds(500))
        #expect(dialer.watch.pollFailureLimit == 5)
        #expect(!voispeed.description.contains("s3cret"))
        #expect(!String(reflecting: voispeed).contains("s3cret"))
    }

    @Test func theDefaults() throws {
        let voispeed = Configuration.defaults.voispeed
        #expect(!voispeed.enabled)
        #expect(voispeed.escalation)
        #expect(voispeed.calleeInterface == .sip)
        #expect(voispeed.pbxSettings.supervisionInterval == .seconds(60))
        #expect(voispeed.dialerSettings.watch.pollInterval == .seconds(1))
        // "" leaves the interface to the PBX.
        #expect(try Configuration.parse("[voispeed]\ncallee_interface = \"\"\n", origin: "t").voispeed.calleeInterface == nil)
    }

    @Test func anEnabledPBXNeedsItsAddressAndForCallsConnectTo() {
        let found = problems("""
            [voispeed]
            enabled = true
            """)
        #expect(found.map(\.key) == ["voispeed.base_url", "voispeed.connect_to"])
        #expect(found.allSatisfy { $0.line == 2 })
        #expect(found[0].message == "missing; voispeed.enabled needs the PBX's HTTP address, such as http://192.168.1.65:3541")
        #expect(found[1].message.hasPrefix("missing; escalation calls through VOIspeed need the number a callee is put through to"))
        // SMS only needs no connect_to.
        #expect(problems("[voispeed]\nenabled = true\nbase_url = \"http://pbx:3541\"\nescalation = false\n").isEmpty)
        // Off, nothing is needed.
        #expect(problems("[voispeed]\nenabled = false\n").isEmpty)
    }

    @Test func cstaAndVOIspeedCannotBothPlaceCalls() {
        let both = """
            [csta]
            enabled = true
            host = "ecss"
            username = "u"
            calling_devices = ["725"]

            [voispeed]
            enabled = true
            base_url = "http://pbx:3541"
            connect_to = "900"
            """
        let found = problems(both)
        #expect(found.map(\.key) == ["voispeed.escalation"])
        #expect(found.first?.line == 8)
        #expect(found.first?.message == "[csta] places the escalation calls already; only one PBX can: set voispeed.escalation = false (VOIspeed then sends SMS only) or turn [csta] off")
        #expect(problems(both + "\nescalation = false\n").isEmpty)
        #expect(problems(both.replacing("[csta]\nenabled = true", with: "[csta]\nenabled = false")).isEmpty)
    }

    @Test func namesEveryProblemWithItsKeyAndLine() {
        let found = problems("""
            [voispeed]
            base_url = "pbx:3541"
            username = "a:b"
            timeout_ms = 50
            supervision_seconds = -1
            escalation = "yes"
            connect_to = "9 00"
            callee_interface = "DECT"
            poll_interval_ms = 100
            poll_failures = 0
            sms_sender = "Ward"
            sms_sender_name = "A name that is much longer than thirty-two characters"
            sms_charset = "ebcdic"
            sms_concurrency = 0
            sms_max_attempts = 11
            poll_interval = 1000
            """)
        #expect(found.map(\.key) == [
            "voispeed.base_url", "voispeed.username", "voispeed.timeout_ms", "voispeed.supervision_seconds", "voispeed.escalation",
            "voispeed.connect_to", "voispeed.callee_interface", "voispeed.poll_interval_ms", "voispeed.poll_failures",
            "voispeed.sms_sender", "voispeed.sms_sender_name", "voispeed.sms_charset", "voispeed.sms_concurrency",
            "voispeed.sms_max_attempts", "voispeed.poll_interval",
        ])
        #expect(found.map(\.line) == Array(2...16))
        #expect(found[0].message == "\"pbx:3541\" must start with http:// or https://, such as http://192.168.1.65:3541")
        #expect(found[5].message == "\"9 00\" is not a dialable number (1 to 32 of 0-9 + * #)")
        #expect(found[6].message == "unknown interface \"DECT\"; expected one of IVR, LAN, SIP, WAN, ISDN, FAX, or \"\" for the PBX's default")
        #expect(found[11].message == "unknown charset \"ebcdic\"; expected utf-8 or latin1")
        #expect(found[14].message == "unknown key; did you mean voispeed.poll_interval_ms?")
    }

    @Test func eventsComeOnlyFromIPAddresses() {
        let found = problems("""
            [voispeed]
            events_from = ["pbx.example", 7, "10.0.0.300", "10.0.0.3"]
            """)
        #expect(found.map(\.key) == ["voispeed.events_from[0]", "voispeed.events_from[1]", "voispeed.events_from[2]"])
        #expect(found[0].message == "\"pbx.example\" is not an IP address (the PBX's, such as 192.168.1.65; host names are not resolved)")
        #expect(problems("[voispeed]\nevents_from = \"10.0.0.3\"\n").map(\.key) == ["voispeed.events_from"])
        #expect(Configuration.defaults.voispeed.eventsFrom.isEmpty)
    }

    @Test func theBaseURLIsThePBXsAddressOnly() {
        let cases: [(String, String)] = [
            ("http://", "names no host"),
            ("http://user:pw@pbx:3541", "must not carry credentials"),
            ("http://pbx:3541/?srv=0", "must not carry a query"),
            ("http://pbx:3541/services.cgi", "without /services.cgi"),
            ("ftp://pbx", "must start with http:// or https://"),
        ]
        for (url, message) in cases {
            let found = problems("[voispeed]\nbase_url = \"\(url)\"\n")
            #expect(found.map(\.key) == ["voispeed.base_url"], "\(url)")
            #expect(found.first?.message.contains(message) == true, "\(url): \(found)")
        }
        #expect(problems("[voispeed]\nbase_url = \"https://pbx.example/voispeed\"\n").isEmpty)
    }

    @Test func aPasswordNeedsAUserAndIsNeverEchoed() {
        let found = problems("[voispeed]\npassword = \"hunter2\"\n")
        #expect(found.map(\.key) == ["voispeed.username"])
        #expect(!found.map(\.description).joined().contains("hunter2"))
    }

    @Test func voispeedNeedsARestart() {
        var changed = Configuration.defaults
        changed.voispeed.connectTo = "901"
        #expect(changed.reloadDifferences(from: .defaults).needsRestart == ["voispeed"])
        #expect(changed.reloadDifferences(from: .defaults).reloadable.isEmpty)
    }
}
