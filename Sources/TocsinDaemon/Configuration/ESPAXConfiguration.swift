// The `[espax]` table of `tocsin.toml`: the ESPA-X listener (ports, TLS, caps, heartbeat, message
// size, reporting mode) and `[[espax.clients]]`, the alarm clients allowed to log in.

import ESPAX
import ESPAXServer

extension Configuration {
    /// `[espax]`
    public struct ESPAX: Sendable, Equatable {
        /// Off by default: with no clients configured nobody could log in anyway.
        public var enabled: Bool
        public var host: String
        /// 0 asks the system for any free port (tests use it).
        public var port: Int
        /// The TLS port; 0 means no TLS listener (as Callisto uses 0 to turn its server off).
        public var tlsPort: Int
        public var tlsCertificate: String
        public var tlsPrivateKey: String
        public var maxConnections: Int
        public var maxSessionsPerClient: Int
        /// A session with no heartbeat (or other request) for this long is closed.
        public var heartbeatSeconds: Int
        public var maxMessageBytes: Int
        public var reporting: ESPAXReportingMode
        /// `LI-SERVERSW`; tetronik clients need it to start with `alert-`, `eco-`, `med-` or `DAKS-Pro`.
        public var serverSoftware: String
        public var clients: [ClientEntry]

        public init(
            enabled: Bool = false, host: String = "0.0.0.0", port: Int = 2023, tlsPort: Int = 0,
            tlsCertificate: String = "", tlsPrivateKey: String = "", maxConnections: Int = 100,
            maxSessionsPerClient: Int = 2, heartbeatSeconds: Int = 70, maxMessageBytes: Int = 65_536,
            reporting: ESPAXReportingMode = .callisto, serverSoftware: String = "Tocsin 0.1", clients: [ClientEntry] = []
        ) {
            self.enabled = enabled
            self.host = host
            self.port = port
            self.tlsPort = tlsPort
            self.tlsCertificate = tlsCertificate
            self.tlsPrivateKey = tlsPrivateKey
            self.maxConnections = maxConnections
            self.maxSessionsPerClient = maxSessionsPerClient
            self.heartbeatSeconds = heartbeatSeconds
            self.maxMessageBytes = maxMessageBytes
            self.reporting = reporting
            self.serverSoftware = serverSoftware
            self.clients = clients
        }

        /// What the listener runs with.
        public var listenerSettings: ESPAXListenerSettings {
            ESPAXListenerSettings(
                host: host, port: port, tlsPort: tlsPort == 0 ? nil : tlsPort,
                certificatePath: tlsCertificate.isEmpty ? nil : tlsCertificate,
                privateKeyPath: tlsPrivateKey.isEmpty ? nil : tlsPrivateKey,
                maximumConnections: maxConnections, maximumSessionsPerClient: maxSessionsPerClient,
                session: ESPAXSessionConfiguration(
                    server: ESPAXServerIdentity(name: "Tocsin", software: serverSoftware),
                    heartbeatInterval: .seconds(heartbeatSeconds), maximumMessageSize: maxMessageBytes),
                reportingMode: reporting)
        }
    }

    /// One `[[espax.clients]]` entry: `LI-CLIENT` and the bcrypt hash of its `LI-PASSWORD`.
    public struct ClientEntry: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        public var name: String
        public var passwordHash: String

        public init(name: String, passwordHash: String) {
            self.name = name
            self.passwordHash = passwordHash
        }

        public var description: String { "ClientEntry(name: \(name), passwordHash: <redacted>)" }
        public var debugDescription: String { description }
    }
}
