#if canImport(Glibc)
import Glibc
#endif

/// Why a port could not be opened, set up or used. Each names the device path.
public enum SerialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path does not exist (yet): the port waits for it.
    case absent(path: String)
    /// Another process holds the port (flock or TIOCEXCL).
    case busy(path: String)
    case notATerminal(path: String)
    case unsupportedBaud(Int)
    case system(path: String, call: String, errno: Int32)
    /// The device went away while open: hang-up, unplug.
    case gone(path: String, reason: String)
    case udev(String)

    public var description: String {
        switch self {
        case .absent(let path): "\(path) does not exist (device unplugged, or no udev symlink yet)"
        case .busy(let path): "\(path) is in use by another process (another tocsin, a monitor or a terminal program); stop it first"
        case .notATerminal(let path): "\(path) is not a serial device (tcgetattr: not a tty)"
        case .unsupportedBaud(let baud):
            "baud \(baud) is not supported; use one of \(TermiosSettings.supportedBaudRates.map(String.init).joined(separator: ", "))"
        case .system(let path, let call, let code): "\(path): \(call) failed: \(String(cString: strerror(code)))"
        case .gone(let path, let reason): "\(path) went away: \(reason)"
        case .udev(let message): "udev: \(message)"
        }
    }

    /// The errno values that mean the device itself is gone (DESIGN §7): a USB adapter unplugged
    /// or a pty master closed.
    static func isDeviceGone(_ code: Int32) -> Bool {
        code == EIO || code == ENODEV || code == ENXIO
    }
}
