// Reading and checking `[csta]`, in the style of the other tables: every problem is collected with
// its key path and line, the rules across keys are checked only when the link is enabled, and the
// PBX password is never echoed.

extension ConfigurationReader {
    static let cstaKeys = [
        "enabled", "name", "dialect", "host", "port", "transport", "ca_file", "verify", "username", "password", "calling_devices",
        "pbx_domain", "session_seconds", "request_timeout_seconds", "connect_timeout_seconds", "reconnect_initial_ms",
        "reconnect_max_ms",
    ]

    mutating func readCSTA(_ table: TOMLTable, into csta: inout Configuration.CSTA) {
        if let enabled = boolean("enabled", in: table, under: "csta") { csta.enabled = enabled }
        if let name = string("name", in: table, under: "csta", allowEmpty: false, allowSpaces: false) { csta.name = name }
        if let text = string("dialect", in: table, under: "csta", allowEmpty: false) {
            if let dialect = Configuration.CSTA.Dialect(rawValue: text) { csta.dialect = dialect } else {
                problem("csta.dialect", table["dialect"]?.value.line, "unknown dialect \"\(text)\"; expected eltex (ECSS-10) or unitel")
            }
        }
        if let host = string("host", in: table, under: "csta", allowEmpty: true, allowSpaces: false) { csta.host = host }
        if let port = integer("port", in: table, under: "csta", range: 0...65535,
                              note: " (0: the dialect's port, 4722/4721 for eltex, 7001 for unitel)") { csta.port = port }
        if let text = string("transport", in: table, under: "csta", allowEmpty: false) {
            switch text {
            case "tls": csta.tls = true
            case "tcp": csta.tls = false
            default: problem("csta.transport", table["transport"]?.value.line, "unknown transport \"\(text)\"; expected tls or tcp")
            }
        }
        if let path = string("ca_file", in: table, under: "csta", allowEmpty: true) { csta.caFile = path }
        if let verify = boolean("verify", in: table, under: "csta") { csta.verify = verify }
        if let user = string("username", in: table, under: "csta", allowEmpty: true) { csta.user = user }
        if let password = string("password", in: table, under: "csta", allowEmpty: true) { csta.password = password }
        if let entry = table["calling_devices"] { csta.callingDevices = readCallingDevices(entry) }
        if let domain = string("pbx_domain", in: table, under: "csta", allowEmpty: true, allowSpaces: false) { csta.pbxDomain = domain }
        // ECMA-354 sessions of under 20 s would spend more time refreshing than calling (Uni-tel grants 20).
        if let seconds = integer("session_seconds", in: table, under: "csta", range: 20...3600) { csta.sessionSeconds = seconds }
        if let seconds = integer("request_timeout_seconds", in: table, under: "csta", range: 5...10,
                                 note: " (a PBX slower than 10 s is treated as gone)") { csta.requestTimeoutSeconds = seconds }
        if let seconds = integer("connect_timeout_seconds", in: table, under: "csta", range: 1...60) { csta.connectTimeoutSeconds = seconds }
        let initial = integer("reconnect_initial_ms", in: table, under: "csta", range: 100...60_000)
        let maximum = integer("reconnect_max_ms", in: table, under: "csta", range: 100...600_000)
        if let initial { csta.reconnectInitialMs = initial }
        if let maximum { csta.reconnectMaxMs = maximum }
        if csta.reconnectMaxMs < csta.reconnectInitialMs {
            let key = table["reconnect_max_ms"] != nil ? "reconnect_max_ms" : "reconnect_initial_ms"
            problem("csta.\(key)", table[key]?.value.line,
                    "csta.reconnect_max_ms (\(csta.reconnectMaxMs)) is less than csta.reconnect_initial_ms (\(csta.reconnectInitialMs)); the backoff cannot shrink")
        }
        if !csta.verify, !csta.caFile.isEmpty {
            problem("csta.verify", table["verify"]?.value.line, "false contradicts csta.ca_file; remove one of them")
        }
        guard csta.enabled else { return }
        let line = table["enabled"]?.value.line
        if csta.host.isEmpty {
            problem("csta.host", table["host"]?.value.line ?? line, "missing; csta.enabled needs the PBX's host name or address")
        }
        if csta.user.isEmpty {
            problem("csta.username", table["username"]?.value.line ?? line, "missing; csta.enabled needs the PBX's CSTA account")
        }
        if csta.callingDevices.isEmpty {
            problem("csta.calling_devices", table["calling_devices"]?.value.line ?? line,
                    "missing; csta.enabled needs at least one device the escalation calls originate from")
        }
        if csta.dialect == .unitel, csta.pbxDomain.isEmpty {
            problem("csta.pbx_domain", table["pbx_domain"]?.value.line ?? line, "missing; the unitel dialect logs in with <number>.pbx.<provider>")
        }
    }

    private mutating func readCallingDevices(_ entry: TOMLTable.Entry) -> [String] {
        guard case .array(let elements) = entry.value.content else {
            problem("csta.calling_devices", entry.value.line, "expected an array of device numbers such as [\"725\"], found \(entry.value.kindDescription)")
            return []
        }
        var devices: [String] = []
        for (position, element) in elements.enumerated() {
            let path = "csta.calling_devices[\(position)]"
            guard case .string(let device) = element.content else {
                problem(path, element.line, "expected a device number in quotes, found \(element.kindDescription)")
                continue
            }
            guard !device.isEmpty, device.count <= 64,
                  device.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" && $0 != "&" }) else {
                problem(path, element.line, "\"\(device)\" is not a device number (1-64 printable ASCII characters, no spaces or <>&)")
                continue
            }
            if devices.contains(device) {
                problem(path, element.line, "\"\(device)\" is listed twice")
                continue
            }
            devices.append(device)
        }
        return devices
    }
}
