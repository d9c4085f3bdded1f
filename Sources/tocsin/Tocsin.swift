// The command line: parses arguments and calls into TocsinDaemon. Nothing here knows a protocol.

#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import ESPA444
import HummingbirdBcrypt
import Serial
import TocsinDaemon

@main
struct Tocsin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tocsin",
        abstract: "Alarm gateway: ESPA 4.4.4, ESPA-X and REST in; phone pushes, webhooks and PBX calls out.",
        version: Daemon.version,
        subcommands: [Run.self, CheckConfig.self, HashPassword.self, Status.self, Panel.self, Monitor.self]
    )
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon (on the embedded defaults when no --config is given)."
    )

    @Option(name: .shortAndLong, help: "The TOML configuration file.")
    var config: String?

    func run() async throws {
        let configuration: Configuration
        if let config {
            do {
                configuration = try Configuration.load(path: config)
            } catch {
                printError("\(error)")
                throw ExitCode(78) // EX_CONFIG: systemd should not restart into the same bad file
            }
        } else {
            configuration = .defaults
        }
        do {
            try await Daemon.run(configuration: configuration, configurationPath: config)
        } catch {
            printError("tocsin: \(error)")
            throw ExitCode.failure
        }
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; every problem is printed with its key and line."
    )

    @Argument(help: "The TOML configuration file.")
    var file: String

    func run() throws {
        do {
            _ = try Configuration.load(path: file)
            print("\(file): OK")
        } catch {
            printError("\(error)")
            throw ExitCode(78)
        }
    }
}

struct HashPassword: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-password",
        abstract: "Read a password from standard input and print its bcrypt hash for [[users]] password_hash."
    )

    @Option(help: "bcrypt cost (log2 rounds), 10 to 15.")
    var cost: UInt8 = 12

    func validate() throws {
        guard (10...15).contains(cost) else { throw ValidationError("--cost must be between 10 and 15") }
    }

    func run() throws {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            printError("tocsin: no password on standard input")
            throw ExitCode.failure
        }
        print(Bcrypt.hash(line, cost: cost))
    }
}

/// The line settings the two serial tools share.
struct LineOptions: ParsableArguments {
    @Option(help: "Baud rate: 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200.")
    var baud = 9600

    @Option(help: "Character frame: 7E2 (the spec's), 7E1, 7O1, 8N1, 8E1 or 8N2.")
    var framing = "7E2"

    @Option(help: "Character set of the text: ascii, iso646-de, latin1, cp850 or utf8.")
    var charset = "ascii"

    func validate() throws {
        guard TermiosSettings.supportedBaudRates.contains(baud) else { throw ValidationError("\(SerialError.unsupportedBaud(baud))") }
        guard Framing(rawValue: framing.uppercased()) != nil else { throw ValidationError("--framing must be one of \(Framing.allCases.map(\.rawValue).joined(separator: ", "))") }
        guard Charset(rawValue: charset) != nil else { throw ValidationError("--charset must be one of \(Charset.allCases.map(\.rawValue).joined(separator: ", "))") }
    }

    var parsedFraming: Framing { Framing(rawValue: framing.uppercased()) ?? .sevenEvenTwo }
    var parsedCharset: Charset { Charset(rawValue: charset) ?? .ascii }
}

struct Panel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Act as an ESPA 4.4.4 panel (control station): send one call block on DEVICE and print the peer's answers byte by byte.",
        discussion: "Exits 0 when the peer ACKs the block, 1 when it refuses it or does not answer."
    )

    @Argument(help: "The serial device, for example /dev/ttyUSB0 or /dev/tocsin/port1, or tcp://host:port for a serial-to-IP converter in TCP server mode.")
    var device: String

    @Option(help: "Call address (record 1): the alarm group.")
    var address: String

    @Option(help: "Display message (record 2).")
    var text: String?

    @Option(help: "Priority (record 6): 1 emergency, 2 high, 3 normal; any other value is sent as given.")
    var priority: String?

    @Option(name: .customLong("call-type"), help: "Call type (record 4): 1 resets the running alarm, 3 is a standard call.")
    var callType: String?

    @Option(help: "The panel's own station address.")
    var from = "1"

    @Option(help: "The paging system's station address.")
    var to = "2"

    @Option(help: "Seconds to wait for the exchange to finish.")
    var timeout = 30

    @OptionGroup var line: LineOptions

    func validate() throws {
        for (name, value) in [("--from", from), ("--to", to)] where value.utf8.count != 1 || !(value.first?.isNumber ?? false) {
            throw ValidationError("\(name) must be one station address character, 0 to 9")
        }
        guard !address.isEmpty else { throw ValidationError("--address must not be empty") }
        try validateDevice(device)
    }

    func run() async throws {
        let block = Call.block(address: address, text: text, priority: priority.map { CallPriority(recordValue: $0) }, callType: callType)
        let simulator = PanelSimulator(
            device: device, block: block, baud: line.baud, framing: line.parsedFraming, charset: line.parsedCharset,
            ownAddress: from.utf8.first!, destination: to.utf8.first!, timeout: .seconds(timeout)
        )
        do {
            switch try await simulator.run(output: { print($0) }) {
            case .acknowledged: return
            case .failed: throw ExitCode.failure
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("tocsin panel: \(error)")
            throw ExitCode.failure
        }
    }
}

struct Monitor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode and print ESPA 4.4.4 traffic on DEVICE: timestamps, BCC verdicts and records."
    )

    @Argument(help: "The serial device, for example /dev/ttyUSB0 (not one the daemon holds), or tcp://host:port for a serial-to-IP converter in TCP server mode.")
    var device: String

    @OptionGroup var line: LineOptions

    func validate() throws {
        try validateDevice(device)
    }

    func run() async throws {
        let monitor = LineMonitor(device: device, baud: line.baud, framing: line.parsedFraming, charset: line.parsedCharset)
        do {
            let reason = try await monitor.run(output: { print($0) })
            printError("tocsin monitor: \(reason)")
        } catch {
            printError("tocsin monitor: \(error)")
            throw ExitCode.failure
        }
    }
}

/// A `tcp://` device the tools cannot connect to is named before anything is opened.
func validateDevice(_ device: String) throws {
    do {
        _ = try PortLine(device: device)
    } catch {
        throw ValidationError("\"\(device)\" \(error)")
    }
}

func printError(_ text: String) {
    var line = text
    if !line.hasSuffix("\n") { line += "\n" }
    LogOutput.writeStandardError(line)
}
