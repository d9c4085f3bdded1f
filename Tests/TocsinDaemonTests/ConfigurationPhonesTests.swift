import Alarming
import Delivery
import Testing
import Web
@testable import TocsinDaemon

/// `[cisco]`, `[cisco.tones]`, `[sip]` and `[phones]`: values, what the drivers and the phone
/// endpoints get, defaults, every problem by key and line, and passwords kept out of text.
struct ConfigurationPhonesTests {
    @Test func readsEveryKeyIntoTheDriverAndPolicySettings() throws {
        let configuration = try Configuration.parse("""
            [cisco]
            username = "pushuser"
            password = "s3cret-push"
            public_base_url = "http://10.0.0.5:8080/"
            require_phone_address = false
            timeout_ms = 4000
            tone_allowance_ms = 2500
            concurrency = 200

            [cisco.tones]
            emergency = "Play:Alarm.raw"
            High = "Vibrate:"

            [sip]
            transport = "tcp"
            local_address = "10.0.0.5"
            from_user = "tocsin"
            from_domain = "pbx.example"
            username = "alarm"
            password = "s3cret-sip"
            profile = "innovaphone"

            [phones]
            failures_before_alarm = 5
            """, origin: "t.toml")
        #expect(configuration.cisco == Configuration.Cisco(
            username: "pushuser", password: "s3cret-push", publicBaseURL: "http://10.0.0.5:8080/", requirePhoneAddress: false,
            timeoutMs: 4000, toneAllowanceMs: 2500, concurrency: 200, tones: [.emergency: "Play:Alarm.raw", .high: "Vibrate:"]))
        #expect(configuration.cisco.driverSettings == CiscoPhoneDriver.Settings(
            username: "pushuser", password: "s3cret-push", publicBaseURL: "http://10.0.0.5:8080/",
            tones: [.emergency: "Play:Alarm.raw", .high: "Vibrate:"], timeout: .seconds(4), toneAllowance: .milliseconds(2500), concurrency: 200))
        #expect(configuration.cisco.policySettings == PhoneEndpointPolicy.Settings(
            username: "pushuser", password: "s3cret-push", publicBaseURL: "http://10.0.0.5:8080/", requirePhoneAddress: false))
        #expect(configuration.sip == Configuration.SIP(
            transport: .tcp, localAddress: "10.0.0.5", fromUser: "tocsin", fromDomain: "pbx.example",
            username: "alarm", password: "s3cret-sip", profile: .innovaphone))
        let sip = configuration.sip.driverSettings
        #expect(sip.transport == .tcp)
        #expect(sip.fromDomain == "pbx.example")
        #expect(sip.profile == .innovaphone)
        #expect(sip.t1 == .milliseconds(500))
        #expect(configuration.phones.failuresBeforeAlarm == 5)
    }

    @Test func defaultsAreTheDriversOwn() {
        let defaults = Configuration.defaults
        #expect(defaults.cisco.driverSettings == CiscoPhoneDriver.Settings())
        #expect(defaults.cisco.policySettings == PhoneEndpointPolicy.Settings())
        #expect(defaults.sip.driverSettings == SIPMessageDriver.Settings())
        #expect(defaults.phones.failuresBeforeAlarm == 3)
    }

    @Test func passwordsNeverReachTheDescription() throws {
        let configuration = try Configuration.parse("""
            [cisco]
            username = "u"
            password = "hunter2-cisco"
            [sip]
            username = "u"
            password = "hunter2-sip"
            """, origin: "t.toml")
        let text = "\(configuration) \(String(reflecting: configuration.cisco)) \(String(reflecting: configuration.sip))"
        #expect(!text.contains("hunter2"))
        #expect(configuration.cisco.description.contains("password: <redacted>"))
        #expect(configuration.sip.description.contains("password: <redacted>"))
    }

    @Test func aReloadAppliesPhoneSettingsWithoutARestart() throws {
        let changed = try Configuration.parse("[cisco]\nconcurrency = 8\n[sip]\nprofile = \"plain\"\n[phones]\nfailures_before_alarm = 0\n", origin: "t.toml")
        let differences = changed.reloadDifferences(from: .defaults)
        #expect(differences.reloadable == ["cisco", "sip", "phones"])
        #expect(differences.needsRestart.isEmpty)
    }

    @Test func namesEveryProblemWithItsKeyAndLine() throws {
        let text = """
            [cisco]
            username = "a:b"
            password = "topsecret-value"
            public_base_url = "10.0.0.5:8080"
            timeout_ms = 100
            concurency = 3

            [cisco.tones]
            loud = "Play:x.raw"
            Emergency = "Alarm.raw"

            [sip]
            transport = "sctp"
            from_user = "alarm@gw"
            password = "sip-secret-value"
            profile = "cisco"

            [phones]
            failures_before_alarm = -1
            """
        let error = try #require(throws: ConfigurationError.self) { try Configuration.parse(text, origin: "t.toml") }
        #expect(error.problems.map(\.key) == [
            "cisco.username", "cisco.username", "cisco.public_base_url", "cisco.timeout_ms", "cisco.concurency",
            "cisco.tones.loud", "cisco.tones.Emergency", "sip.transport", "sip.from_user", "sip.username", "sip.profile",
            "phones.failures_before_alarm",
        ])
        #expect(error.problems.map(\.line) == [2, 3, 4, 5, 6, 9, 10, 13, 14, 15, 16, 19])
        #expect(error.problems.first { $0.key == "cisco.concurency" }?.message == "unknown key; did you mean cisco.concurrency?")
        #expect(error.problems.first { $0.key == "cisco.public_base_url" }?.message
            == "\"10.0.0.5:8080\" must start with http:// or https:// (the address phones use to reach this server)")
        #expect(error.problems.first { $0.key == "sip.transport" }?.message == "unknown transport \"sctp\"; expected udp or tcp")
        #expect(error.problems.first { $0.key == "cisco.tones.loud" }?.message == "unknown priority; expected one of Emergency, High, Medium, Standard, Low")
        #expect(!error.description.contains("topsecret-value"))
        #expect(!error.description.contains("sip-secret-value"))
    }

    @Test func aBaseURLMustNameAHostAndNoQuery() {
        #expect(ConfigurationReader.baseURLComplaint("https://tocsin.example") == nil)
        #expect(ConfigurationReader.baseURLComplaint("http://") == "\"http://\" names no host")
        #expect(ConfigurationReader.baseURLComplaint("http://gw/?x=1") == "\"http://gw/?x=1\" must not carry a query or fragment")
    }
}
