#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Builds the `termios` value for a port. Pure, so every framing is unit-tested without a UART
/// (a pty forces 8N1 and would hide mistakes, DESIGN §7).
public enum TermiosSettings {
    public static let supportedBaudRates = [300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200]

    /// The speed constant (`B9600`, …) for a baud rate.
    public static func speed(forBaud baud: Int) throws(SerialError) -> speed_t {
        switch baud {
        case 300: speed_t(B300)
        case 600: speed_t(B600)
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 9600: speed_t(B9600)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 115200: speed_t(B115200)
        default: throw .unsupportedBaud(baud)
        }
    }

    /// Raw mode with the given speed and frame, starting from `base` (the device's current
    /// settings, so driver-private bits survive).
    ///
    /// - No flow control at all: a BCC byte may be 0x11 or 0x13, so XON/XOFF would eat it
    ///   (espa444.md §2), and panels do not drive RTS/CTS.
    /// - CLOCAL: panels rarely wire DCD; an unplugged USB adapter still ends reads with EIO.
    /// - INPCK with parity: a character with a parity error arrives as NUL, which the block codec
    ///   rejects as a control character, so the block is answered `'1' NAK`.
    public static func make(baud: Int, framing: Framing, base: termios = termios()) throws(SerialError) -> termios {
        let speed = try speed(forBaud: baud)
        var settings = base
        cfmakeraw(&settings)
        settings.c_iflag &= ~flag(IXON | IXOFF | IXANY | IGNPAR | PARMRK | ISTRIP | INPCK)
        settings.c_cflag &= ~(flag(CSIZE | PARENB | PARODD | CSTOPB) | tcflag_t(tocsin_termios_crtscts()))
        settings.c_cflag |= flag(CREAD | CLOCAL)
        settings.c_cflag |= framing.dataBits == 7 ? flag(CS7) : flag(CS8)
        switch framing.parity {
        case .none: break
        case .even:
            settings.c_cflag |= flag(PARENB)
            settings.c_iflag |= flag(INPCK)
        case .odd:
            settings.c_cflag |= flag(PARENB | PARODD)
            settings.c_iflag |= flag(INPCK)
        }
        if framing.stopBits == 2 { settings.c_cflag |= flag(CSTOPB) }
        // Only blocking reads use VMIN/VTIME; the fd is non-blocking, but a sane value costs nothing.
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        cfsetispeed(&settings, speed)
        cfsetospeed(&settings, speed)
        return settings
    }

    static func flag(_ value: some BinaryInteger) -> tcflag_t { tcflag_t(truncatingIfNeeded: value) }
}
