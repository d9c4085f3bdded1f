#if canImport(Glibc)
import Glibc
#endif

/// Where a serial-to-IP converter (Moxa NPort, Lantronix, …) carries a line over TCP: a host name
/// or IP address and a TCP port. Written `host:port`, with an IPv6 address in brackets
/// (`[fd00::5]:4001`); a port's `device` writes it as `tcp://host:port`.
///
/// Parsing is pure and strict, so `tocsin check-config` names the exact mistake instead of the
/// daemon retrying an address that can never work.
public struct TCPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The URL scheme of a TCP port's `device`.
    public static let scheme = "tcp://"

    /// A host name or an IP address; an IPv6 address without its brackets.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `10.0.0.5:4001`, `[fd00::5]:4001`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `tcp://10.0.0.5:4001`: how a port's `device` names it.
    public var url: String { Self.scheme + description }

    /// Whether `host` is an IPv4 or IPv6 address rather than a name to resolve.
    public var isIPAddress: Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
    }

    /// Names and addresses compare without case: `NPort-3:4001` and `nport-3:4001` are one converter.
    public var normalised: TCPAddress {
        TCPAddress(host: host.lowercased(), port: port)
    }

    /// Reads `tcp://host:port`. Text without the scheme is not a TCP address (it is a device path).
    public static func parse(url text: String) throws(TCPAddressError) -> TCPAddress {
        guard text.hasPrefix(scheme) else { throw .notATCPURL }
        return try parse(String(text.dropFirst(scheme.count)), inURL: true)
    }

    /// Reads `host:port` or `[ipv6]:port`.
    public static func parse(_ text: String) throws(TCPAddressError) -> TCPAddress {
        try parse(text, inURL: false)
    }

    private static func parse(_ text: String, inURL: Bool) throws(TCPAddressError) -> TCPAddress {
        let example = inURL ? "tcp://10.0.0.5:4001" : "10.0.0.5:4001"
        let ipv6Example = inURL ? "tcp://[fd00::5]:4001" : "[fd00::5]:4001"
        if inURL, text.contains("/") || text.contains("?") || text.contains("@") {
            throw .extraParts(example: example)
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badIPv6(example: ipv6Example) }
            host = text[text.index(after: text.startIndex) ..< close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), rest.count > 1 else { throw .missingPort(example: example) }
            portText = rest.dropFirst()
            var buffer = [UInt8](repeating: 0, count: 16)
            guard inet_pton(AF_INET6, String(host), &buffer) == 1 else { throw .badIPv6(example: ipv6Example) }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort(example: example) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            // Two colons outside brackets: an IPv6 address whose last group was taken for the port.
            guard !host.contains(":") else { throw .badIPv6(example: ipv6Example) }
            guard !host.isEmpty else { throw .missingHost(example: example) }
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }),
                  !host.hasPrefix("."), !host.hasPrefix("-")
            else { throw .badHost(String(host)) }
        }
        guard !portText.isEmpty else { throw .missingPort(example: example) }
        guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), (1 ... 65535).contains(port) else {
            throw .badPort(String(portText))
        }
        return TCPAddress(host: String(host), port: port)
    }
}

/// Why a text is not a TCP address. The messages follow the quoted text in a configuration problem.
public enum TCPAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    case notATCPURL
    case missingPort(example: String)
    case missingHost(example: String)
    case badHost(String)
    case badPort(String)
    case badIPv6(example: String)
    case extraParts(example: String)

    public var description: String {
        switch self {
        case .notATCPURL: "does not start with tcp://"
        case .missingPort(let example): "has no port; write the converter's address and TCP port, for example \(example)"
        case .missingHost(let example): "has no host; write the converter's address and TCP port, for example \(example)"
        case .badHost(let host): "has \"\(host)\" as its host, which is not a host name or IP address"
        case .badPort(let port): "has \"\(port)\" as its port; expected 1-65535"
        case .badIPv6(let example): "has an IPv6 address that is not valid or not in brackets; write it as \(example)"
        case .extraParts(let example): "has a path, query or user part; write only the host and port, for example \(example)"
        }
    }
}
