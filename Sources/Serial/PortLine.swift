/// Where a port's bytes travel.
public enum PortLine: Sendable, Hashable, CustomStringConvertible {
    /// A serial device at a stable path: `/dev/serial/by-path/…` or a `/dev/tocsin/<label>`
    /// symlink from the Board rules.
    case serial(path: String)
    /// A TCP connection Tocsin opens to a serial-to-IP converter in its "TCP server" mode (Moxa's
    /// default), which passes the bytes to and from its serial socket unchanged.
    case tcp(TCPAddress)

    /// A device as the commissioning tools take it: `tcp://host:port`, or else a device path.
    public init(device: String) throws(TCPAddressError) {
        self = device.hasPrefix(TCPAddress.scheme) ? .tcp(try TCPAddress.parse(url: device)) : .serial(path: device)
    }

    public var description: String {
        switch self {
        case .serial(let path): path
        case .tcp(let address): address.url
        }
    }

    public var isTCP: Bool {
        if case .tcp = self { true } else { false }
    }

    /// An open line: a non-blocking fd that `SerialConnection` takes over, and for a TCP line both
    /// ends of the connection (`10.0.0.5:4001`), for the log.
    public struct Opened: Sendable {
        public let fd: Int32
        public let peer: String?
        public let local: String?
    }

    /// Opens the line the one way the daemon and the tools both use: the device exclusively, with
    /// `baud` and `framing` set (`SerialDevice`), or a TCP connection to the converter with
    /// keepalive (`TCPLine`; the converter's own settings give the serial frame). Throws
    /// `SerialError` or `TCPError`.
    public func open(baud: Int, framing: Framing, tcp options: TCPLineOptions) async throws -> Opened {
        switch self {
        case .serial(let path):
            return Opened(fd: try SerialDevice.open(path: path, baud: baud, framing: framing), peer: nil, local: nil)
        case .tcp(let address):
            let connected = try await TCPLine.connect(to: address, timeout: options.connectTimeout, keepalive: options.keepalive)
            return Opened(fd: connected.fd, peer: connected.peer, local: connected.local)
        }
    }
}
