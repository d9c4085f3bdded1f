import ESPAX
import ESPAXServer
import Testing
@testable import TocsinDaemon

/// `[espax]` and `[[espax.clients]]`: values, defaults, and every problem named by key and line.
struct ConfigurationESPAXTests {
    @Test func readsEveryKeyAndTheClients() throws {
        let configuration = try Configuration.parse("""
            [espax]
            enabled = true
            host = "127.0.0.1"
            port = 3023
            tls_port = 3024
            tls_certificate = "/etc/tocsin/espax.crt"
            tls_private_key = "/etc/tocsin/espax.key"
            max_connections = 10
            max_sessions_per_client = 1
            heartbeat_seconds = 66
            max_message_bytes = 4096
            reporting = "tracked"
            server_software = "alert-tocsin 1"

            [[espax.clients]]
            name = "NurseCall-1"
            password_hash = "\(exampleHash)"
            """, origin: "t.toml")
        let espax = configuration.espax
        #expect(espax == Configuration.ESPAX(
            enabled: true, host: "127.0.0.1", port: 3023, tlsPort: 3024, tlsCertificate: "/etc/tocsin/espax.crt",
            tlsPrivateKey: "/etc/tocsin/espax.key", maxConnections: 10, maxSessionsPerClient: 1, heartbeatSeconds: 66,
            maxMessageBytes: 4096, reporting: .tracked, serverSoftware: "alert-tocsin 1",
            clients: [.init(name: "NurseCall-1", passwordHash: exampleHash)]))
        let settings = espax.listenerSettings
        #expect(settings.tlsPort == 3024)
        #expect(settings.session.heartbeatInterval == .seconds(66))
        #expect(settings.session.maximumMessageSize == 4096)
        #expect(settings.session.server.software == "alert-tocsin 1")
        #expect(Configuration.defaults.espax.listenerSettings.tlsPort == nil)
        #expect(Configuration.defaults.espax.port == 2023)
        #expect(Configuration.defaults.espax.maxMessageBytes == 65_536)
        #expect(!Configuration.defaults.espax.enabled)
    }

    @Test func namesEveryProblemWithItsKeyAndLine() {
        let text = """
            [espax]
            port = 70000
            tls_port = 2023
            reporting = "loud"
            heartbeat_seconds = 1
            prot = 1

            [[espax.clients]]
            name = "A"
            password_hash = "secret1"

            [[espax.clients]]
            name = "A"
            password_hash = "\(exampleHash)"
            """
        #expect {
            _ = try Configuration.parse(text, origin: "t.toml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let keys = error.problems.map(\.key)
            return keys == ["espax.port", "espax.tls_port", "espax.tls_certificate", "espax.tls_private_key", "espax.reporting",
                            "espax.heartbeat_seconds", "espax.prot", "espax.clients[0].password_hash", "espax.clients[1].name"]
                && error.problems.first { $0.key == "espax.prot" }?.message == "unknown key; did you mean espax.port?"
                && error.problems.first { $0.key == "espax.reporting" }?.line == 4
                && !error.description.contains("secret1")
        }
    }
}
