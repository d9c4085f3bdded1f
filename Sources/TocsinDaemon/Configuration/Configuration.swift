// What an integrator sets in `tocsin.toml`, checked: the state directory and log level, the HTTP
// listener, journal pruning, the technical alarm group, webhook retries, and staff accounts. The
// defaults here are what `tocsin run` uses with no file, and `Board/tocsin.toml` spells them out.

import Alarming
import ESPA444
import Logging
import Serial

/// The daemon's configuration. Every key is optional in the file; a missing key keeps its default.
public struct Configuration: Sendable, Equatable {
    /// `[daemon]`
    public struct Daemon: Sendable, Equatable {
        /// Where the SQLite journal lives. Relative to the working directory; `$STATE_DIRECTORY` wins when set.
        public var stateDirectory: String
        public var logLevel: Logger.Level
        /// After this many minutes without an alarm event the daemon unmaps its code pages again
        /// (see `CodePages`); 0 releases them only once, after start-up.
        public var releasePagesAfterQuietMinutes: Int

        public init(stateDirectory: String = "tocsin-state", logLevel: Logger.Level = .info, releasePagesAfterQuietMinutes: Int = 10) {
            self.stateDirectory = stateDirectory
            self.logLevel = logLevel
            self.releasePagesAfterQuietMinutes = releasePagesAfterQuietMinutes
        }
    }

    /// `[http]`
    public struct HTTP: Sendable, Equatable {
        public var host: String
        /// 0 asks the system for any free port (tests use it).
        public var port: Int
        /// Requests from 127.0.0.0/8 and ::1 need no password.
        public var loopbackWithoutAuth: Bool

        public init(host: String = "127.0.0.1", port: Int = 8080, loopbackWithoutAuth: Bool = true) {
            self.host = host
            self.port = port
            self.loopbackWithoutAuth = loopbackWithoutAuth
        }
    }

    /// `[journal]`
    public struct Journal: Sendable, Equatable {
        /// Ended alarms older than this many days are pruned; 0 keeps them forever.
        public var retentionDays: Int
        public var pruneIntervalMinutes: Int

        public init(retentionDays: Int = 365, pruneIntervalMinutes: Int = 60) {
            self.retentionDays = retentionDays
            self.pruneIntervalMinutes = pruneIntervalMinutes
        }
    }

    /// `[alarms]`
    public struct Alarms: Sendable, Equatable {
        /// Where unknown-group, undeliverable and supervision alarms go; "" turns technical alarms off.
        public var technicalGroup: String

        public init(technicalGroup: String = "999") {
            self.technicalGroup = technicalGroup
        }
    }

    /// `[webhook]`
    public struct Webhook: Sendable, Equatable {
        public var timeoutMs: Int
        public var maxAttempts: Int
        public var initialBackoffMs: Int
        public var maxBackoffMs: Int
        /// PEM file of the authorities https receivers' certificates must chain to; empty for the
        /// system's trust store.
        public var caFile: String

        public init(timeoutMs: Int = 5000, maxAttempts: Int = 4, initialBackoffMs: Int = 500, maxBackoffMs: Int = 8000, caFile: String = "") {
            self.timeoutMs = timeoutMs
            self.maxAttempts = maxAttempts
            self.initialBackoffMs = initialBackoffMs
            self.maxBackoffMs = maxBackoffMs
            self.caFile = caFile
        }

        /// The retry schedule the alarm service applies to webhook deliveries.
        public var retryPolicy: RetryPolicy {
            RetryPolicy(maxAttempts: maxAttempts, initialBackoff: .milliseconds(initialBackoffMs), maxBackoff: .milliseconds(maxBackoffMs))
        }
    }

    /// One `[[users]]` entry: a staff account created or updated in the directory at start and on reload.
    public struct UserEntry: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        public var name: String
        /// A bcrypt hash (`$2b$12$…`), never a plain password.
        public var passwordHash: String

        public init(name: String, passwordHash: String) {
            self.name = name
            self.passwordHash = passwordHash
        }

        // Hashes stay out of logs: a leaked bcrypt hash can still be attacked offline.
        public var description: String { "UserEntry(name: \(name), passwordHash: <redacted>)" }
        public var debugDescription: String { description }
    }

    public var daemon: Daemon
    public var http: HTTP
    public var journal: Journal
    public var alarms: Alarms
    public var webhook: Webhook
    public var users: [UserEntry]
    public var espax: ESPAX = ESPAX()
    /// `[csta]`: the PBX link escalation calls go through. Off by default.
    public var csta: CSTA = CSTA()
    /// `[voispeed]`: a VOIspeed PBX for SMS and, unless `[csta]` is on, escalation calls. Off by default.
    public var voispeed: VOIspeed = VOIspeed()
    public var cisco: Cisco = Cisco()
    public var sip: SIP = SIP()
    public var phones: Phones = Phones()
    /// `[[ports]]`: the ESPA 4.4.4 serial ports. None by default.
    public var ports: [PortSettings]

    public init(
        daemon: Daemon = Daemon(), http: HTTP = HTTP(), journal: Journal = Journal(),
        alarms: Alarms = Alarms(), webhook: Webhook = Webhook(), users: [UserEntry] = [],
        ports: [PortSettings] = []
    ) {
        self.daemon = daemon
        self.http = http
        self.journal = journal
        self.alarms = alarms
        self.webhook = webhook
        self.users = users
        self.ports = ports
    }

    /// What `tocsin run` uses without a configuration file.
    public static let defaults = Configuration()

    /// Reads TOML text. `origin` names the text in problems (usually the file path). Syntax errors
    /// stop the reading at the first one; otherwise every problem in the file is reported together.
    public static func parse(_ text: String, origin: String) throws(ConfigurationError) -> Configuration {
        let document: TOMLTable
        do {
            document = try TOMLParser.parse(text)
        } catch {
            throw ConfigurationError(origin: origin, problems: [
                .init(key: error.key ?? "", line: error.line, message: error.message),
            ])
        }
        var reader = ConfigurationReader()
        let configuration = reader.read(document)
        guard reader.problems.isEmpty else {
            throw ConfigurationError(origin: origin, problems: reader.problems)
        }
        return configuration
    }

    /// Reads and checks the file at `path`. An unreadable file is reported as a problem too.
    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        let text: String
        do {
            text = try ConfigurationFile.read(path: path)
        } catch {
            throw ConfigurationError(origin: path, problems: [.init(key: "", line: error.line, message: error.message)])
        }
        return try parse(text, origin: path)
    }

    /// The directory for the journal: systemd's `$STATE_DIRECTORY` (its first entry, when it lists
    /// several) wins over `daemon.state_directory`. A relative path stays relative to the working directory.
    public func resolvedStateDirectory(environment: [String: String]) -> String {
        if let fromSystemd = environment["STATE_DIRECTORY"]?.split(separator: ":").first, !fromSystemd.isEmpty {
            return String(fromSystemd)
        }
        return daemon.stateDirectory
    }

    /// The keys that differ from `old`, split into those a SIGHUP reload applies and those that only
    /// take effect after a restart (they are bound at start: the open journal and the listening socket).
    public func reloadDifferences(from old: Configuration) -> (reloadable: [String], needsRestart: [String]) {
        var reloadable: [String] = []
        var needsRestart: [String] = []
        func compare<Value: Equatable>(_ key: String, _ path: KeyPath<Configuration, Value>, restart: Bool = false) {
            guard self[keyPath: path] != old[keyPath: path] else { return }
            if restart { needsRestart.append(key) } else { reloadable.append(key) }
        }
        compare("daemon.state_directory", \.daemon.stateDirectory, restart: true)
        compare("daemon.log_level", \.daemon.logLevel)
        compare("daemon.release_pages_after_quiet_minutes", \.daemon.releasePagesAfterQuietMinutes)
        compare("http.host", \.http.host, restart: true)
        compare("http.port", \.http.port, restart: true)
        compare("http.loopback_without_auth", \.http.loopbackWithoutAuth)
        compare("journal.retention_days", \.journal.retentionDays)
        compare("journal.prune_interval_minutes", \.journal.pruneIntervalMinutes)
        compare("alarms.technical_group", \.alarms.technicalGroup)
        compare("webhook.timeout_ms", \.webhook.timeoutMs)
        compare("webhook.max_attempts", \.webhook.maxAttempts)
        compare("webhook.initial_backoff_ms", \.webhook.initialBackoffMs)
        compare("webhook.max_backoff_ms", \.webhook.maxBackoffMs)
        compare("webhook.ca_file", \.webhook.caFile, restart: true)
        compare("users", \.users)
        compare("espax", \.espax, restart: true)
        compare("csta", \.csta, restart: true)
        compare("voispeed", \.voispeed, restart: true)
        compare("cisco", \.cisco)
        compare("sip", \.sip)
        compare("phones", \.phones)
        // Ports are opened once at start; a changed port needs a restart.
        compare("ports", \.ports, restart: true)
        return (reloadable, needsRestart)
    }
}
