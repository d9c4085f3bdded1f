#if canImport(Glibc)
import Glibc
#endif
import CShim
import Serial
import Testing

@Suite struct TermiosSettingsTests {
    /// Starts from settings with every flag a previous user could have left on, so the test proves
    /// the builder clears them rather than relying on a zeroed struct.
    static var dirty: termios {
        var settings = termios()
        settings.c_iflag = ~0
        settings.c_oflag = ~0
        settings.c_lflag = ~0
        settings.c_cflag = ~0
        return settings
    }

    static func flag(_ value: some BinaryInteger) -> tcflag_t { tcflag_t(truncatingIfNeeded: value) }

    @Test(arguments: [
        (Framing.sevenEvenTwo, CS7, true, false, true),
        (.sevenEvenOne, CS7, true, false, false),
        (.sevenOddOne, CS7, true, true, false),
        (.eightNoneOne, CS8, false, false, false),
        (.eightEvenOne, CS8, true, false, false),
        (.eightNoneTwo, CS8, false, false, true),
    ])
    func framing(_ framing: Framing, size: Int32, parity: Bool, odd: Bool, twoStopBits: Bool) throws {
        let settings = try TermiosSettings.make(baud: 9600, framing: framing, base: Self.dirty)
        let c = settings.c_cflag
        #expect(c & Self.flag(CSIZE) == Self.flag(size))
        #expect((c & Self.flag(PARENB) != 0) == parity)
        #expect((c & Self.flag(PARODD) != 0) == odd)
        #expect((c & Self.flag(CSTOPB) != 0) == twoStopBits)
        #expect((settings.c_iflag & Self.flag(INPCK) != 0) == parity, "parity errors must reach the codec as NUL")
        // Never flow control: a BCC may be XON or XOFF.
        #expect(c & tcflag_t(tocsin_termios_crtscts()) == 0)
        #expect(settings.c_iflag & Self.flag(IXON | IXOFF | IXANY) == 0)
        #expect(c & Self.flag(CREAD | CLOCAL) == Self.flag(CREAD | CLOCAL))
        // Raw: no line editing, no echo, no signals, no output processing, no CR/NL mapping, no stripping.
        #expect(settings.c_lflag & Self.flag(ICANON | ECHO | ECHONL | ISIG | IEXTEN) == 0)
        #expect(settings.c_oflag & Self.flag(OPOST) == 0)
        #expect(settings.c_iflag & Self.flag(ICRNL | INLCR | IGNCR | ISTRIP | PARMRK | IGNBRK | BRKINT) == 0)
        var copy = settings
        #expect(cfgetospeed(&copy) == speed_t(B9600))
        #expect(cfgetispeed(&copy) == speed_t(B9600))
    }

    @Test func everySupportedBaudRate() throws {
        let expected: [Int: Int32] = [
            300: B300, 600: B600, 1200: B1200, 2400: B2400, 4800: B4800, 9600: B9600,
            19200: B19200, 38400: B38400, 57600: B57600, 115200: B115200,
        ]
        #expect(Set(expected.keys) == Set(TermiosSettings.supportedBaudRates))
        for (baud, constant) in expected {
            var settings = try TermiosSettings.make(baud: baud, framing: .eightNoneOne)
            #expect(cfgetospeed(&settings) == speed_t(constant), "baud \(baud)")
        }
    }

    @Test func unsupportedBaudIsRefusedWithTheChoices() {
        #expect(throws: SerialError.unsupportedBaud(14400)) { try TermiosSettings.make(baud: 14400, framing: .sevenEvenTwo) }
        #expect(SerialError.unsupportedBaud(14400).description == "baud 14400 is not supported; use one of 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200")
    }

    @Test func framingSpellings() {
        #expect(Framing.allCases.map(\.rawValue) == ["7E2", "7E1", "7O1", "8N1", "8E1", "8N2"])
        #expect(Framing.sevenOddOne.dataBits == 7 && Framing.sevenOddOne.parity == .odd && Framing.sevenOddOne.stopBits == 1)
    }
}
