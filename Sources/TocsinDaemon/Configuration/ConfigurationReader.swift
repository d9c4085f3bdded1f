// The schema of `tocsin.toml` and its checks: which tables and keys exist, their types and ranges,
// and the rules across keys. It walks a parsed TOML document, keeps every valid value, and collects
// every problem (unknown key with a suggestion, wrong type, out of range) with its key path and line,
// and the [[ports]] entries of the ESPA 4.4.4 ports (ConfigurationReader+Ports.swift).

import Alarming
import ESPA444
import Logging
import Serial

struct ConfigurationReader {
    typealias Problem = ConfigurationError.Problem

    /// The tables and their keys, in the order `Board/tocsin.toml` lists them.
    static let sections: [(name: String, keys: [String])] = [
        ("daemon", ["state_directory", "log_level", "release_pages_after_quiet_minutes"]),
        ("http", ["host", "port", "loopback_without_auth"]),
        ("journal", ["retention_days", "prune_interval_minutes"]),
        ("alarms", ["technical_group"]),
        ("webhook", ["timeout_ms", "max_attempts", "initial_backoff_ms", "max_backoff_ms", "ca_file"]),
        ("espax", espaxKeys),
        ("csta", cstaKeys),
        ("voispeed", voispeedKeys),
        ("cisco", ciscoKeys),
        ("sip", sipKeys),
        ("phones", phonesKeys),
    ]
    static let userKeys = ["name", "password_hash"]

    private(set) var problems: [Problem] = []

    mutating func read(_ root: TOMLTable) -> Configuration {
        var configuration = Configuration.defaults
        for entry in root.entries where entry.key != "users" && entry.key != "ports" && !Self.sections.contains(where: { $0.name == entry.key }) {
            reportUnknown(entry, path: TOMLTableBuilder.display([entry.key]), suggestion: suggestion(forRootKey: entry.key, isTable: Self.isTable(entry.value)))
        }
        if let daemon = section("daemon", in: root) {
            if let directory = string("state_directory", in: daemon, under: "daemon", allowEmpty: false) {
                configuration.daemon.stateDirectory = directory
            }
            if let level = logLevel(in: daemon) {
                configuration.daemon.logLevel = level
            }
            if let minutes = integer("release_pages_after_quiet_minutes", in: daemon, under: "daemon", range: 0...10080, note: " (0: only once, after start-up)") {
                configuration.daemon.releasePagesAfterQuietMinutes = minutes
            }
        }
        if let http = section("http", in: root) {
            if let host = string("host", in: http, under: "http", allowEmpty: false, allowSpaces: false) {
                configuration.http.host = host
            }
            if let port = integer("port", in: http, under: "http", range: 0...65535, note: " (0: any free port)") {
                configuration.http.port = port
            }
            if let exempt = boolean("loopback_without_auth", in: http, under: "http") {
                configuration.http.loopbackWithoutAuth = exempt
            }
        }
        if let journal = section("journal", in: root) {
            // A century is far beyond any retention rule, and keeps day arithmetic clear of overflow.
            if let days = integer("retention_days", in: journal, under: "journal", range: 0...36500, note: " (0 keeps ended alarms forever)") {
                configuration.journal.retentionDays = days
            }
            if let minutes = integer("prune_interval_minutes", in: journal, under: "journal", range: 1...10080, note: " (one week at most)") {
                configuration.journal.pruneIntervalMinutes = minutes
            }
        }
        if let alarms = section("alarms", in: root) {
            if let group = string("technical_group", in: alarms, under: "alarms", allowEmpty: true, allowSpaces: false) {
                configuration.alarms.technicalGroup = group
            }
        }
        if let webhook = section("webhook", in: root) {
            readWebhook(webhook, into: &configuration.webhook)
        }
        if let espax = section("espax", in: root) {
            readESPAX(espax, into: &configuration.espax)
        }
        if let csta = section("csta", in: root) {
            readCSTA(csta, into: &configuration.csta)
        }
        if let voispeed = section("voispeed", in: root) {
            readVOIspeed(voispeed, into: &configuration.voispeed)
        }
        checkEscalationDialers(configuration, root: root)
        if let cisco = section("cisco", in: root) {
            readCisco(cisco, into: &configuration.cisco)
        }
        if let sip = section("sip", in: root) {
            readSIP(sip, into: &configuration.sip)
        }
        if let phones = section("phones", in: root) {
            readPhones(phones, into: &configuration.phones)
        }
        if let users = root["users"] {
            configuration.users = readUsers(users)
        }
        if let ports = root["ports"] {
            configuration.ports = readPorts(ports)
        }
        // Top-down, as the integrator reads the file; problems on the same line keep their order.
        problems = problems.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
        return configuration
    }

    // MARK: Sections

    private mutating func readWebhook(_ table: TOMLTable, into webhook: inout Configuration.Webhook) {
        if let timeout = integer("timeout_ms", in: table, under: "webhook", range: 100...120_000) {
            webhook.timeoutMs = timeout
        }
        if let attempts = integer("max_attempts", in: table, under: "webhook", range: 1...20) {
            webhook.maxAttempts = attempts
        }
        let initial = integer("initial_backoff_ms", in: table, under: "webhook", range: 10...600_000)
        let maximum = integer("max_backoff_ms", in: table, under: "webhook", range: 10...600_000)
        let initialValid = initial != nil || table["initial_backoff_ms"] == nil
        let maximumValid = maximum != nil || table["max_backoff_ms"] == nil
        let effectiveInitial = initial ?? webhook.initialBackoffMs
        let effectiveMaximum = maximum ?? webhook.maxBackoffMs
        if initialValid, maximumValid, effectiveMaximum < effectiveInitial {
            if let entry = table["max_backoff_ms"] {
                problem("webhook.max_backoff_ms", entry.value.line, "\(effectiveMaximum) is less than webhook.initial_backoff_ms (\(effectiveInitial)); the backoff cannot shrink")
            } else {
                let line = table["initial_backoff_ms"]?.value.line
                problem("webhook.initial_backoff_ms", line, "\(effectiveInitial) is more than webhook.max_backoff_ms (\(effectiveMaximum), its default); raise max_backoff_ms too")
            }
        }
        if let initial { webhook.initialBackoffMs = initial }
        if let maximum { webhook.maxBackoffMs = maximum }
        if let path = string("ca_file", in: table, under: "webhook", allowEmpty: true) { webhook.caFile = path }
    }

    private mutating func logLevel(in table: TOMLTable) -> Logger.Level? {
        guard let text = string("log_level", in: table, under: "daemon", allowEmpty: true) else { return nil }
        if let level = Logger.Level(rawValue: text) { return level }
        let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
        problem("daemon.log_level", table["log_level"]?.value.line, "unknown level \(Self.quoted(text)); expected one of \(names)")
        return nil
    }

    private mutating func readUsers(_ entry: TOMLTable.Entry) -> [Configuration.UserEntry] {
        readCredentials(entry, path: "users", keys: Self.userKeys, noun: "user", missingName: "missing; every user needs a name") { given in
            given.first?.isWhitespace == true || given.last?.isWhitespace == true ? "\(Self.quoted(given)) has spaces at its start or end" : nil
        }.map { Configuration.UserEntry(name: $0.name, passwordHash: $0.passwordHash) }
    }

    /// `[[users]]` and `[[espax.clients]]`: named accounts with a bcrypt hash each. `nameProblem`
    /// says what is wrong with a name, if anything. A hash is never echoed: it may be a plain
    /// password typed by mistake.
    mutating func readCredentials(
        _ entry: TOMLTable.Entry,
        path root: String,
        keys: [String],
        noun: String,
        missingName: String,
        nameProblem: (String) -> String?
    ) -> [(name: String, passwordHash: String)] {
        guard case .array(let elements) = entry.value.content else {
            problem(root, entry.value.line, "expected [[\(root)]] entries (an array of tables), found \(entry.value.kindDescription)")
            return []
        }
        var accounts: [(name: String, passwordHash: String)] = []
        var firstLineOfName: [String: Int] = [:]
        for (position, element) in elements.enumerated() {
            let path = "\(root)[\(position)]"
            guard case .table(let table) = element.content else {
                problem(path, element.line, "expected a table with name and password_hash, found \(element.kindDescription)")
                continue
            }
            for key in table.entries where !keys.contains(key.key) {
                let hint = Self.closest(to: key.key, among: keys).map { "\(path).\($0)" }
                reportUnknown(key, path: "\(path).\(TOMLTableBuilder.display([key.key]))", suggestion: hint)
            }
            var name = string("name", in: table, under: path, allowEmpty: false, allowSpaces: true)
            if table["name"] == nil {
                problem("\(path).name", element.line, missingName)
            }
            if let given = name, let complaint = nameProblem(given) {
                problem("\(path).name", table["name"]?.value.line, complaint)
                name = nil
            }
            if let given = name, let first = firstLineOfName[given] {
                problem("\(path).name", table["name"]?.value.line, "\(noun) \(Self.quoted(given)) is already declared at line \(first)")
                name = nil
            }
            var hash = string("password_hash", in: table, under: path, allowEmpty: true)
            if table["password_hash"] == nil {
                problem("\(path).password_hash", element.line, "missing; run `tocsin hash-password` to make a bcrypt hash")
            }
            if let given = hash, let complaint = Self.bcryptComplaint(given) {
                problem("\(path).password_hash", table["password_hash"]?.value.line, complaint)
                hash = nil
            }
            if let name, let line = table["name"]?.value.line { firstLineOfName[name] = line }
            if let name, let hash { accounts.append((name, hash)) }
        }
        return accounts
    }

    /// Why `hash` is not a bcrypt hash in modular crypt form (`$2b$12$` + 22 salt + 31 hash characters), or nil.
    static func bcryptComplaint(_ hash: String) -> String? {
        let advice = "not a bcrypt hash; expected $2b$, a two-digit cost, $ and 53 characters, as `tocsin hash-password` prints (a plain password is never accepted)"
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
              bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
              let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)), bytes[4...5].allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return advice }
        guard bytes[7...].allSatisfy(isBcryptBase64) else { return advice }
        guard (4...31).contains(cost) else { return "bcrypt cost \(cost) is outside 4-31" }
        return nil
    }

    private static func isBcryptBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            false
        }
    }

    // MARK: Typed values

    /// The table `[name]`, with its unknown keys reported; nil when absent or not a table.
    private mutating func section(_ name: String, in root: TOMLTable) -> TOMLTable? {
        guard let entry = root[name] else { return nil }
        guard case .table(let table) = entry.value.content else {
            problem(name, entry.value.line, "expected a table ([\(name)]), found \(entry.value.kindDescription)")
            return nil
        }
        let known = Self.sections.first { $0.name == name }!.keys
        for key in table.entries where !known.contains(key.key) {
            reportUnknown(key, path: "\(name).\(TOMLTableBuilder.display([key.key]))", suggestion: suggestion(forKey: key.key, in: name))
        }
        return table
    }

    mutating func string(
        _ key: String, in table: TOMLTable, under prefix: String, allowEmpty: Bool, allowSpaces: Bool = true
    ) -> String? {
        guard let entry = table[key] else { return nil }
        let path = "\(prefix).\(key)"
        guard case .string(let text) = entry.value.content else {
            // A bare number or boolean where a string belongs is almost always missing quotes.
            let hint = switch entry.value.content {
            case .integer, .float, .boolean: " (put it in quotes)"
            default: ""
            }
            problem(path, entry.value.line, "expected a string, found \(entry.value.kindDescription)\(hint)")
            return nil
        }
        if !allowEmpty, text.isEmpty {
            problem(path, entry.value.line, "must not be empty")
            return nil
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            problem(path, entry.value.line, "contains a control character")
            return nil
        }
        if !allowSpaces, text.contains(where: \.isWhitespace) {
            problem(path, entry.value.line, "\(Self.quoted(text)) contains spaces")
            return nil
        }
        return text
    }

    mutating func integer(
        _ key: String, in table: TOMLTable, under prefix: String, range: ClosedRange<Int>, note: String = ""
    ) -> Int? {
        guard let entry = table[key] else { return nil }
        let path = "\(prefix).\(key)"
        guard case .integer(let value) = entry.value.content else {
            var hint = ""
            if case .string(let text) = entry.value.content, Int(text) != nil { hint = " (remove the quotes)" }
            problem(path, entry.value.line, "expected an integer, found \(entry.value.kindDescription)\(hint)")
            return nil
        }
        guard let number = Int(exactly: value), range.contains(number) else {
            problem(path, entry.value.line, "\(value) is out of range; allowed \(range.lowerBound)-\(range.upperBound)\(note)")
            return nil
        }
        return number
    }

    mutating func boolean(_ key: String, in table: TOMLTable, under prefix: String) -> Bool? {
        guard let entry = table[key] else { return nil }
        guard case .boolean(let value) = entry.value.content else {
            var hint = ""
            if case .string(let text) = entry.value.content, text == "true" || text == "false" { hint = " (remove the quotes)" }
            problem("\(prefix).\(key)", entry.value.line, "expected true or false, found \(entry.value.kindDescription)\(hint)")
            return nil
        }
        return value
    }

    // MARK: Problems and suggestions

    mutating func problem(_ key: String, _ line: Int?, _ message: String) {
        problems.append(Problem(key: key, line: line, message: message))
    }

    mutating func reportUnknown(_ entry: TOMLTable.Entry, path: String, suggestion: String?) {
        let what = switch entry.value.content {
        case .table: "unknown table"
        case .array(let elements) where !elements.isEmpty && elements.allSatisfy({ if case .table = $0.content { true } else { false } }):
            "unknown table"
        default: "unknown key"
        }
        problem(path, entry.line, what + (suggestion.map { "; did you mean \($0)?" } ?? ""))
    }

    /// A root key: a misspelt table name, or a key written before any `[table]` header. A table
    /// (`[[port]]`) is first matched against the table names, so it is not taken for `http.port`.
    private func suggestion(forRootKey key: String, isTable: Bool) -> String? {
        let tables = Self.sections.map(\.name) + ["users", "ports"]
        if isTable, let name = Self.closest(to: key, among: tables) { return "[\(name)]" }
        if let owner = Self.sections.first(where: { $0.keys.contains(key) }) { return "\(owner.name).\(key)" }
        if let name = Self.closest(to: key, among: tables) { return "[\(name)]" }
        if let owner = Self.sections.first(where: { Self.closest(to: key, among: $0.keys) != nil }) {
            return "\(owner.name).\(Self.closest(to: key, among: owner.keys)!)"
        }
        return nil
    }

    /// A table, or an array of tables (`[[name]]`).
    private static func isTable(_ value: TOMLValue) -> Bool {
        switch value.content {
        case .table: true
        case .array(let elements): !elements.isEmpty && elements.allSatisfy { if case .table = $0.content { true } else { false } }
        default: false
        }
    }

    /// A key in `[section]`: a misspelling of one of its keys, or a key that belongs to another table.
    private func suggestion(forKey key: String, in section: String) -> String? {
        let known = Self.sections.first { $0.name == section }!.keys
        if let near = Self.closest(to: key, among: known) { return "\(section).\(near)" }
        if let owner = Self.sections.first(where: { $0.keys.contains(key) }) { return "\(owner.name).\(key)" }
        return nil
    }

    /// The candidate an integrator most likely meant: same letters ignoring case and `-`/`_`, one of
    /// them a prefix of the other, or within two edits (one for short keys).
    static func closest(to key: String, among candidates: [String]) -> String? {
        func normalised(_ text: String) -> [Character] {
            Array(text.lowercased().map { $0 == "-" ? "_" : $0 })
        }
        let wanted = normalised(key)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let known = normalised(candidate)
            var distance = editDistance(wanted, known)
            if wanted.count >= 4, known.starts(with: wanted) || wanted.starts(with: known) { distance = min(distance, 1) }
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let limit = wanted.count <= 3 ? 1 : 2
        return best.distance <= limit ? best.candidate : nil
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours
    /// each cost one, because `prot` for `port` is one slip of the fingers.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }

    static func quoted(_ text: String) -> String {
        TOMLTableBuilder.display([text]).hasPrefix("\"") ? TOMLTableBuilder.display([text]) : "\"\(text)\""
    }
}
