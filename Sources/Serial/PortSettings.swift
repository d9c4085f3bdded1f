// Serial owns the ESPA 4.4.4 ports on the box: termios settings and exclusive, non-blocking device
// access, the udev hot-plug monitor, the supervisor that waits for a port, opens it, notices it
// unplugged and reopens it, and the port service that runs an `ESPA444` link machine over it and
// turns calls into alarms (ACK only after the journal commit). A port can also be a TCP "virtual
// serial" line to a serial-to-IP converter: the same session runs over the socket. It also holds
// the logic of the two commissioning tools, the panel simulator and the line monitor. Alarm policy
// stays in `Alarming`.

import Alarming
import ESPA444

/// Whether Tocsin answers the panel (the usual case) or owns the line and polls it (Ascom's default).
public enum PortRole: String, Sendable, Hashable, CaseIterable {
    case pagingSystem = "paging-system"
    case controlStation = "control-station"
}

/// One configured ESPA 4.4.4 port (`[[ports]]` in tocsin.toml).
public struct PortSettings: Sendable, Hashable {
    /// The name staff see (LinkBoard, technical alarms) and the port part of call references.
    public var label: String
    /// Where the bytes travel: a serial device, or a TCP connection to a serial-to-IP converter.
    public var line: PortLine
    public var role: PortRole
    public var baud: Int
    public var framing: Framing
    public var charset: Charset
    /// This station's address character (`'2'` by convention for the paging system).
    public var address: UInt8
    /// Control-station role: the panels polled in turn.
    public var polledAddresses: [UInt8]
    public var pollInterval: Duration
    /// No poll, select or block for this long raises a technical alarm; nil turns it off.
    public var supervisionTime: Duration?
    /// Pause between the last received byte and a reply, for peers that miss a fast answer (Avaya's
    /// "SleepBeforeAnswer", 0 to 150 ms).
    public var turnaround: Duration
    /// For calls with no record 6 or an unrecognised one.
    public var defaultPriority: Priority
    public var duplicateWindow: Duration
    public var interCharacterTimeout: Duration
    /// How often an absent device is looked for even without a udev event (udevd may not run).
    public var presenceCheckInterval: Duration
    /// Connecting, reconnecting and noticing a dead peer, for TCP lines.
    public var tcp: TCPLineOptions
    /// This many `'1' NAK`s (bad BCC or character) within `bccBurstWindow` raise a technical alarm.
    public var bccBurstLimit: Int
    public var bccBurstWindow: Duration

    public init(
        label: String,
        line: PortLine,
        role: PortRole = .pagingSystem,
        baud: Int = 9600,
        framing: Framing = .sevenEvenTwo,
        charset: Charset = .ascii,
        address: UInt8 = 0x32,
        polledAddresses: [UInt8] = [0x31],
        pollInterval: Duration = .milliseconds(500),
        supervisionTime: Duration? = .seconds(60),
        turnaround: Duration = .zero,
        defaultPriority: Priority = .standard,
        duplicateWindow: Duration = .seconds(20),
        interCharacterTimeout: Duration = .seconds(2),
        presenceCheckInterval: Duration = .seconds(2),
        tcp: TCPLineOptions = TCPLineOptions(),
        bccBurstLimit: Int = 5,
        bccBurstWindow: Duration = .seconds(60)
    ) {
        self.label = label
        self.line = line
        self.role = role
        self.baud = baud
        self.framing = framing
        self.charset = charset
        self.address = address
        self.polledAddresses = polledAddresses
        self.pollInterval = pollInterval
        self.supervisionTime = supervisionTime
        self.turnaround = turnaround
        self.defaultPriority = defaultPriority
        self.duplicateWindow = duplicateWindow
        self.interCharacterTimeout = interCharacterTimeout
        self.presenceCheckInterval = presenceCheckInterval
        self.tcp = tcp
        self.bccBurstLimit = bccBurstLimit
        self.bccBurstWindow = bccBurstWindow
    }

    /// The line as logs, alarms and the board name it: the device path or `tcp://host:port`.
    public var device: String { line.description }

    /// How technical alarms name the port: `Serial port port1`, `TCP port nport1`.
    public var title: String {
        (line.isTCP ? "TCP port " : "Serial port ") + label
    }

    /// The receiving settings of the link machine for this port.
    public func receiverConfiguration(firstSequence: UInt64) -> ReceiverConfiguration {
        ReceiverConfiguration(
            port: label,
            address: address,
            charset: charset,
            interCharacterTimeout: interCharacterTimeout,
            duplicateWindow: duplicateWindow,
            firstSequence: firstSequence
        )
    }
}
