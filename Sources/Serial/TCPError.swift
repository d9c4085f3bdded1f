#if canImport(Glibc)
import Glibc
#endif

/// Why a TCP line to a converter could not be opened. Each names the address, so the technical
/// alarm and the log tell the integrator which converter to look at.
public enum TCPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The host name did not resolve (DNS down, typo, no entry).
    case unresolvable(TCPAddress, reason: String)
    /// Refused, unreachable, reset: the errno of the last address tried.
    case connectFailed(TCPAddress, errno: Int32)
    case timedOut(TCPAddress, after: Duration)
    case system(TCPAddress, call: String, errno: Int32)
    /// The port is shutting down.
    case cancelled(TCPAddress)

    public var description: String {
        switch self {
        case .unresolvable(let address, let reason):
            "cannot resolve \(address.host) for \(address.url): \(reason)"
        case .connectFailed(let address, let code):
            "cannot connect to \(address.url): \(String(cString: strerror(code)))" + Self.advice(code)
        case .timedOut(let address, let after):
            "cannot connect to \(address.url): no answer within \(after.components.seconds) s (converter off, unplugged from the network, or a firewall)"
        case .system(let address, let call, let code):
            "\(address.url): \(call) failed: \(String(cString: strerror(code)))"
        case .cancelled(let address):
            "\(address.url): connecting stopped"
        }
    }

    private static func advice(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED:
            " (the converter is up but nothing listens on that TCP port: check its operation mode is TCP server and the port number, or another host holds its only connection)"
        case EHOSTUNREACH, ENETUNREACH:
            " (check the converter's address and the network route to it)"
        default:
            ""
        }
    }
}
