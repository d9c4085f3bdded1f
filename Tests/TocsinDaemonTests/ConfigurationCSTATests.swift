import CSTA
import CSTAClient
import Testing
@testable import TocsinDaemon

/// `[csta]`: values, the dialects' default ports, the settings handed to the client, and every
/// problem named by key and line.
struct ConfigurationCSTATests {
    private func problems(_ text: String) -> [ConfigurationError.Problem] {
        do {
            _ = try Configuration.parse(text, origin: "t.toml")
            return []
        } catch {
            return error.problems
        }
    }

    @Test func readsEveryKey() throws {
        let csta = try Configuration.parse("""
            [csta]
            enabled = true
            name = "ecss"
            dialect = "eltex"
            host = "ecss.example"
            port = 4721
            transport = "tcp"
            ca_file = ""
            verify = true
            username = "tocsin"
            password = "s3cret"
            calling_devices = ["725", "726"]
            pbx_domain = ""
            session_seconds = 120
            request_timeout_seconds = 5
            connect_timeout_seconds = 3
            reconnect_initial_ms = 200
            reconnect_max_ms = 4000
            """, origin: "t.toml").csta
        #expect(csta == Configuration.CSTA(
            enabled: true, name: "ecss", dialect: .eltex, host: "ecss.example", port: 4721, tls: false, caFile: "",
            verify: true, user: "tocsin", password: "s3cret", callingDevices: ["725", "726"], pbxDomain: "",
            sessionSeconds: 120, requestTimeoutSeconds: 5, connectTimeoutSeconds: 3, reconnectInitialMs: 200,
            reconnectMaxMs: 4000))
        let settings = csta.clientSettings
        #expect(settings.name == "ecss")
        #expect(settings.host == "ecss.example")
        #expect(settings.port == 4721)
        #expect(!settings.tls)
        #expect(settings.certificateCheck == .full)
        #expect(settings.connectTimeout == .seconds(3))
        #expect(settings.defaultCallingDevice == "725")
        #expect(settings.session.dialect == .eltexECSS10)
        #expect(settings.session.login == .eltex(userName: "tocsin", password: "s3cret"))
        #expect(settings.session.requestedSessionDuration == 120)
        #expect(settings.session.requestTimeout == .seconds(5))
        #expect(settings.session.initialReconnectDelay == .milliseconds(200))
        #expect(settings.session.maximumReconnectDelay == .milliseconds(4000))
        #expect(!csta.description.contains("s3cret"))
        #expect(!String(reflecting: csta).contains("s3cret"))
    }

    @Test func defaultPortsFollowTheDialectAndTransport() throws {
        #expect(Configuration.defaults.csta.effectivePort == 4722)
        #expect(Configuration.defaults.csta.tls)
        #expect(!Configuration.defaults.csta.enabled)
        #expect(Configuration.CSTA(tls: false).effectivePort == 4721)
        let unitel = try Configuration.parse("""
            [csta]
            enabled = true
            dialect = "unitel"
            host = "10.0.0.5"
            transport = "tcp"
            username = "100"
            password = "pw"
            calling_devices = ["123"]
            pbx_domain = "100.pbx.example"
            ca_file = "/etc/tocsin/pbx-ca.pem"
            """, origin: "t.toml").csta
        #expect(unitel.effectivePort == 7001)
        let settings = unitel.clientSettings
        #expect(settings.session.dialect == .uniTel(pbxDomain: "100.pbx.example"))
        #expect(settings.session.login == .uniTel(userID: "100", password: "pw", pbxDomain: "100.pbx.example"))
        #expect(settings.certificateCheck == .caFile("/etc/tocsin/pbx-ca.pem"))
        #expect(Configuration.CSTA(verify: false).clientSettings.certificateCheck == CSTAClientSettings.CertificateCheck.none)
    }

    @Test func anEnabledLinkNeedsHostUserAndCallingDevice() {
        let found = problems("""
            [csta]
            enabled = true
            dialect = "unitel"
            """)
        #expect(found.map(\.key) == ["csta.host", "csta.username", "csta.calling_devices", "csta.pbx_domain"])
        #expect(found.allSatisfy { $0.line == 2 })
        #expect(found.first?.message == "missing; csta.enabled needs the PBX's host name or address")
        // The same keys are fine while the link is off.
        #expect(problems("[csta]\nenabled = false\ndialect = \"unitel\"\n").isEmpty)
    }

    @Test func namesEveryProblemWithItsKeyAndLine() {
        let found = problems("""
            [csta]
            dialect = "avaya"
            port = 70000
            transport = "yes"
            verify = false
            ca_file = "/etc/ca.pem"
            password = "hunter2"
            calling_devices = ["725", "7 25", 726, "725"]
            session_seconds = 5
            request_timeout_seconds = 30
            reconnect_initial_ms = 5000
            reconnect_max_ms = 1000
            hots = "x"
            """)
        #expect(found.map(\.key) == [
            "csta.dialect", "csta.port", "csta.transport", "csta.verify", "csta.calling_devices[1]", "csta.calling_devices[2]",
            "csta.calling_devices[3]", "csta.session_seconds", "csta.request_timeout_seconds", "csta.reconnect_max_ms", "csta.hots",
        ])
        #expect(found.map(\.line) == [2, 3, 4, 5, 8, 8, 8, 9, 10, 12, 13])
        #expect(found[0].message == "unknown dialect \"avaya\"; expected eltex (ECSS-10) or unitel")
        #expect(found[4].message == "\"7 25\" is not a device number (1-64 printable ASCII characters, no spaces or <>&)")
        #expect(found[6].message == "\"725\" is listed twice")
        #expect(found[10].message == "unknown key; did you mean csta.host?")
        #expect(!found.map(\.description).joined().contains("hunter2"))
    }

    @Test func cstaNeedsARestart() {
        var changed = Configuration.defaults
        changed.csta.host = "pbx"
        #expect(changed.reloadDifferences(from: .defaults).needsRestart == ["csta"])
    }
}
