#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Opening a serial device the way a line that carries alarms must be opened.
public enum SerialDevice {
    /// Opens `path` read-write and returns the fd, set up for `baud` and `framing`.
    ///
    /// - `O_NONBLOCK`: a blocking read that times out returns 0, exactly like a hang-up, and VMIN
    ///   and VTIME only apply to blocking reads (DESIGN §7). Reads are driven by readiness instead.
    /// - `O_NOCTTY`: a panel line must never become the daemon's controlling terminal.
    /// - `TIOCEXCL` keeps other programs out, but root bypasses it, so `flock(LOCK_EX | LOCK_NB)`
    ///   is taken too: a second tocsin or a monitor started by mistake fails instead of stealing bytes.
    /// - `configure: false` leaves termios alone (for a pty in tests there is nothing to set).
    public static func open(path: String, baud: Int, framing: Framing, configure: Bool = true) throws(SerialError) -> Int32 {
        let fd = retryingEINTR { Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR || SerialError.isDeviceGone(code) { throw .absent(path: path) }
            if code == EBUSY { throw .busy(path: path) }
            throw .system(path: path, call: "open", errno: code)
        }
        do {
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                throw code == EWOULDBLOCK ? SerialError.busy(path: path) : .system(path: path, call: "flock", errno: code)
            }
            if tocsin_tty_set_exclusive(fd) != 0 {
                let code = errno
                throw code == ENOTTY ? SerialError.notATerminal(path: path) : .system(path: path, call: "ioctl(TIOCEXCL)", errno: code)
            }
            var current = termios()
            guard tcgetattr(fd, &current) == 0 else {
                let code = errno
                throw code == ENOTTY ? SerialError.notATerminal(path: path) : .system(path: path, call: "tcgetattr", errno: code)
            }
            if configure {
                var settings = try TermiosSettings.make(baud: baud, framing: framing, base: current)
                // A pseudo-terminal has no UART: it refuses some parity settings with EINVAL and
                // carries bytes whatever the frame, so a failure there is not a fault.
                guard tcsetattr(fd, TCSANOW, &settings) == 0 || isPseudoTerminal(fd) else {
                    throw SerialError.system(path: path, call: "tcsetattr", errno: errno)
                }
            }
            // Whatever sat in the buffers was meant for a previous session.
            _ = tcflush(fd, TCIOFLUSH)
            return fd
        } catch let error as SerialError {
            Glibc.close(fd)
            throw error
        } catch {
            Glibc.close(fd)
            throw .system(path: path, call: "open", errno: EINVAL)
        }
    }

    /// Unix 98 pty slaves have the character majors 136 to 143 (Documentation/admin-guide/devices.txt).
    static func isPseudoTerminal(_ fd: Int32) -> Bool {
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFCHR else { return false }
        let major = (status.st_rdev >> 8) & 0xFFF
        return (136 ... 143).contains(major)
    }

    /// Whether the path (following symlinks) names something right now.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func retryingEINTR(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result < 0, errno == EINTR { continue }
            return result
        }
    }
}
