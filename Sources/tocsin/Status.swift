import ArgumentParser
import TocsinDaemon

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a running daemon how it is: version, open alarms and every supervised link."
    )

    @Option(name: .shortAndLong, help: "Read the daemon's address from this configuration file.")
    var config: String?

    @Option(help: "The daemon's base URL (default: from --config, else http://127.0.0.1:8080).")
    var url: String?

    @Option(help: "User for HTTP Basic authentication (not needed on the box itself by default).")
    var user: String?

    func run() async throws {
        var base = url ?? "http://127.0.0.1:8080"
        if url == nil, let config {
            do {
                let configuration = try Configuration.load(path: config)
                let host = configuration.http.host == "0.0.0.0" ? "127.0.0.1" : configuration.http.host
                base = "http://\(host.contains(":") ? "[\(host)]" : host):\(configuration.http.port)"
            } catch {
                printError("\(error)")
                throw ExitCode(78)
            }
        }
        var password: String?
        if user != nil {
            password = readLine(strippingNewline: true)
        }
        do {
            print(try await StatusQuery.report(base: base, user: user, password: password))
        } catch {
            printError("tocsin: \(error)")
            throw ExitCode(3)
        }
    }
}
