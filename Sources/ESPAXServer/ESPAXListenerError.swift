/// Why the ESPA-X listener could not start.
public enum ESPAXListenerError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotBind(host: String, port: Int, reason: String)
    case tlsMaterialMissing(key: String)
    case tlsMaterialUnreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotBind(let host, let port, let reason):
            "the ESPA-X listener cannot listen on \(host):\(port) (espax.host, espax.port or espax.tls_port): \(reason)"
        case .tlsMaterialMissing(let key):
            "espax.tls_port is set but \(key) is not: the TLS listener needs a certificate and a private key"
        case .tlsMaterialUnreadable(let path, let reason):
            "the ESPA-X TLS certificate or key \(path) cannot be read: \(reason)"
        }
    }
}
