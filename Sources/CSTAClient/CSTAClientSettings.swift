// CSTAClient owns the connection to the PBX: TCP or TLS, driving the pure `CSTASession` with the
// real clock, publishing the link's state on the `LinkBoard`, raising a technical alarm while the
// link is down, and placing escalation calls for the alarm core as its `EscalationDialer`.

import CSTA

/// Where the PBX is and how to talk to it.
public struct CSTAClientSettings: Sendable, Hashable {
    /// How the client checks the PBX's TLS certificate.
    public enum CertificateCheck: Sendable, Hashable {
        /// Against the system's trust store and the host name.
        case full
        /// Against the CA certificates in this PEM file, and the host name.
        case caFile(String)
        /// Not at all: for a PBX with a self-signed certificate on a closed network.
        case none
    }

    /// The link's name on the link board and in logs, such as the PBX's host name.
    public var name: String
    public var host: String
    /// ECSS-10: 4722 for TLS (its default), 4721 for plain TCP.
    public var port: Int
    public var tls: Bool
    public var certificateCheck: CertificateCheck
    public var session: CSTASessionConfiguration
    /// How long opening the TCP connection may take.
    public var connectTimeout: Duration

    public init(
        name: String,
        host: String,
        port: Int,
        tls: Bool,
        certificateCheck: CertificateCheck = .full,
        session: CSTASessionConfiguration,
        connectTimeout: Duration = .seconds(5)
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.tls = tls
        self.certificateCheck = certificateCheck
        self.session = session
        self.connectTimeout = connectTimeout
    }

    /// The calling device escalation calls come from when the caller names none.
    public var defaultCallingDevice: String? { session.callingDevices.first }
}
