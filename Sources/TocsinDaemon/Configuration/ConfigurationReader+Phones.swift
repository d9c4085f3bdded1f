// Reading and checking `[cisco]`, `[cisco.tones]`, `[sip]` and `[phones]`, in the style of the other tables:
// every problem is collected with its key path and line, and a password is never echoed.

import Alarming
import Delivery

extension ConfigurationReader {
    static let ciscoKeys = [
        "username", "password", "public_base_url", "require_phone_address", "timeout_ms", "tone_allowance_ms", "concurrency", "tones",
    ]
    static let sipKeys = ["transport", "local_address", "from_user", "from_domain", "username", "password", "profile", "t1_ms"]
    static let phonesKeys = ["failures_before_alarm"]

    mutating func readPhones(_ table: TOMLTable, into phones: inout Configuration.Phones) {
        if let count = integer("failures_before_alarm", in: table, under: "phones", range: 0...1000, note: " (0 turns the technical alarm off)") {
            phones.failuresBeforeAlarm = count
        }
    }

    mutating func readCisco(_ table: TOMLTable, into cisco: inout Configuration.Cisco) {
        if let user = string("username", in: table, under: "cisco", allowEmpty: true) {
            if user.contains(":") {
                problem("cisco.username", table["username"]?.value.line, "must not contain \":\"; HTTP Basic credentials cannot carry it in the user name")
            } else {
                cisco.username = user
            }
        }
        if let password = string("password", in: table, under: "cisco", allowEmpty: true) { cisco.password = password }
        if let url = string("public_base_url", in: table, under: "cisco", allowEmpty: false, allowSpaces: false) {
            if let complaint = Self.baseURLComplaint(url) {
                problem("cisco.public_base_url", table["public_base_url"]?.value.line, complaint)
            } else {
                cisco.publicBaseURL = url
            }
        }
        if let required = boolean("require_phone_address", in: table, under: "cisco") { cisco.requirePhoneAddress = required }
        if let timeout = integer("timeout_ms", in: table, under: "cisco", range: 500...60_000) { cisco.timeoutMs = timeout }
        if let allowance = integer("tone_allowance_ms", in: table, under: "cisco", range: 0...30_000) { cisco.toneAllowanceMs = allowance }
        if let limit = integer("concurrency", in: table, under: "cisco", range: 1...1024) { cisco.concurrency = limit }
        if let entry = table["tones"] {
            cisco.tones = readTones(entry)
        }
        if cisco.username.isEmpty != cisco.password.isEmpty {
            let key = cisco.username.isEmpty ? "cisco.username" : "cisco.password"
            let line = table[cisco.username.isEmpty ? "password" : "username"]?.value.line
            problem(key, line, "missing; cisco.username and cisco.password go together (phones refuse a push with half the credentials)")
        }
    }

    private mutating func readTones(_ entry: TOMLTable.Entry) -> [Priority: String] {
        guard case .table(let table) = entry.value.content else {
            problem("cisco.tones", entry.value.line, "expected a table ([cisco.tones]) of priority = \"Play:<file>.raw\", found \(entry.value.kindDescription)")
            return [:]
        }
        var tones: [Priority: String] = [:]
        for key in table.entries {
            let path = "cisco.tones.\(TOMLTableBuilder.display([key.key]))"
            guard let priority = Priority(caseInsensitive: key.key) else {
                problem(path, key.line, "unknown priority; expected one of \(Priority.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            guard let tone = string(key.key, in: table, under: "cisco.tones", allowEmpty: false, allowSpaces: false) else { continue }
            guard tone.hasPrefix("Play:") || tone.hasPrefix("Vibrate:"), tone.count > 5 else {
                problem(path, key.value.line, "\"\(tone)\" is not a phone-internal tone URI; expected Play:<file>.raw (or Vibrate: on 792x handsets)")
                continue
            }
            tones[priority] = tone
        }
        return tones
    }

    mutating func readSIP(_ table: TOMLTable, into sip: inout Configuration.SIP) {
        if let text = string("transport", in: table, under: "sip", allowEmpty: false) {
            if let transport = SIPTransport(rawValue: text.lowercased()) { sip.transport = transport } else {
                problem("sip.transport", table["transport"]?.value.line, "unknown transport \"\(text)\"; expected udp or tcp")
            }
        }
        if let address = string("local_address", in: table, under: "sip", allowEmpty: false, allowSpaces: false) { sip.localAddress = address }
        if let user = string("from_user", in: table, under: "sip", allowEmpty: false, allowSpaces: false) {
            if user.contains("@") || user.contains(":") {
                problem("sip.from_user", table["from_user"]?.value.line, "\"\(user)\" must be the user part only, such as alarm (no @ or :)")
            } else {
                sip.fromUser = user
            }
        }
        if let domain = string("from_domain", in: table, under: "sip", allowEmpty: true, allowSpaces: false) { sip.fromDomain = domain }
        if let user = string("username", in: table, under: "sip", allowEmpty: true) { sip.username = user }
        if let password = string("password", in: table, under: "sip", allowEmpty: true) { sip.password = password }
        if let text = string("profile", in: table, under: "sip", allowEmpty: false) {
            if let profile = SIPVendorProfile(rawValue: text.lowercased()) { sip.profile = profile } else {
                let names = SIPVendorProfile.allCases.map(\.rawValue).joined(separator: ", ")
                problem("sip.profile", table["profile"]?.value.line, "unknown profile \"\(text)\"; expected one of \(names)")
            }
        }
        // Above 500 ms for slow radio paths; below it only on a lab bench (Timer F = 64·T1 is the give-up).
        if let t1 = integer("t1_ms", in: table, under: "sip", range: 100...5000) { sip.t1Ms = t1 }
        if sip.username.isEmpty, !sip.password.isEmpty {
            problem("sip.username", table["password"]?.value.line, "missing; sip.password needs the Digest user name that goes with it")
        }
    }

    /// Why `url` cannot start the URLs phones fetch, or nil.
    static func baseURLComplaint(_ url: String) -> String? {
        let scheme = url.hasPrefix("http://") ? "http://" : url.hasPrefix("https://") ? "https://" : nil
        guard let scheme else {
            return "\"\(url)\" must start with http:// or https:// (the address phones use to reach this server)"
        }
        let rest = url.dropFirst(scheme.count)
        let host = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        if host.isEmpty { return "\"\(url)\" names no host" }
        if url.contains("?") || url.contains("#") { return "\"\(url)\" must not carry a query or fragment" }
        return nil
    }
}
