// The `[csta]` table of `tocsin.toml`: the PBX link the escalation calls go through (Eltex ECSS-10
// or Uni-tel), its transport and login, the devices calls originate from, and the session timers.

import CSTA
import CSTAClient

extension Configuration {
    /// `[csta]`
    public struct CSTA: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        public enum Dialect: String, Sendable, Equatable, CaseIterable {
            /// Eltex ECSS-10: Annex J framing, `SessionLoginInfo` login, TLS on 4722 by default.
            case eltex
            /// Uni-tel: NUL-delimited XML on 7001, `vendorData` login, one request at a time.
            case unitel
        }

        /// Off by default: escalation calls need a PBX account made for Tocsin.
        public var enabled: Bool
        /// The link's name in `GET /api/links`, in logs and in its technical alarm `csta:<name>`.
        public var name: String
        public var dialect: Dialect
        public var host: String
        /// 0 picks the dialect's port: ECSS-10 4722 with TLS and 4721 without, Uni-tel 7001.
        public var port: Int
        public var tls: Bool
        /// PEM CA certificates the PBX's certificate is checked against; "" uses the system's.
        public var caFile: String
        /// false accepts any certificate (a self-signed PBX on a closed network).
        public var verify: Bool
        public var user: String
        public var password: String
        /// The devices MakeCall originates from; the first is the default.
        public var callingDevices: [String]
        /// Uni-tel's `<number>.pbx.<provider>`; required for the unitel dialect.
        public var pbxDomain: String
        /// Asked for in StartApplicationSession; the PBX's granted duration is what counts.
        public var sessionSeconds: Int
        public var requestTimeoutSeconds: Int
        public var connectTimeoutSeconds: Int
        public var reconnectInitialMs: Int
        public var reconnectMaxMs: Int

        public init(
            enabled: Bool = false, name: String = "pbx", dialect: Dialect = .eltex, host: String = "", port: Int = 0,
            tls: Bool = true, caFile: String = "", verify: Bool = true, user: String = "", password: String = "",
            callingDevices: [String] = [], pbxDomain: String = "", sessionSeconds: Int = 300,
            requestTimeoutSeconds: Int = 8, connectTimeoutSeconds: Int = 5, reconnectInitialMs: Int = 1000,
            reconnectMaxMs: Int = 30_000
        ) {
            self.enabled = enabled
            self.name = name
            self.dialect = dialect
            self.host = host
            self.port = port
            self.tls = tls
            self.caFile = caFile
            self.verify = verify
            self.user = user
            self.password = password
            self.callingDevices = callingDevices
            self.pbxDomain = pbxDomain
            self.sessionSeconds = sessionSeconds
            self.requestTimeoutSeconds = requestTimeoutSeconds
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.reconnectInitialMs = reconnectInitialMs
            self.reconnectMaxMs = reconnectMaxMs
        }

        /// The port connected to: `port`, or the dialect's own when it is 0.
        public var effectivePort: Int {
            if port != 0 { return port }
            switch dialect {
            case .eltex: return tls ? 4722 : 4721
            case .unitel: return 7001
            }
        }

        /// What the client service runs with.
        public var clientSettings: CSTAClientSettings {
            var session = switch dialect {
            case .eltex: CSTASessionConfiguration.eltexECSS10(userName: user, password: password, callingDevices: callingDevices)
            case .unitel: CSTASessionConfiguration.uniTel(userID: user, password: password, pbxDomain: pbxDomain, callingDevices: callingDevices)
            }
            session.requestedSessionDuration = sessionSeconds
            session.requestTimeout = .seconds(requestTimeoutSeconds)
            session.initialReconnectDelay = .milliseconds(reconnectInitialMs)
            session.maximumReconnectDelay = .milliseconds(reconnectMaxMs)
            let check: CSTAClientSettings.CertificateCheck = !verify ? .none : caFile.isEmpty ? .full : .caFile(caFile)
            return CSTAClientSettings(name: name, host: host, port: effectivePort, tls: tls, certificateCheck: check,
                                      session: session, connectTimeout: .seconds(connectTimeoutSeconds))
        }

        // The PBX password stays out of logs and crash reports.
        public var description: String {
            "CSTA(enabled: \(enabled), name: \(name), dialect: \(dialect.rawValue), host: \(host), port: \(effectivePort), "
                + "tls: \(tls), user: \(user), password: <redacted>, callingDevices: \(callingDevices))"
        }
        public var debugDescription: String { description }
    }
}
