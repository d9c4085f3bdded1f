// The command line: parses arguments and calls into TocsinDaemon. Nothing here knows a protocol.

#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import HummingbirdBcrypt
import TocsinDaemon

@main
struct Tocsin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tocsin",
        abstract: "Alarm gateway: ESPA 4.4.4, ESPA-X and REST in; phone pushes, webhooks and PBX calls out.",
        version: Daemon.version,
        subcommands: [Run.self, CheckConfig.self, HashPassword.self]
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

func printError(_ text: String) {
    var line = text
    if !line.hasSuffix("\n") { line += "\n" }
    LogOutput.writeStandardError(line)
}
