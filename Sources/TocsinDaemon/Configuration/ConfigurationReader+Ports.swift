// Reading and checking `[[ports]]`, the ESPA 4.4.4 lines: a serial device, or a TCP "virtual
// serial" line to a serial-to-IP converter (`device = "tcp://host:port"`). Every problem is
// collected with its key path and line. Keys that only mean something for the other kind of line
// are refused rather than ignored: a baud rate written for a TCP port would otherwise look applied
// while the converter runs its own, and a site would be commissioned on a setting that does nothing.

import Alarming
import ESPA444
import Serial

extension ConfigurationReader {
    static let portKeys = [
        "label", "device", "role", "baud", "framing", "charset", "address", "polled_addresses", "poll_interval_ms",
        "supervision_seconds", "turnaround_ms", "default_priority", "duplicate_window_seconds",
        "inter_character_timeout_ms", "presence_check_ms", "transmission_error_limit", "transmission_error_window_seconds",
        "connect_timeout_seconds", "keepalive_seconds", "reconnect_initial_ms", "reconnect_max_ms",
    ]
    /// Keys for the serial device itself; a converter's serial side is set on the converter.
    static let serialOnlyPortKeys = ["baud", "framing", "presence_check_ms"]
    static let tcpOnlyPortKeys = ["connect_timeout_seconds", "keepalive_seconds", "reconnect_initial_ms", "reconnect_max_ms"]

    mutating func readPorts(_ entry: TOMLTable.Entry) -> [PortSettings] {
        guard case .array(let elements) = entry.value.content else {
            problem("ports", entry.value.line, "expected [[ports]] entries (an array of tables), found \(entry.value.kindDescription)")
            return []
        }
        var ports: [PortSettings] = []
        var firstLineOfLabel: [String: Int] = [:]
        var firstLineOfDevice: [String: Int] = [:]
        for (position, element) in elements.enumerated() {
            let path = "ports[\(position)]"
            guard case .table(let table) = element.content else {
                problem(path, element.line, "expected a table with at least label and device, found \(element.kindDescription)")
                continue
            }
            for key in table.entries where !Self.portKeys.contains(key.key) {
                let hint = Self.closest(to: key.key, among: Self.portKeys).map { "\(path).\($0)" }
                reportUnknown(key, path: "\(path).\(TOMLTableBuilder.display([key.key]))", suggestion: hint)
            }
            var valid = true
            var label = string("label", in: table, under: path, allowEmpty: false, allowSpaces: false)
            if table["label"] == nil {
                problem("\(path).label", element.line, "missing; every port needs a label (the name on the box, used in alarms and call references)")
                valid = false
            }
            if let given = label, !given.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                problem("\(path).label", table["label"]?.value.line, "\(Self.quoted(given)) may only hold letters, digits, - and _")
                label = nil
            }
            if let given = label, let first = firstLineOfLabel[given] {
                problem("\(path).label", table["label"]?.value.line, "port \(Self.quoted(given)) is already declared at line \(first)")
                label = nil
            }
            let (line, isTCP) = portLine(in: table, element: element, path: path, firstLineOfDevice: firstLineOfDevice)
            // The other keys are checked even when these two are wrong, so every problem shows at once.
            if label == nil || line == nil { valid = false }
            var port = PortSettings(label: label ?? "", line: line ?? .serial(path: ""))
            // Which kind of line the keys are checked against: the device's scheme, even when the
            // address itself is wrong, so a TCP port with a typo in its address still hears about its baud key.
            if let isTCP {
                let (misplaced, advice) = isTCP
                    ? (Self.serialOnlyPortKeys, "does not apply to a TCP port: the converter's own serial settings set the baud rate and framing, and the port reconnects with reconnect_initial_ms and reconnect_max_ms; remove the key")
                    : (Self.tcpOnlyPortKeys, "applies only to a TCP port (device = \"tcp://host:port\"); remove the key")
                for key in misplaced {
                    if let entry = table[key] {
                        problem("\(path).\(key)", entry.value.line, advice)
                        valid = false
                    }
                }
            }
            readLineKeys(table, path: path, isTCP: isTCP, into: &port, valid: &valid)
            readProtocolKeys(table, path: path, into: &port, valid: &valid)
            if let label, let line = table["label"]?.value.line { firstLineOfLabel[label] = line }
            if let line, let at = table["device"]?.value.line { firstLineOfDevice[Self.identity(of: line)] = at }
            if valid { ports.append(port) }
        }
        return ports
    }

    /// `device`: an absolute path or `tcp://host:port`, unique among the ports. Also says whether
    /// the port is meant as a TCP port (nil when `device` is missing or not a string).
    private mutating func portLine(
        in table: TOMLTable, element: TOMLValue, path: String, firstLineOfDevice: [String: Int]
    ) -> (PortLine?, isTCP: Bool?) {
        guard table["device"] != nil else {
            problem("\(path).device", element.line, "missing; give a stable path such as /dev/tocsin/<label> or /dev/serial/by-path/..., or tcp://host:port for a serial-to-IP converter")
            return (nil, nil)
        }
        guard let given = string("device", in: table, under: path, allowEmpty: false, allowSpaces: false) else { return (nil, nil) }
        let at = table["device"]?.value.line
        let line: PortLine
        if given.hasPrefix(TCPAddress.scheme) {
            do {
                line = .tcp(try TCPAddress.parse(url: given))
            } catch {
                problem("\(path).device", at, "\(Self.quoted(given)) \(error)")
                return (nil, true)
            }
        } else if given.contains("://") {
            problem("\(path).device", at, "\(Self.quoted(given)) is not a supported line; use tcp://host:port for a converter in TCP server mode (raw bytes; RFC 2217 and telnet are not spoken), or a device path such as /dev/tocsin/port1")
            return (nil, nil)
        } else if !given.hasPrefix("/") {
            problem("\(path).device", at, "\(Self.quoted(given)) is not an absolute path or tcp://host:port")
            return (nil, false)
        } else {
            line = .serial(path: given)
        }
        if let first = firstLineOfDevice[Self.identity(of: line)] {
            problem("\(path).device", at, "\(Self.quoted(given)) is already used by the port at line \(first)")
            return (nil, line.isTCP)
        }
        return (line, line.isTCP)
    }

    /// What makes two ports the same line: the path, or the converter's address without case.
    private static func identity(of line: PortLine) -> String {
        switch line {
        case .serial(let path): path
        case .tcp(let address): address.normalised.url
        }
    }

    /// The keys of the line itself: the serial frame and presence check, or the TCP connection's.
    /// A key of the other kind has been refused already; `isTCP` nil (device unusable) reads both.
    private mutating func readLineKeys(_ table: TOMLTable, path: String, isTCP: Bool?, into port: inout PortSettings, valid: inout Bool) {
        if isTCP != true {
            if let baud = integer("baud", in: table, under: path, range: 300...115_200) {
                if TermiosSettings.supportedBaudRates.contains(baud) { port.baud = baud } else {
                    let rates = TermiosSettings.supportedBaudRates.map(String.init).joined(separator: ", ")
                    problem("\(path).baud", table["baud"]?.value.line, "\(baud) is not a standard rate; expected one of \(rates)")
                    valid = false
                }
            } else if table["baud"] != nil { valid = false }
            if let text = string("framing", in: table, under: path, allowEmpty: false) {
                if let framing = Framing(rawValue: text.uppercased()) { port.framing = framing } else {
                    problem("\(path).framing", table["framing"]?.value.line, "unknown framing \(Self.quoted(text)); expected one of \(Framing.allCases.map(\.rawValue).joined(separator: ", "))")
                    valid = false
                }
            } else if table["framing"] != nil { valid = false }
            if let milliseconds = integer("presence_check_ms", in: table, under: path, range: 100...60_000) {
                port.presenceCheckInterval = .milliseconds(milliseconds)
            } else if table["presence_check_ms"] != nil { valid = false }
        }
        guard isTCP != false else { return }
        if let seconds = integer("connect_timeout_seconds", in: table, under: path, range: 1...60) {
            port.tcp.connectTimeout = .seconds(seconds)
        } else if table["connect_timeout_seconds"] != nil { valid = false }
        if let seconds = integer("keepalive_seconds", in: table, under: path, range: TCPKeepalive.minimumDeadPeerSeconds...3600,
                                 note: " (a converter that stops answering is noticed within this time)") {
            port.tcp.keepalive = TCPKeepalive(deadPeerSeconds: seconds)
        } else if table["keepalive_seconds"] != nil { valid = false }
        let initial = integer("reconnect_initial_ms", in: table, under: path, range: 100...60_000)
        let maximum = integer("reconnect_max_ms", in: table, under: path, range: 100...600_000)
        if initial == nil, table["reconnect_initial_ms"] != nil { valid = false }
        if maximum == nil, table["reconnect_max_ms"] != nil { valid = false }
        // Checked only between values that are themselves valid, so one mistake is reported once.
        let initialMs = initial ?? (table["reconnect_initial_ms"] == nil ? Self.milliseconds(port.tcp.reconnectInitial) : nil)
        let maximumMs = maximum ?? (table["reconnect_max_ms"] == nil ? Self.milliseconds(port.tcp.reconnectMaximum) : nil)
        if let initialMs, let maximumMs {
            if maximumMs < initialMs {
                let key = table["reconnect_max_ms"] != nil ? "reconnect_max_ms" : "reconnect_initial_ms"
                problem("\(path).\(key)", table[key]?.value.line,
                        "\(path).reconnect_max_ms (\(maximumMs)) is less than \(path).reconnect_initial_ms (\(initialMs)); the backoff cannot shrink")
                valid = false
            } else {
                port.tcp.reconnectInitial = .milliseconds(initialMs)
                port.tcp.reconnectMaximum = .milliseconds(maximumMs)
            }
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// The ESPA keys, the same for every kind of line.
    private mutating func readProtocolKeys(_ table: TOMLTable, path: String, into port: inout PortSettings, valid: inout Bool) {
        if let text = string("role", in: table, under: path, allowEmpty: false) {
            if let role = PortRole(rawValue: text) { port.role = role } else {
                problem("\(path).role", table["role"]?.value.line, "unknown role \(Self.quoted(text)); expected paging-system or control-station")
                valid = false
            }
        } else if table["role"] != nil { valid = false }
        if let text = string("charset", in: table, under: path, allowEmpty: false) {
            if let charset = Charset(rawValue: text) { port.charset = charset } else {
                problem("\(path).charset", table["charset"]?.value.line, "unknown charset \(Self.quoted(text)); expected one of \(Charset.allCases.map(\.rawValue).joined(separator: ", "))")
                valid = false
            }
        } else if table["charset"] != nil { valid = false }
        if let entry = table["address"] {
            if let address = stationAddress(entry, path: "\(path).address") { port.address = address } else { valid = false }
        }
        if let entry = table["polled_addresses"] {
            if case .array(let values) = entry.value.content, !values.isEmpty {
                var addresses: [UInt8] = []
                for (index, value) in values.enumerated() {
                    if let address = stationAddress(.init(key: "", line: value.line, value: value), path: "\(path).polled_addresses[\(index)]") {
                        addresses.append(address)
                    } else { valid = false }
                }
                port.polledAddresses = addresses
            } else {
                problem("\(path).polled_addresses", entry.value.line, "expected a non-empty array of station addresses such as [\"1\"], found \(entry.value.kindDescription)")
                valid = false
            }
        }
        if let milliseconds = integer("poll_interval_ms", in: table, under: path, range: 50...10_000) {
            port.pollInterval = .milliseconds(milliseconds)
        } else if table["poll_interval_ms"] != nil { valid = false }
        if let seconds = integer("supervision_seconds", in: table, under: path, range: 0...86_400, note: " (0 turns supervision off)") {
            port.supervisionTime = seconds == 0 ? nil : .seconds(seconds)
        } else if table["supervision_seconds"] != nil { valid = false }
        if let milliseconds = integer("turnaround_ms", in: table, under: path, range: 0...150) {
            port.turnaround = .milliseconds(milliseconds)
        } else if table["turnaround_ms"] != nil { valid = false }
        if let text = string("default_priority", in: table, under: path, allowEmpty: false) {
            if let priority = Priority(caseInsensitive: text) { port.defaultPriority = priority } else {
                problem("\(path).default_priority", table["default_priority"]?.value.line, "unknown priority \(Self.quoted(text)); expected one of \(Priority.allCases.map(\.rawValue).joined(separator: ", "))")
                valid = false
            }
        } else if table["default_priority"] != nil { valid = false }
        if let seconds = integer("duplicate_window_seconds", in: table, under: path, range: 1...600) {
            port.duplicateWindow = .seconds(seconds)
        } else if table["duplicate_window_seconds"] != nil { valid = false }
        if let milliseconds = integer("inter_character_timeout_ms", in: table, under: path, range: 100...10_000) {
            port.interCharacterTimeout = .milliseconds(milliseconds)
        } else if table["inter_character_timeout_ms"] != nil { valid = false }
        if let limit = integer("transmission_error_limit", in: table, under: path, range: 0...1000, note: " (0 turns the alarm off)") {
            port.bccBurstLimit = limit
        } else if table["transmission_error_limit"] != nil { valid = false }
        if let seconds = integer("transmission_error_window_seconds", in: table, under: path, range: 1...86_400) {
            port.bccBurstWindow = .seconds(seconds)
        } else if table["transmission_error_window_seconds"] != nil { valid = false }
    }

    /// An ESPA station address: one character '0' to '9', written as a string.
    private mutating func stationAddress(_ entry: TOMLTable.Entry, path: String) -> UInt8? {
        guard case .string(let text) = entry.value.content else {
            let hint = if case .integer = entry.value.content { " (put it in quotes: addresses are characters)" } else { "" }
            problem(path, entry.value.line, "expected a station address such as \"2\", found \(entry.value.kindDescription)\(hint)")
            return nil
        }
        guard text.utf8.count == 1, let byte = text.utf8.first, (0x30...0x39).contains(byte) else {
            problem(path, entry.value.line, "\(Self.quoted(text)) is not a station address; expected one character \"0\" to \"9\"")
            return nil
        }
        return byte
    }
}
