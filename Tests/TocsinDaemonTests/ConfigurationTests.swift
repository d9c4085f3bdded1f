#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Alarming
import Logging
import Testing
@testable import TocsinDaemon

/// A well-formed bcrypt hash (the classic example from the bcrypt literature), so tests never hold a real one.
let exampleHash = "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
let otherHash = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"

/// The problems `text` is rejected with, or [] when it is accepted.
func problems(_ text: String) -> [ConfigurationError.Problem] {
    do {
        _ = try Configuration.parse(text, origin: "tocsin.toml")
        return []
    } catch {
        #expect(error.origin == "tocsin.toml")
        return error.problems
    }
}

func problem(_ key: String, _ line: Int?, _ message: String) -> ConfigurationError.Problem {
    ConfigurationError.Problem(key: key, line: line, message: message)
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("the defaults are the documented values")
    func defaults() {
        let defaults = Configuration.defaults
        #expect(defaults.daemon.stateDirectory == "tocsin-state")
        #expect(defaults.daemon.logLevel == .info)
        #expect(defaults.daemon.releasePagesAfterQuietMinutes == 10)
        #expect(defaults.http.host == "127.0.0.1")
        #expect(defaults.http.port == 8080)
        #expect(defaults.http.loopbackWithoutAuth == true)
        #expect(defaults.journal.retentionDays == 365)
        #expect(defaults.journal.pruneIntervalMinutes == 60)
        #expect(defaults.alarms.technicalGroup == "999")
        #expect(defaults.webhook.timeoutMs == 5000)
        #expect(defaults.webhook.maxAttempts == 4)
        #expect(defaults.webhook.initialBackoffMs == 500)
        #expect(defaults.webhook.maxBackoffMs == 8000)
        #expect(defaults.webhook.caFile == "")
        #expect(defaults.users.isEmpty)
    }

    @Test("the shipped Board/tocsin.toml is exactly the defaults, every key present")
    func shippedFileMatchesDefaults() throws {
        let path = Self.repositoryRoot + "/Board/tocsin.toml"
        #expect(try Configuration.load(path: path) == .defaults)
        let document = try TOMLParser.parse(try ConfigurationFile.read(path: path))
        for section in ConfigurationReader.sections {
            guard case .table(let table)? = document[section.name]?.value.content else {
                Issue.record("[\(section.name)] is missing from Board/tocsin.toml")
                continue
            }
            #expect(table.keys == section.keys, "[\(section.name)] lists its keys in the schema's order")
        }
    }

    @Test("the commented [[users]] example in Board/tocsin.toml works once uncommented")
    func shippedUserExample() throws {
        let path = Self.repositoryRoot + "/Board/tocsin.toml"
        let text = try ConfigurationFile.read(path: path)
        let uncommented = text
            .replacing("# [[users]]", with: "[[users]]")
            .replacing("# name = \"admin\"", with: "name = \"admin\"")
            .replacing("# password_hash = \"$2b$12$...paste the output of tocsin hash-password here...\"", with: "password_hash = \"\(exampleHash)\"")
        #expect(try Configuration.parse(uncommented, origin: "example").users == [.init(name: "admin", passwordHash: exampleHash)])
    }

    @Test("an empty file and a file of comments give the defaults")
    func emptyFile() throws {
        #expect(try Configuration.parse("", origin: "empty.toml") == .defaults)
        #expect(try Configuration.parse("# nothing\n\n[http]\n", origin: "x") == .defaults)
    }

    @Test("every key is read")
    func everyKey() throws {
        let configuration = try Configuration.parse("""
            [daemon]
            state_directory = "/var/lib/tocsin"
            log_level = "debug"
            release_pages_after_quiet_minutes = 0
            [http]
            host = "0.0.0.0"
            port = 0
            loopback_without_auth = false
            [journal]
            retention_days = 0
            prune_interval_minutes = 10080
            [alarms]
            technical_group = ""
            [webhook]
            timeout_ms = 100
            max_attempts = 20
            initial_backoff_ms = 10
            max_backoff_ms = 10
            ca_file = "/etc/tocsin/receivers-ca.pem"
            [[users]]
            name = "admin"
            password_hash = "\(exampleHash)"
            [[users]]
            name = "Schwester Anna"
            password_hash = "\(otherHash)"
            """, origin: "full.toml")
        #expect(configuration == Configuration(
            daemon: .init(stateDirectory: "/var/lib/tocsin", logLevel: .debug, releasePagesAfterQuietMinutes: 0),
            http: .init(host: "0.0.0.0", port: 0, loopbackWithoutAuth: false),
            journal: .init(retentionDays: 0, pruneIntervalMinutes: 10080),
            alarms: .init(technicalGroup: ""),
            webhook: .init(timeoutMs: 100, maxAttempts: 20, initialBackoffMs: 10, maxBackoffMs: 10, caFile: "/etc/tocsin/receivers-ca.pem"),
            users: [.init(name: "admin", passwordHash: exampleHash), .init(name: "Schwester Anna", passwordHash: otherHash)]
        ))
    }

    @Test("a partial file keeps the defaults for the keys it leaves out; inline and dotted forms work too")
    func partialFile() throws {
        let configuration = try Configuration.parse("""
            http.port = 9090
            webhook = { max_attempts = 2 }
            users = [{ name = "ops", password_hash = '\(exampleHash)' }]
            """, origin: "partial.toml")
        var expected = Configuration.defaults
        expected.http.port = 9090
        expected.webhook.maxAttempts = 2
        expected.users = [.init(name: "ops", passwordHash: exampleHash)]
        #expect(configuration == expected)
    }

    @Test("every log level name is accepted")
    func logLevels() throws {
        for level in Logger.Level.allCases {
            #expect(try Configuration.parse("[daemon]\nlog_level = \"\(level.rawValue)\"", origin: "x").daemon.logLevel == level)
        }
    }

    @Test("an unknown key names itself, its line and the key that was meant")
    func unknownKey() {
        do {
            _ = try Configuration.parse("[daemon]\nlog_level = \"info\"\n[http]\nprot = 8081\n", origin: "tocsin.toml")
            Issue.record("http.prot was accepted")
        } catch {
            #expect(error.problems == [problem("http.prot", 4, "unknown key; did you mean http.port?")])
            #expect(error.description == "tocsin.toml:4: http.prot: unknown key; did you mean http.port?")
        }
    }

    @Test("suggestions: misspellings, case, dashes, keys in the wrong table, misspelt tables")
    func suggestions() {
        #expect(problems("[http]\nPort = 1") == [problem("http.Port", 2, "unknown key; did you mean http.port?")])
        #expect(problems("[http]\nloopback-without-auth = true") == [problem("http.loopback-without-auth", 2, "unknown key; did you mean http.loopback_without_auth?")])
        #expect(problems("[daemon]\nstate_dir = 'x'") == [problem("daemon.state_dir", 2, "unknown key; did you mean daemon.state_directory?")])
        #expect(problems("[http]\nretention_days = 3") == [problem("http.retention_days", 2, "unknown key; did you mean journal.retention_days?")])
        #expect(problems("port = 8080") == [problem("port", 1, "unknown key; did you mean http.port?")])
        #expect(problems("[htp]\nport = 1") == [problem("htp", 1, "unknown table; did you mean [http]?")])
        #expect(problems("[webhooks]") == [problem("webhooks", 1, "unknown table; did you mean [webhook]?")])
        #expect(problems("[[user]]\nname = 'a'") == [problem("user", 1, "unknown table; did you mean [users]?")])
        #expect(problems("[serial]\nport = '/dev/ttyS0'") == [problem("serial", 1, "unknown table")])
        #expect(problems("[http]\ncolour = 'red'") == [problem("http.colour", 2, "unknown key")])
        #expect(problems("[http.tls]\ncert = 'x'") == [problem("http.tls", 1, "unknown table")])
        #expect(problems("[http]\n\"po rt\" = 1") == [problem("http.\"po rt\"", 2, "unknown key; did you mean http.port?")])
    }

    @Test("wrong types say what was expected and what was found")
    func wrongTypes() {
        #expect(problems("[http]\nport = \"8080\"") == [problem("http.port", 2, "expected an integer, found a string (remove the quotes)")])
        #expect(problems("[http]\nport = 80.5") == [problem("http.port", 2, "expected an integer, found a float")])
        #expect(problems("[http]\nloopback_without_auth = \"true\"") == [problem("http.loopback_without_auth", 2, "expected true or false, found a string (remove the quotes)")])
        #expect(problems("[http]\nloopback_without_auth = 1") == [problem("http.loopback_without_auth", 2, "expected true or false, found an integer")])
        #expect(problems("[alarms]\ntechnical_group = 999") == [problem("alarms.technical_group", 2, "expected a string, found an integer (put it in quotes)")])
        #expect(problems("[daemon]\nstate_directory = ['a']") == [problem("daemon.state_directory", 2, "expected a string, found an array")])
        #expect(problems("http = 5") == [problem("http", 1, "expected a table ([http]), found an integer")])
        #expect(problems("[users]\nname = 'a'") == [problem("users", 1, "expected [[users]] entries (an array of tables), found a table")])
        #expect(problems("users = ['admin']") == [problem("users[0]", 1, "expected a table with name and password_hash, found a string")])
    }

    @Test("values out of range name the allowed range")
    func ranges() {
        #expect(problems("[http]\nport = 65536") == [problem("http.port", 2, "65536 is out of range; allowed 0-65535 (0: any free port)")])
        #expect(problems("[http]\nport = -1") == [problem("http.port", 2, "-1 is out of range; allowed 0-65535 (0: any free port)")])
        #expect(problems("[journal]\nretention_days = -1") == [problem("journal.retention_days", 2, "-1 is out of range; allowed 0-36500 (0 keeps ended alarms forever)")])
        #expect(problems("[daemon]\nrelease_pages_after_quiet_minutes = -1") == [problem("daemon.release_pages_after_quiet_minutes", 2, "-1 is out of range; allowed 0-10080 (0: only once, after start-up)")])
        #expect(problems("[journal]\nprune_interval_minutes = 0") == [problem("journal.prune_interval_minutes", 2, "0 is out of range; allowed 1-10080 (one week at most)")])
        #expect(problems("[journal]\nprune_interval_minutes = 10081") == [problem("journal.prune_interval_minutes", 2, "10081 is out of range; allowed 1-10080 (one week at most)")])
        #expect(problems("[webhook]\ntimeout_ms = 99") == [problem("webhook.timeout_ms", 2, "99 is out of range; allowed 100-120000")])
        #expect(problems("[webhook]\ntimeout_ms = 120001") == [problem("webhook.timeout_ms", 2, "120001 is out of range; allowed 100-120000")])
        #expect(problems("[webhook]\nmax_attempts = 0") == [problem("webhook.max_attempts", 2, "0 is out of range; allowed 1-20")])
        #expect(problems("[webhook]\nmax_attempts = 21") == [problem("webhook.max_attempts", 2, "21 is out of range; allowed 1-20")])
        #expect(problems("[webhook]\ninitial_backoff_ms = 9") == [problem("webhook.initial_backoff_ms", 2, "9 is out of range; allowed 10-600000")])
        #expect(problems("[webhook]\nmax_backoff_ms = 600001") == [problem("webhook.max_backoff_ms", 2, "600001 is out of range; allowed 10-600000")])
        #expect(problems("[http]\nport = 9223372036854775807") == [problem("http.port", 2, "9223372036854775807 is out of range; allowed 0-65535 (0: any free port)")])
    }

    @Test("strings that cannot work are refused")
    func badStrings() {
        #expect(problems("[daemon]\nstate_directory = ''") == [problem("daemon.state_directory", 2, "must not be empty")])
        #expect(problems("[daemon]\nstate_directory = \"a\\u0000b\"") == [problem("daemon.state_directory", 2, "contains a control character")])
        #expect(problems("[http]\nhost = ''") == [problem("http.host", 2, "must not be empty")])
        #expect(problems("[http]\nhost = '127.0.0.1 '") == [problem("http.host", 2, "\"127.0.0.1 \" contains spaces")])
        #expect(problems("[alarms]\ntechnical_group = ' 999'") == [problem("alarms.technical_group", 2, "\" 999\" contains spaces")])
        #expect(problems("[daemon]\nlog_level = 'verbose'") == [problem("daemon.log_level", 2, "unknown level \"verbose\"; expected one of trace, debug, info, notice, warning, error, critical")])
        #expect(problems("[daemon]\nlog_level = 'INFO'") == [problem("daemon.log_level", 2, "unknown level \"INFO\"; expected one of trace, debug, info, notice, warning, error, critical")])
    }

    @Test("the maximum backoff may not be below the initial one, whichever was written")
    func backoffOrder() {
        #expect(problems("[webhook]\ninitial_backoff_ms = 2000\nmax_backoff_ms = 1000") == [
            problem("webhook.max_backoff_ms", 3, "1000 is less than webhook.initial_backoff_ms (2000); the backoff cannot shrink"),
        ])
        #expect(problems("[webhook]\nmax_backoff_ms = 100") == [
            problem("webhook.max_backoff_ms", 2, "100 is less than webhook.initial_backoff_ms (500); the backoff cannot shrink"),
        ])
        #expect(problems("[webhook]\ninitial_backoff_ms = 10000") == [
            problem("webhook.initial_backoff_ms", 2, "10000 is more than webhook.max_backoff_ms (8000, its default); raise max_backoff_ms too"),
        ])
        // An invalid value is reported once, not again as an ordering problem.
        #expect(problems("[webhook]\ninitial_backoff_ms = 9000\nmax_backoff_ms = 'x'") == [
            problem("webhook.max_backoff_ms", 3, "expected an integer, found a string"),
        ])
    }

    @Test("users need a unique name and a bcrypt hash, and the hash is never echoed")
    func users() {
        #expect(problems("[[users]]\npassword_hash = '\(exampleHash)'") == [problem("users[0].name", 1, "missing; every user needs a name")])
        #expect(problems("[[users]]\nname = 'admin'") == [problem("users[0].password_hash", 1, "missing; run `tocsin hash-password` to make a bcrypt hash")])
        #expect(problems("[[users]]\nname = ''\npassword_hash = '\(exampleHash)'") == [problem("users[0].name", 2, "must not be empty")])
        #expect(problems("[[users]]\nname = 'anna '\npassword_hash = '\(exampleHash)'") == [problem("users[0].name", 2, "\"anna \" has spaces at its start or end")])
        #expect(problems("""
            [[users]]
            name = "admin"
            password_hash = "\(exampleHash)"
            [[users]]
            name = "admin"
            password_hash = "\(otherHash)"
            """) == [problem("users[1].name", 5, "user \"admin\" is already declared at line 2")])
        #expect(problems("[[users]]\nname = 'admin'\npassword = 'secret'\npassword_hash = '\(exampleHash)'") == [
            problem("users[0].password", 3, "unknown key; did you mean users[0].password_hash?"),
        ])
        let plain = problems("[[users]]\nname = 'admin'\npassword_hash = 'correct horse battery staple'")
        #expect(plain == [problem("users[0].password_hash", 3, "not a bcrypt hash; expected $2b$, a two-digit cost, $ and 53 characters, as `tocsin hash-password` prints (a plain password is never accepted)")])
        #expect(!plain.description.contains("horse"))
    }

    @Test("bcrypt hashes: $2a$, $2b$ and $2y$, a cost of 4 to 31, 53 characters of bcrypt's alphabet")
    func bcryptShape() {
        #expect(ConfigurationReader.bcryptComplaint(exampleHash) == nil)
        #expect(ConfigurationReader.bcryptComplaint(otherHash) == nil)
        #expect(ConfigurationReader.bcryptComplaint("$2y$04$" + String(repeating: "a", count: 53)) == nil)
        #expect(ConfigurationReader.bcryptComplaint("$2b$31$" + String(repeating: "./", count: 26) + "Z") == nil)
        let notBcrypt = "not a bcrypt hash; expected $2b$, a two-digit cost, $ and 53 characters, as `tocsin hash-password` prints (a plain password is never accepted)"
        #expect(ConfigurationReader.bcryptComplaint("$2x$12$" + String(repeating: "a", count: 53)) == notBcrypt)
        #expect(ConfigurationReader.bcryptComplaint("$2b$1a$" + String(repeating: "a", count: 53)) == notBcrypt)
        #expect(ConfigurationReader.bcryptComplaint("$2b$12$" + String(repeating: "a", count: 52)) == notBcrypt)
        #expect(ConfigurationReader.bcryptComplaint("$2b$12$" + String(repeating: "a", count: 54)) == notBcrypt)
        #expect(ConfigurationReader.bcryptComplaint("$2b$12$" + String(repeating: "a", count: 52) + "+") == notBcrypt)
        #expect(ConfigurationReader.bcryptComplaint("$2b$12$" + String(repeating: "a", count: 52) + "é") == notBcrypt)
        #expect(ConfigurationReader.bcryptComplaint("") == notBcrypt)
        #expect(ConfigurationReader.bcryptComplaint("$2b$03$" + String(repeating: "a", count: 53)) == "bcrypt cost 3 is outside 4-31")
        #expect(ConfigurationReader.bcryptComplaint("$2b$32$" + String(repeating: "a", count: 53)) == "bcrypt cost 32 is outside 4-31")
    }

    @Test("all the problems of a file are reported together, top to bottom")
    func allProblemsTogether() {
        let text = """
            lisen = 1
            [daemon]
            log_level = "loud"
            [http]
            prot = 8081
            port = 70000
            loopback_without_auth = "yes"
            [webhook]
            max_backoff_ms = 100
            max_attempts = 0
            [[users]]
            name = "admin"
            password_hash = "hunter2"
            [serial]
            """
        let expected = [
            problem("lisen", 1, "unknown key"),
            problem("daemon.log_level", 3, "unknown level \"loud\"; expected one of trace, debug, info, notice, warning, error, critical"),
            problem("http.prot", 5, "unknown key; did you mean http.port?"),
            problem("http.port", 6, "70000 is out of range; allowed 0-65535 (0: any free port)"),
            problem("http.loopback_without_auth", 7, "expected true or false, found a string"),
            problem("webhook.max_backoff_ms", 9, "100 is less than webhook.initial_backoff_ms (500); the backoff cannot shrink"),
            problem("webhook.max_attempts", 10, "0 is out of range; allowed 1-20"),
            problem("users[0].password_hash", 13, "not a bcrypt hash; expected $2b$, a two-digit cost, $ and 53 characters, as `tocsin hash-password` prints (a plain password is never accepted)"),
            problem("serial", 14, "unknown table"),
        ]
        do {
            _ = try Configuration.parse(text, origin: "/etc/tocsin/tocsin.toml")
            Issue.record("the file was accepted")
        } catch {
            #expect(error.problems == expected)
            #expect(error.description.split(separator: "\n").count == expected.count)
            #expect(error.description.hasPrefix("/etc/tocsin/tocsin.toml:1: lisen: unknown key\n/etc/tocsin/tocsin.toml:3: daemon.log_level: unknown level"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test("a TOML syntax error is one problem with its line and key")
    func syntaxErrors() {
        #expect(problems("[http]\nport = 80\nport = 81") == [problem("http.port", 3, "duplicate key; first defined at line 2")])
        #expect(problems("[http]\nhost = \"127.0.0.1\nport = 1") == [problem("", 2, "the string is not closed on its line; close the quote, or use \"\"\" for a multi-line string")])
        #expect(problems("[http]\nport = 99999999999999999999") == [problem("", 2, "integer 99999999999999999999 does not fit in 64 bits")])
        #expect(problems("[http]\nport =\n") == [problem("http.port", 2, "no value after =")])
    }

    @Test("problem descriptions leave out a missing line or key")
    func problemDescriptions() {
        let error = ConfigurationError(origin: "a.toml", problems: [
            problem("http.port", 4, "x"),
            problem("", 2, "y"),
            problem("", nil, "z"),
            problem("users", nil, "w"),
        ])
        #expect(error.problems.map(\.description) == ["4: http.port: x", "2: y", "z", "users: w"])
        #expect(error.description == "a.toml:4: http.port: x\na.toml:2: y\na.toml: z\na.toml: users: w")
    }

    @Test("SIGHUP-reloadable keys and restart-only keys are told apart")
    func reloadDifferences() {
        let old = Configuration.defaults
        #expect(old.reloadDifferences(from: old).reloadable.isEmpty)
        #expect(old.reloadDifferences(from: old).needsRestart.isEmpty)

        var new = old
        new.daemon.stateDirectory = "/srv/tocsin"
        new.daemon.logLevel = .debug
        new.daemon.releasePagesAfterQuietMinutes = 60
        new.http.host = "0.0.0.0"
        new.http.port = 80
        new.http.loopbackWithoutAuth = false
        new.journal.retentionDays = 30
        new.journal.pruneIntervalMinutes = 5
        new.alarms.technicalGroup = "1"
        new.webhook.timeoutMs = 1000
        new.webhook.maxAttempts = 2
        new.webhook.initialBackoffMs = 100
        new.webhook.maxBackoffMs = 200
        new.webhook.caFile = "/etc/tocsin/receivers-ca.pem"
        new.users = [.init(name: "a", passwordHash: exampleHash)]
        let differences = new.reloadDifferences(from: old)
        #expect(differences.reloadable == [
            "daemon.log_level", "daemon.release_pages_after_quiet_minutes", "http.loopback_without_auth", "journal.retention_days", "journal.prune_interval_minutes",
            "alarms.technical_group", "webhook.timeout_ms", "webhook.max_attempts", "webhook.initial_backoff_ms",
            "webhook.max_backoff_ms", "users",
        ])
        #expect(differences.needsRestart == ["daemon.state_directory", "http.host", "http.port", "webhook.ca_file"])

        var passwordChanged = new
        passwordChanged.users[0].passwordHash = otherHash
        #expect(passwordChanged.reloadDifferences(from: new).reloadable == ["users"])
        #expect(passwordChanged.reloadDifferences(from: new).needsRestart == [])
    }

    @Test("$STATE_DIRECTORY wins over the configured directory")
    func stateDirectory() {
        var configuration = Configuration.defaults
        #expect(configuration.resolvedStateDirectory(environment: [:]) == "tocsin-state")
        #expect(configuration.resolvedStateDirectory(environment: ["STATE_DIRECTORY": ""]) == "tocsin-state")
        #expect(configuration.resolvedStateDirectory(environment: ["STATE_DIRECTORY": "/var/lib/tocsin"]) == "/var/lib/tocsin")
        // systemd joins several StateDirectory= entries with colons; the first is the daemon's own.
        #expect(configuration.resolvedStateDirectory(environment: ["STATE_DIRECTORY": "/var/lib/tocsin:/var/lib/other"]) == "/var/lib/tocsin")
        configuration.daemon.stateDirectory = "/data/tocsin"
        #expect(configuration.resolvedStateDirectory(environment: ["HOME": "/root"]) == "/data/tocsin")
    }

    @Test("the webhook settings become the alarm service's retry policy")
    func retryPolicy() {
        let webhook = Configuration.Webhook(timeoutMs: 1000, maxAttempts: 3, initialBackoffMs: 250, maxBackoffMs: 1000)
        let policy = webhook.retryPolicy
        #expect(policy.maxAttempts == 3)
        #expect(policy.initialBackoff == .milliseconds(250))
        #expect(policy.maxBackoff == .milliseconds(1000))
        #expect(policy.backoff(after: 1) == .milliseconds(250))
        #expect(policy.backoff(after: 3) == .milliseconds(1000))
    }

    @Test("a password hash never appears when a configuration is printed")
    func hashesStayOutOfLogs() {
        var configuration = Configuration.defaults
        configuration.users = [.init(name: "admin", passwordHash: exampleHash)]
        #expect("\(configuration.users[0])" == "UserEntry(name: admin, passwordHash: <redacted>)")
        #expect(!String(describing: configuration).contains(exampleHash))
        #expect(!String(reflecting: configuration).contains(exampleHash))
        #expect(String(describing: configuration).contains("admin"))
    }

    static let repositoryRoot: String = {
        // Tests/TocsinDaemonTests/ConfigurationTests.swift → the repository.
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
}
