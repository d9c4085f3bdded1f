// Reading and checking `[espax]` and `[[espax.clients]]`, in the style of the other tables: every
// problem is collected with its key path and line, and a plain password is never echoed.

import ESPAX

extension ConfigurationReader {
    static let espaxKeys = [
        "enabled", "host", "port", "tls_port", "tls_certificate", "tls_private_key", "max_connections",
        "max_sessions_per_client", "heartbeat_seconds", "max_message_bytes", "reporting", "server_software", "clients",
    ]
    static let espaxClientKeys = ["name", "password_hash"]

    mutating func readESPAX(_ table: TOMLTable, into espax: inout Configuration.ESPAX) {
        if let enabled = boolean("enabled", in: table, under: "espax") { espax.enabled = enabled }
        if let host = string("host", in: table, under: "espax", allowEmpty: false, allowSpaces: false) { espax.host = host }
        if let port = integer("port", in: table, under: "espax", range: 0...65535, note: " (0: any free port)") { espax.port = port }
        if let port = integer("tls_port", in: table, under: "espax", range: 0...65535, note: " (0: no TLS listener)") { espax.tlsPort = port }
        if let path = string("tls_certificate", in: table, under: "espax", allowEmpty: true) { espax.tlsCertificate = path }
        if let path = string("tls_private_key", in: table, under: "espax", allowEmpty: true) { espax.tlsPrivateKey = path }
        if let limit = integer("max_connections", in: table, under: "espax", range: 1...100_000) { espax.maxConnections = limit }
        if let limit = integer("max_sessions_per_client", in: table, under: "espax", range: 1...100_000) { espax.maxSessionsPerClient = limit }
        if let seconds = integer("heartbeat_seconds", in: table, under: "espax", range: 5...3600,
                                 note: " (set it at least 20 % above the clients' heartbeat interval)") {
            espax.heartbeatSeconds = seconds
        }
        // The tetronik client reads only 16 bits of the length; 1 KiB fits any real request.
        if let bytes = integer("max_message_bytes", in: table, under: "espax", range: 1024...1_048_576) { espax.maxMessageBytes = bytes }
        if let text = string("reporting", in: table, under: "espax", allowEmpty: false) {
            if let mode = ESPAXReportingMode(rawValue: text) { espax.reporting = mode } else {
                problem("espax.reporting", table["reporting"]?.value.line, "unknown reporting mode \"\(text)\"; expected callisto or tracked")
            }
        }
        if let software = string("server_software", in: table, under: "espax", allowEmpty: false) {
            if software.unicodeScalars.count > 30 {
                problem("espax.server_software", table["server_software"]?.value.line, "is \(software.unicodeScalars.count) characters; LI-SERVERSW allows 30")
            } else {
                espax.serverSoftware = software
            }
        }
        if espax.tlsPort != 0 {
            let tlsPort = espax.tlsPort
            if tlsPort == espax.port {
                problem("espax.tls_port", table["tls_port"]?.value.line, "\(tlsPort) is also espax.port; TLS needs a port of its own")
            }
            if espax.tlsCertificate.isEmpty {
                problem("espax.tls_certificate", table["tls_port"]?.value.line, "missing; espax.tls_port needs a PEM certificate (chain) file")
            }
            if espax.tlsPrivateKey.isEmpty {
                problem("espax.tls_private_key", table["tls_port"]?.value.line, "missing; espax.tls_port needs a PEM private key file")
            }
        }
        if let clients = table["clients"] {
            espax.clients = readESPAXClients(clients)
        }
    }

    private mutating func readESPAXClients(_ entry: TOMLTable.Entry) -> [Configuration.ClientEntry] {
        readCredentials(entry, path: "espax.clients", keys: Self.espaxClientKeys, noun: "client", missingName: "missing; every client needs its LI-CLIENT name") { given in
            given.unicodeScalars.count > 30 ? "is \(given.unicodeScalars.count) characters; LI-CLIENT allows 30" : nil
        }.map { Configuration.ClientEntry(name: $0.name, passwordHash: $0.passwordHash) }
    }
}
