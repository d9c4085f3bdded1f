import Alarming
import ESPA444
import Serial
import Testing
@testable import TocsinDaemon

/// `[[ports]]`: the ESPA 4.4.4 lines, serial and TCP. Every key, its defaults, every bad value with
/// its exact message and line, duplicates, and the keys that belong to the other kind of line.
@Suite("Configuration [[ports]]")
struct ConfigurationPortsTests {
    static let nport = TCPAddress(host: "10.0.0.5", port: 4001)

    /// The one port of `text`, or nil (with the problems recorded) when it is refused.
    static func port(_ text: String) -> PortSettings? {
        do {
            let ports = try Configuration.parse(text, origin: "tocsin.toml").ports
            #expect(ports.count == 1)
            return ports.first
        } catch {
            Issue.record("refused: \(error)")
            return nil
        }
    }

    @Test("a serial port with only label and device takes every default")
    func serialDefaults() {
        let port = Self.port("[[ports]]\nlabel = \"port1\"\ndevice = \"/dev/tocsin/port1\"")
        #expect(port == PortSettings(label: "port1", line: .serial(path: "/dev/tocsin/port1")))
        #expect(port?.role == .pagingSystem)
        #expect(port?.baud == 9600)
        #expect(port?.framing == .sevenEvenTwo)
        #expect(port?.charset == .ascii)
        #expect(port?.address == 0x32)
        #expect(port?.polledAddresses == [0x31])
        #expect(port?.pollInterval == .milliseconds(500))
        #expect(port?.supervisionTime == .seconds(60))
        #expect(port?.turnaround == .zero)
        #expect(port?.defaultPriority == .standard)
        #expect(port?.duplicateWindow == .seconds(20))
        #expect(port?.interCharacterTimeout == .seconds(2))
        #expect(port?.presenceCheckInterval == .seconds(2))
        #expect(port?.bccBurstLimit == 5)
        #expect(port?.bccBurstWindow == .seconds(60))
        #expect(Configuration.defaults.ports.isEmpty)
    }

    @Test("every key of a serial port is read")
    func everySerialKey() {
        let port = Self.port("""
            [[ports]]
            label = "ward-3_a"
            device = "/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0"
            role = "control-station"
            baud = 115200
            framing = "8n1"
            charset = "iso646-de"
            address = "3"
            polled_addresses = ["1", "4", "5"]
            poll_interval_ms = 50
            supervision_seconds = 0
            turnaround_ms = 150
            default_priority = "emergency"
            duplicate_window_seconds = 600
            inter_character_timeout_ms = 100
            presence_check_ms = 60000
            transmission_error_limit = 0
            transmission_error_window_seconds = 86400
            """)
        #expect(port == PortSettings(
            label: "ward-3_a", line: .serial(path: "/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0"),
            role: .controlStation, baud: 115_200, framing: .eightNoneOne, charset: .iso646DE, address: 0x33,
            polledAddresses: [0x31, 0x34, 0x35], pollInterval: .milliseconds(50), supervisionTime: nil,
            turnaround: .milliseconds(150), defaultPriority: .emergency, duplicateWindow: .seconds(600),
            interCharacterTimeout: .milliseconds(100), presenceCheckInterval: .seconds(60), bccBurstLimit: 0,
            bccBurstWindow: .seconds(86400)
        ))
    }

    @Test("a TCP port: tcp://host:port, its own keys and the ESPA keys")
    func everyTCPKey() throws {
        #expect(Self.port("[[ports]]\nlabel = \"nport1\"\ndevice = \"tcp://10.0.0.5:4001\"")
            == PortSettings(label: "nport1", line: .tcp(Self.nport)))
        let port = Self.port("""
            [[ports]]
            label = "nport1"
            device = "tcp://[fd00::5]:950"
            role = "paging-system"
            charset = "latin1"
            address = "2"
            supervision_seconds = 30
            turnaround_ms = 10
            default_priority = "High"
            duplicate_window_seconds = 5
            inter_character_timeout_ms = 3000
            transmission_error_limit = 3
            transmission_error_window_seconds = 10
            connect_timeout_seconds = 60
            keepalive_seconds = 4
            reconnect_initial_ms = 100
            reconnect_max_ms = 600000
            """)
        #expect(port == PortSettings(
            label: "nport1", line: .tcp(TCPAddress(host: "fd00::5", port: 950)), charset: .latin1,
            supervisionTime: .seconds(30), turnaround: .milliseconds(10), defaultPriority: .high,
            duplicateWindow: .seconds(5), interCharacterTimeout: .seconds(3),
            tcp: TCPLineOptions(connectTimeout: .seconds(60), keepalive: TCPKeepalive(deadPeerSeconds: 4),
                                reconnectInitial: .milliseconds(100), reconnectMaximum: .seconds(600)),
            bccBurstLimit: 3, bccBurstWindow: .seconds(10)
        ))
        #expect(port?.device == "tcp://[fd00::5]:950")
        // An inline table and a host name work as well.
        #expect(try Configuration.parse("ports = [{ label = \"a\", device = \"tcp://nport-3.ward.local:4001\", keepalive_seconds = 3600 }]", origin: "x").ports
            == [PortSettings(label: "a", line: .tcp(TCPAddress(host: "nport-3.ward.local", port: 4001)),
                             tcp: TCPLineOptions(keepalive: TCPKeepalive(deadPeerSeconds: 3600)))])
    }

    @Test("label and device are required, and say what to write")
    func required() {
        #expect(problems("[[ports]]\ndevice = \"/dev/x\"") == [
            problem("ports[0].label", 1, "missing; every port needs a label (the name on the box, used in alarms and call references)"),
        ])
        #expect(problems("[[ports]]\nlabel = \"a\"") == [
            problem("ports[0].device", 1, "missing; give a stable path such as /dev/tocsin/<label> or /dev/serial/by-path/..., or tcp://host:port for a serial-to-IP converter"),
        ])
        #expect(problems("[[ports]]\nlabel = 'a'\ndevice = '/dev/x'\n[[ports]]\nrole = 'paging-system'") == [
            problem("ports[1].label", 4, "missing; every port needs a label (the name on the box, used in alarms and call references)"),
            problem("ports[1].device", 4, "missing; give a stable path such as /dev/tocsin/<label> or /dev/serial/by-path/..., or tcp://host:port for a serial-to-IP converter"),
        ])
    }

    @Test("labels and devices that cannot work")
    func labelsAndDevices() {
        func port(_ lines: String) -> [ConfigurationError.Problem] { problems("[[ports]]\n" + lines) }
        #expect(port("label = 'bed 4'\ndevice = '/dev/x'") == [problem("ports[0].label", 2, "\"bed 4\" contains spaces")])
        #expect(port("label = 'bett/4'\ndevice = '/dev/x'") == [problem("ports[0].label", 2, "\"bett/4\" may only hold letters, digits, - and _")])
        #expect(port("label = 'zimmer-ä'\ndevice = '/dev/x'") == [problem("ports[0].label", 2, "\"zimmer-ä\" may only hold letters, digits, - and _")])
        #expect(port("label = ''\ndevice = '/dev/x'") == [problem("ports[0].label", 2, "must not be empty")])
        #expect(port("label = 1\ndevice = '/dev/x'") == [problem("ports[0].label", 2, "expected a string, found an integer (put it in quotes)")])
        #expect(port("label = 'a'\ndevice = 'ttyUSB0'") == [problem("ports[0].device", 3, "\"ttyUSB0\" is not an absolute path or tcp://host:port")])
        #expect(port("label = 'a'\ndevice = ''") == [problem("ports[0].device", 3, "must not be empty")])
        #expect(port("label = 'a'\ndevice = '/dev/tty USB0'") == [problem("ports[0].device", 3, "\"/dev/tty USB0\" contains spaces")])
        #expect(port("label = 'a'\ndevice = 'rfc2217://10.0.0.5:4001'") == [
            problem("ports[0].device", 3, "\"rfc2217://10.0.0.5:4001\" is not a supported line; use tcp://host:port for a converter in TCP server mode (raw bytes; RFC 2217 and telnet are not spoken), or a device path such as /dev/tocsin/port1"),
        ])
        #expect(port("label = 'a'\ndevice = 'tcp://10.0.0.5'") == [
            problem("ports[0].device", 3, "\"tcp://10.0.0.5\" has no port; write the converter's address and TCP port, for example tcp://10.0.0.5:4001"),
        ])
        #expect(port("label = 'a'\ndevice = 'tcp://10.0.0.5:99999'") == [problem("ports[0].device", 3, "\"tcp://10.0.0.5:99999\" has \"99999\" as its port; expected 1-65535")])
        #expect(port("label = 'a'\ndevice = 'tcp://fd00::5:4001'") == [
            problem("ports[0].device", 3, "\"tcp://fd00::5:4001\" has an IPv6 address that is not valid or not in brackets; write it as tcp://[fd00::5]:4001"),
        ])
    }

    @Test("two ports may not share a label or a line")
    func duplicates() throws {
        #expect(problems("""
            [[ports]]
            label = "port1"
            device = "/dev/tocsin/port1"
            [[ports]]
            label = "port1"
            device = "/dev/tocsin/port2"
            [[ports]]
            label = "port3"
            device = "/dev/tocsin/port1"
            """) == [
            problem("ports[1].label", 5, "port \"port1\" is already declared at line 2"),
            problem("ports[2].device", 9, "\"/dev/tocsin/port1\" is already used by the port at line 3"),
        ])
        // One converter, whatever the case of its name; its second serial socket is another line.
        #expect(problems("""
            [[ports]]
            label = "a"
            device = "tcp://NPort-3:4001"
            [[ports]]
            label = "b"
            device = "tcp://nport-3:4001"
            [[ports]]
            label = "c"
            device = "tcp://nport-3:4002"
            """) == [problem("ports[1].device", 6, "\"tcp://nport-3:4001\" is already used by the port at line 3")])
        #expect(try Configuration.parse("""
            [[ports]]
            label = "a"
            device = "tcp://10.0.0.5:4001"
            [[ports]]
            label = "b"
            device = "tcp://10.0.0.5:4002"
            [[ports]]
            label = "c"
            device = "/dev/tocsin/c"
            """, origin: "x").ports.map(\.label) == ["a", "b", "c"])
    }

    @Test("a TCP port refuses the serial keys and a serial port the TCP keys")
    func keysOfTheOtherLine() {
        let tcpAdvice = "does not apply to a TCP port: the converter's own serial settings set the baud rate and framing, and the port reconnects with reconnect_initial_ms and reconnect_max_ms; remove the key"
        #expect(problems("""
            [[ports]]
            label = "nport1"
            device = "tcp://10.0.0.5:4001"
            baud = 9600
            framing = "7E2"
            presence_check_ms = 2000
            """) == [
            problem("ports[0].baud", 4, tcpAdvice),
            problem("ports[0].framing", 5, tcpAdvice),
            problem("ports[0].presence_check_ms", 6, tcpAdvice),
        ])
        let serialAdvice = "applies only to a TCP port (device = \"tcp://host:port\"); remove the key"
        #expect(problems("""
            [[ports]]
            label = "port1"
            device = "/dev/tocsin/port1"
            connect_timeout_seconds = 5
            keepalive_seconds = 15
            reconnect_initial_ms = 1000
            reconnect_max_ms = 30000
            """) == [
            problem("ports[0].connect_timeout_seconds", 4, serialAdvice),
            problem("ports[0].keepalive_seconds", 5, serialAdvice),
            problem("ports[0].reconnect_initial_ms", 6, serialAdvice),
            problem("ports[0].reconnect_max_ms", 7, serialAdvice),
        ])
        // A TCP address with a mistake is still a TCP port: its baud key is named too.
        #expect(problems("[[ports]]\nlabel = 'a'\ndevice = 'tcp://10.0.0.5'\nbaud = 9600") == [
            problem("ports[0].device", 3, "\"tcp://10.0.0.5\" has no port; write the converter's address and TCP port, for example tcp://10.0.0.5:4001"),
            problem("ports[0].baud", 4, tcpAdvice),
        ])
    }

    @Test("bad values name the key, the line and what is allowed")
    func badValues() {
        func port(_ line: String) -> [ConfigurationError.Problem] {
            problems("[[ports]]\nlabel = 'a'\ndevice = '/dev/x'\n" + line)
        }
        func tcpPort(_ line: String) -> [ConfigurationError.Problem] {
            problems("[[ports]]\nlabel = 'a'\ndevice = 'tcp://10.0.0.5:4001'\n" + line)
        }
        #expect(port("role = 'slave'") == [problem("ports[0].role", 4, "unknown role \"slave\"; expected paging-system or control-station")])
        #expect(port("baud = 14400") == [problem("ports[0].baud", 4, "14400 is not a standard rate; expected one of 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200")])
        #expect(port("baud = 230400") == [problem("ports[0].baud", 4, "230400 is out of range; allowed 300-115200")])
        #expect(port("baud = '9600'") == [problem("ports[0].baud", 4, "expected an integer, found a string (remove the quotes)")])
        #expect(port("framing = '7N1'") == [problem("ports[0].framing", 4, "unknown framing \"7N1\"; expected one of 7E2, 7E1, 7O1, 8N1, 8E1, 8N2")])
        #expect(port("charset = 'latin-1'") == [problem("ports[0].charset", 4, "unknown charset \"latin-1\"; expected one of ascii, iso646-de, latin1, cp850, utf8")])
        #expect(port("address = 2") == [problem("ports[0].address", 4, "expected a station address such as \"2\", found an integer (put it in quotes: addresses are characters)")])
        #expect(port("address = '12'") == [problem("ports[0].address", 4, "\"12\" is not a station address; expected one character \"0\" to \"9\"")])
        #expect(port("address = 'A'") == [problem("ports[0].address", 4, "\"A\" is not a station address; expected one character \"0\" to \"9\"")])
        #expect(port("polled_addresses = []") == [problem("ports[0].polled_addresses", 4, "expected a non-empty array of station addresses such as [\"1\"], found an array")])
        #expect(port("polled_addresses = '1'") == [problem("ports[0].polled_addresses", 4, "expected a non-empty array of station addresses such as [\"1\"], found a string")])
        #expect(port("polled_addresses = ['1', 4]") == [problem("ports[0].polled_addresses[1]", 4, "expected a station address such as \"2\", found an integer (put it in quotes: addresses are characters)")])
        #expect(port("poll_interval_ms = 49") == [problem("ports[0].poll_interval_ms", 4, "49 is out of range; allowed 50-10000")])
        #expect(port("supervision_seconds = -1") == [problem("ports[0].supervision_seconds", 4, "-1 is out of range; allowed 0-86400 (0 turns supervision off)")])
        #expect(port("turnaround_ms = 151") == [problem("ports[0].turnaround_ms", 4, "151 is out of range; allowed 0-150")])
        #expect(port("default_priority = 'urgent'") == [problem("ports[0].default_priority", 4, "unknown priority \"urgent\"; expected one of Emergency, High, Medium, Standard, Low")])
        #expect(port("duplicate_window_seconds = 0") == [problem("ports[0].duplicate_window_seconds", 4, "0 is out of range; allowed 1-600")])
        #expect(port("inter_character_timeout_ms = 10001") == [problem("ports[0].inter_character_timeout_ms", 4, "10001 is out of range; allowed 100-10000")])
        #expect(port("presence_check_ms = 99") == [problem("ports[0].presence_check_ms", 4, "99 is out of range; allowed 100-60000")])
        #expect(port("transmission_error_limit = 1001") == [problem("ports[0].transmission_error_limit", 4, "1001 is out of range; allowed 0-1000 (0 turns the alarm off)")])
        #expect(port("transmission_error_window_seconds = 0") == [problem("ports[0].transmission_error_window_seconds", 4, "0 is out of range; allowed 1-86400")])
        #expect(tcpPort("connect_timeout_seconds = 0") == [problem("ports[0].connect_timeout_seconds", 4, "0 is out of range; allowed 1-60")])
        #expect(tcpPort("keepalive_seconds = 3") == [problem("ports[0].keepalive_seconds", 4, "3 is out of range; allowed 4-3600 (a converter that stops answering is noticed within this time)")])
        #expect(tcpPort("keepalive_seconds = true") == [problem("ports[0].keepalive_seconds", 4, "expected an integer, found a boolean")])
        #expect(tcpPort("reconnect_initial_ms = 99") == [problem("ports[0].reconnect_initial_ms", 4, "99 is out of range; allowed 100-60000")])
        #expect(tcpPort("reconnect_max_ms = 600001") == [problem("ports[0].reconnect_max_ms", 4, "600001 is out of range; allowed 100-600000")])
        #expect(tcpPort("reconnect_max_ms = 500") == [
            problem("ports[0].reconnect_max_ms", 4, "ports[0].reconnect_max_ms (500) is less than ports[0].reconnect_initial_ms (1000); the backoff cannot shrink"),
        ])
        #expect(tcpPort("reconnect_initial_ms = 40000") == [
            problem("ports[0].reconnect_initial_ms", 4, "ports[0].reconnect_max_ms (30000) is less than ports[0].reconnect_initial_ms (40000); the backoff cannot shrink"),
        ])
        // An invalid value is reported once, not again as an ordering problem.
        #expect(tcpPort("reconnect_initial_ms = 40000\nreconnect_max_ms = 'x'") == [problem("ports[0].reconnect_max_ms", 5, "expected an integer, found a string")])
    }

    @Test("unknown keys and wrong shapes of [[ports]]")
    func shapes() {
        #expect(problems("[[ports]]\nlabel = 'a'\ndevice = '/dev/x'\nbaudrate = 9600") == [problem("ports[0].baudrate", 4, "unknown key; did you mean ports[0].baud?")])
        #expect(problems("[[ports]]\nlabel = 'a'\ndevice = 'tcp://10.0.0.5:4001'\nkeepalive = 15") == [problem("ports[0].keepalive", 4, "unknown key; did you mean ports[0].keepalive_seconds?")])
        #expect(problems("[[ports]]\nlabel = 'a'\ndevice = '/dev/x'\nparity = 'even'") == [problem("ports[0].parity", 4, "unknown key")])
        #expect(problems("[ports]\nlabel = 'a'") == [problem("ports", 1, "expected [[ports]] entries (an array of tables), found a table")])
        #expect(problems("ports = ['/dev/x']") == [problem("ports[0]", 1, "expected a table with at least label and device, found a string")])
        #expect(problems("[[port]]\nlabel = 'a'") == [problem("port", 1, "unknown table; did you mean [ports]?")])
    }

    @Test("the problems of several ports come together, top to bottom")
    func severalPorts() {
        #expect(problems("""
            [[ports]]
            label = "port1"
            device = "/dev/tocsin/port1"
            baud = 9601
            [[ports]]
            label = "nport1"
            device = "tcp://10.0.0.5:4001"
            framing = "8N1"
            keepalive_seconds = 1
            [[ports]]
            label = "port1"
            device = "/dev/tocsin/port3"
            """) == [
            problem("ports[0].baud", 4, "9601 is not a standard rate; expected one of 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200"),
            problem("ports[1].framing", 8, "does not apply to a TCP port: the converter's own serial settings set the baud rate and framing, and the port reconnects with reconnect_initial_ms and reconnect_max_ms; remove the key"),
            problem("ports[1].keepalive_seconds", 9, "1 is out of range; allowed 4-3600 (a converter that stops answering is noticed within this time)"),
            problem("ports[2].label", 11, "port \"port1\" is already declared at line 2"),
        ])
    }

    @Test("a changed port needs a restart")
    func reload() {
        var new = Configuration.defaults
        new.ports = [PortSettings(label: "nport1", line: .tcp(Self.nport))]
        #expect(new.reloadDifferences(from: .defaults) == (reloadable: [], needsRestart: ["ports"]))
        var changed = new
        changed.ports[0].tcp.keepalive = TCPKeepalive(deadPeerSeconds: 30)
        #expect(changed.reloadDifferences(from: new).needsRestart == ["ports"])
    }

    /// Board/tocsin.toml's commented [[ports]] examples, uncommented, are valid and give the defaults.
    @Test("the commented [[ports]] examples in Board/tocsin.toml work once uncommented")
    func shippedExamples() throws {
        let text = try ConfigurationFile.read(path: ConfigurationTests.repositoryRoot + "/Board/tocsin.toml")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("# [[ports]]") }) else {
            Issue.record("no commented [[ports]] example in Board/tocsin.toml")
            return
        }
        // The examples run from the first `# [[ports]]` to the next table header.
        let end = lines[start...].firstIndex { $0.hasPrefix("[") } ?? lines.endIndex
        let uncommented = lines[start ..< end]
            .filter { $0.hasPrefix("# ") }
            .map { $0.dropFirst(2) }
            .filter { line in
                // The table headers and the `key = value` lines, not the prose between them.
                let key = line.prefix { $0 != " " }
                return line.hasPrefix("[[ports]]") || (!key.isEmpty && key.allSatisfy { $0 == "_" || ($0.isASCII && $0.isLowercase) } && line.dropFirst(key.count).hasPrefix(" = "))
            }
            .joined(separator: "\n")
        let ports = try Configuration.parse(uncommented, origin: "Board/tocsin.toml examples").ports
        #expect(ports == [
            PortSettings(label: "port1", line: .serial(path: "/dev/tocsin/port1")),
            PortSettings(label: "nport1", line: .tcp(Self.nport)),
        ])
    }
}
