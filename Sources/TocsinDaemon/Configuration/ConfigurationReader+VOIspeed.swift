// Reading and checking `[voispeed]`, in the style of the other tables: every problem is collected
// with its key path and line, the rules across keys are checked only when the PBX is enabled, and
// the password is never echoed. That `[csta]` and `[voispeed]` cannot both place the escalation
// calls is checked once both tables are read (`checkEscalationDialers`).

import Alarming
import NIOCore
import VOIspeed

extension ConfigurationReader {
    static let voispeedKeys = [
        "enabled", "name", "base_url", "username", "password", "timeout_ms", "supervision_seconds", "escalation", "connect_to",
        "callee_interface", "poll_interval_ms", "poll_failures", "events_from", "sms_sender", "sms_sender_name", "sms_charset", "sms_concurrency",
        "sms_max_attempts",
    ]

    mutating func readVOIspeed(_ table: TOMLTable, into voispeed: inout Configuration.VOIspeed) {
        if let enabled = boolean("enabled", in: table, under: "voispeed") { voispeed.enabled = enabled }
        if let name = string("name", in: table, under: "voispeed", allowEmpty: false, allowSpaces: false) { voispeed.name = name }
        if let url = string("base_url", in: table, under: "voispeed", allowEmpty: true, allowSpaces: false) {
            if let complaint = Self.voispeedURLComplaint(url) {
                problem("voispeed.base_url", table["base_url"]?.value.line, complaint)
            } else {
                voispeed.baseURL = url
            }
        }
        if let user = string("username", in: table, under: "voispeed", allowEmpty: true) {
            if user.contains(":") {
                problem("voispeed.username", table["username"]?.value.line, "must not contain \":\"; HTTP Basic credentials cannot carry it in the user name")
            } else {
                voispeed.username = user
            }
        }
        if let password = string("password", in: table, under: "voispeed", allowEmpty: true) { voispeed.password = password }
        if let timeout = integer("timeout_ms", in: table, under: "voispeed", range: 100...60_000) { voispeed.timeoutMs = timeout }
        if let seconds = integer("supervision_seconds", in: table, under: "voispeed", range: 0...3600, note: " (0 turns supervision off)") {
            voispeed.supervisionSeconds = seconds
        }
        if let escalation = boolean("escalation", in: table, under: "voispeed") { voispeed.escalation = escalation }
        if let number = string("connect_to", in: table, under: "voispeed", allowEmpty: true) {
            if number.isEmpty || Self.isDialable(number) { voispeed.connectTo = number } else {
                problem("voispeed.connect_to", table["connect_to"]?.value.line, "\"\(number)\" is not a dialable number (1 to 32 of 0-9 + * #)")
            }
        }
        if let text = string("callee_interface", in: table, under: "voispeed", allowEmpty: true) {
            if text.isEmpty {
                voispeed.calleeInterface = nil
            } else if let interface = VOIspeedInterface(rawValue: text.uppercased()) {
                voispeed.calleeInterface = interface
            } else {
                let names = VOIspeedInterface.allCases.map(\.rawValue).joined(separator: ", ")
                problem("voispeed.callee_interface", table["callee_interface"]?.value.line, "unknown interface \"\(text)\"; expected one of \(names), or \"\" for the PBX's default")
            }
        }
        // Faster than 5 polls a second only loads the PBX; slower than 10 s misses short answers.
        if let interval = integer("poll_interval_ms", in: table, under: "voispeed", range: 200...10_000) { voispeed.pollIntervalMs = interval }
        if let failures = integer("poll_failures", in: table, under: "voispeed", range: 1...20) { voispeed.pollFailures = failures }
        if let entry = table["events_from"] { voispeed.eventsFrom = readEventsFrom(entry) }
        if let sender = string("sms_sender", in: table, under: "voispeed", allowEmpty: true) {
            if sender.isEmpty || Self.isDialable(sender) { voispeed.smsSender = sender } else {
                problem("voispeed.sms_sender", table["sms_sender"]?.value.line, "\"\(sender)\" is not an extension (1 to 32 of 0-9 + * #)")
            }
        }
        if let name = string("sms_sender_name", in: table, under: "voispeed", allowEmpty: true) {
            if name.count <= 32 { voispeed.smsSenderName = name } else {
                problem("voispeed.sms_sender_name", table["sms_sender_name"]?.value.line, "is \(name.count) characters long; at most 32")
            }
        }
        if let text = string("sms_charset", in: table, under: "voispeed", allowEmpty: false) {
            if let charset = VOIspeedCharset(rawValue: text.lowercased()) { voispeed.smsCharset = charset } else {
                problem("voispeed.sms_charset", table["sms_charset"]?.value.line, "unknown charset \"\(text)\"; expected utf-8 or latin1")
            }
        }
        if let limit = integer("sms_concurrency", in: table, under: "voispeed", range: 1...64) { voispeed.smsConcurrency = limit }
        if let attempts = integer("sms_max_attempts", in: table, under: "voispeed", range: 1...10) { voispeed.smsMaxAttempts = attempts }
        if voispeed.username.isEmpty, !voispeed.password.isEmpty {
            problem("voispeed.username", table["password"]?.value.line, "missing; voispeed.password needs the user name that goes with it")
        }
        guard voispeed.enabled else { return }
        let line = table["enabled"]?.value.line
        if voispeed.baseURL.isEmpty {
            problem("voispeed.base_url", table["base_url"]?.value.line ?? line, "missing; voispeed.enabled needs the PBX's HTTP address, such as http://192.168.1.65:3541")
        }
        if voispeed.escalation, voispeed.connectTo.isEmpty {
            problem("voispeed.connect_to", table["connect_to"]?.value.line ?? line,
                    "missing; escalation calls through VOIspeed need the number a callee is put through to (or set voispeed.escalation = false for SMS only)")
        }
    }

    /// The PBX addresses of `events_from`: IP literals, because the peer's address is what is
    /// compared (a host name would have to be resolved, and could change under Tocsin's feet).
    private mutating func readEventsFrom(_ entry: TOMLTable.Entry) -> [String] {
        guard case .array(let elements) = entry.value.content else {
            problem("voispeed.events_from", entry.value.line, "expected an array of IP addresses such as [\"192.168.1.65\"], found \(entry.value.kindDescription)")
            return []
        }
        var addresses: [String] = []
        for (position, element) in elements.enumerated() {
            let path = "voispeed.events_from[\(position)]"
            guard case .string(let address) = element.content else {
                problem(path, element.line, "expected an IP address in quotes, found \(element.kindDescription)")
                continue
            }
            guard (try? SocketAddress(ipAddress: address, port: 0)) != nil else {
                problem(path, element.line, "\"\(address)\" is not an IP address (the PBX's, such as 192.168.1.65; host names are not resolved)")
                continue
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }

    /// One escalation dialer at a time: a chain's calls must not depend on which PBX won a race.
    mutating func checkEscalationDialers(_ configuration: Configuration, root: TOMLTable) {
        guard configuration.csta.enabled, configuration.voispeed.enabled, configuration.voispeed.escalation else { return }
        var line: Int?
        if let entry = root["voispeed"], case .table(let table) = entry.value.content {
            line = table["escalation"]?.value.line ?? table["enabled"]?.value.line
        }
        problem("voispeed.escalation", line,
                "[csta] places the escalation calls already; only one PBX can: set voispeed.escalation = false (VOIspeed then sends SMS only) or turn [csta] off")
    }

    static func isDialable(_ number: String) -> Bool {
        !number.isEmpty && number.count <= 32 && number.allSatisfy(EscalationChain.numberCharacters.contains)
    }

    /// Why `url` cannot be the PBX's HTTP address, or nil. Empty is allowed (the PBX is off).
    static func voispeedURLComplaint(_ url: String) -> String? {
        if url.isEmpty { return nil }
        let scheme = url.hasPrefix("http://") ? "http://" : url.hasPrefix("https://") ? "https://" : nil
        guard let scheme else {
            return "\"\(url)\" must start with http:// or https://, such as http://192.168.1.65:3541"
        }
        let rest = url.dropFirst(scheme.count)
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        if authority.isEmpty { return "\"\(url)\" names no host" }
        if authority.contains("@") { return "\"\(url)\" must not carry credentials; use voispeed.username and voispeed.password" }
        if url.contains("?") || url.contains("#") { return "\"\(url)\" must not carry a query or fragment; Tocsin adds /services.cgi?…" }
        if url.hasSuffix("services.cgi") { return "\"\(url)\" must be the PBX's address without /services.cgi, which Tocsin adds" }
        return nil
    }
}
