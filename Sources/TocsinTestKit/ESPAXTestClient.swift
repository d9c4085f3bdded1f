#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// An ESPA-X client written from `shared/protocols/espax.md` alone, for the integration tests and
/// the benchmarks: the 10-byte `EX` header (magic, u32 big-endian total length, u32 number), XML
/// documents built as text, and replies read back by element name. It talks over a plain TCP
/// socket, or over `openssl s_client` for TLS, and keeps every document the server sent so a test
/// can validate them all against the XSD afterwards.
public final class ESPAXTestClient: @unchecked Sendable {
    /// One document received, with the header number from bytes 6–9.
    public struct Message: Sendable, CustomStringConvertible {
        public var number: UInt32
        public var xml: String

        /// The message element: the first element inside `ESPA-X`.
        public var name: String {
            guard let root = xml.firstRange(of: "<ESPA-X") else { return "" }
            let afterRoot = xml[root.upperBound...]
            guard let close = afterRoot.firstIndex(of: ">") else { return "" }
            let rest = xml[xml.index(after: close)...]
            guard let open = rest.firstIndex(of: "<") else { return "" }
            let tail = rest[rest.index(after: open)...]
            return String(tail.prefix { $0 != " " && $0 != ">" && $0 != "/" })
        }

        /// The text of a child element, nil when absent.
        public subscript(field: String) -> String? {
            guard let start = xml.firstRange(of: "<\(field)>"), let end = xml[start.upperBound...].firstRange(of: "</\(field)>") else { return nil }
            return String(xml[start.upperBound..<end.lowerBound])
        }

        /// An attribute of the message element.
        public func attribute(_ name: String) -> String? {
            guard let element = xml.firstRange(of: "<\(self.name)") else { return nil }
            let tagEnd = xml[element.upperBound...].firstIndex(of: ">") ?? xml.endIndex
            let tag = xml[element.upperBound..<tagEnd]
            guard let start = tag.firstRange(of: " \(name)=\"") else { return nil }
            return String(tag[start.upperBound...].prefix { $0 != "\"" })
        }

        public var code: Int? { self["RSP-CODE"].flatMap { Int($0) } }
        public var description: String { "\(name) #\(number): \(xml)" }
    }

    private let readFD: Int32
    private let writeFD: Int32
    private var buffer: [UInt8] = []
    private var helper: pid_t = 0
    private var disconnected = false
    /// Every document received, in order.
    public private(set) var received: [Message] = []
    public private(set) var invokeID: UInt64 = 0
    public private(set) var sessionID: String?

    /// A plain TCP connection to 127.0.0.1.
    public init(port: Int, host: String = "127.0.0.1") throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket failed: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw HarnessError("connect to \(host):\(port) failed: \(reason)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        readFD = fd
        writeFD = fd
    }

    /// A TLS connection through `openssl s_client` (no certificate check: the tests use a
    /// throwaway self-signed certificate).
    public init(tlsPort port: Int) throws {
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw HarnessError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        for fd in toChild + fromChild { posix_spawn_file_actions_addclose(&actions, fd) }
        let arguments = ["openssl", "s_client", "-quiet", "-no_ign_eof", "-connect", "127.0.0.1:\(port)"]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawnp(&child, "openssl", &actions, nil, argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard status == 0 else { throw HarnessError("openssl s_client could not start: \(String(cString: strerror(status)))") }
        helper = child
        readFD = fromChild[0]
        writeFD = toChild[1]
    }

    deinit { disconnect() }

    /// The socket of a plain TCP connection, for a load generator that takes over logged-in
    /// sessions (it `dup`s it before `disconnect`).
    public var socketDescriptor: Int32 { readFD }

    public func disconnect() {
        guard !disconnected else { return }
        disconnected = true
        if readFD >= 0 { close(readFD) }
        if writeFD != readFD, writeFD >= 0 { close(writeFD) }
        if helper > 0 {
            kill(helper, SIGTERM)
            var status: Int32 = 0
            waitpid(helper, &status, 0)
            helper = 0
        }
    }

    // MARK: - Framing (espax.md §3)

    public static func frame(_ xml: String, number: UInt32) -> [UInt8] {
        let body = Array(xml.utf8)
        let total = UInt32(10 + body.count)
        return [0x45, 0x58] + bigEndian(total) + bigEndian(number) + body
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// Writes raw bytes (hostile tests write anything).
    public func writeRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(writeFD, $0.baseAddress, $0.count) }
            guard written > 0 else { throw HarnessError("write failed: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// Sends one request document; returns the invokeID used.
    @discardableResult
    public func send(_ message: String, fields: [(String, String)] = [], sessionID: String? = nil, invokeID: UInt64? = nil,
                     namespace: Bool = true) throws -> UInt64 {
        self.invokeID += 1
        let id = invokeID ?? self.invokeID
        let session = sessionID ?? self.sessionID
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ESPA-X"
        if namespace { xml += " xmlns=\"http://ns.espa-x.org/espa-x\"" }
        xml += " version=\"1.00\" timestamp=\"2025-01-01T12:00:00\"><\(message) invokeID=\"\(id)\""
        if let session { xml += " sessionID=\"\(session)\"" }
        xml += ">"
        for (name, value) in fields { xml += "<\(name)>\(Self.escaped(value))</\(name)>" }
        xml += "</\(message)></ESPA-X>"
        try writeRaw(Self.frame(xml, number: UInt32(truncatingIfNeeded: id)))
        return id
    }

    static func escaped(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }

    /// The next document from the server; throws on timeout or when the server closed.
    public func next(timeout: Duration = .seconds(10)) throws -> Message {
        let deadline = ContinuousClock.now + timeout
        while true {
            if buffer.count >= 10 {
                guard buffer[0] == 0x45, buffer[1] == 0x58 else { throw HarnessError("server sent a bad magic: \(buffer.prefix(10))") }
                let total = Int(buffer[2]) << 24 | Int(buffer[3]) << 16 | Int(buffer[4]) << 8 | Int(buffer[5])
                let number = UInt32(buffer[6]) << 24 | UInt32(buffer[7]) << 16 | UInt32(buffer[8]) << 8 | UInt32(buffer[9])
                guard total >= 10 else { throw HarnessError("server announced length \(total)") }
                if buffer.count >= total {
                    let message = Message(number: number, xml: String(decoding: buffer[10..<total], as: UTF8.self))
                    buffer.removeFirst(total)
                    received.append(message)
                    return message
                }
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw HarnessError("no ESPA-X message within \(timeout); received so far: \(received.map(\.name))") }
            var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000, 60_000))
            let ready = poll(&descriptor, 1, max(1, milliseconds))
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if count <= 0 { throw ESPAXConnectionClosed(received: received.map(\.name)) }
            buffer += chunk[0..<count]
        }
    }

    /// Reads until a message with this name arrives (others are kept in `received`).
    public func next(_ name: String, timeout: Duration = .seconds(10)) throws -> Message {
        let deadline = ContinuousClock.now + timeout
        while true {
            let message = try next(timeout: max(.milliseconds(1), ContinuousClock.now.duration(to: deadline)))
            if message.name == name { return message }
        }
    }

    /// True when the server closes the connection within `timeout` (messages before are kept).
    public func waitForClose(timeout: Duration = .seconds(10)) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        do {
            while ContinuousClock.now < deadline {
                _ = try next(timeout: ContinuousClock.now.duration(to: deadline))
            }
        } catch is ESPAXConnectionClosed {
            return true
        } catch {
            return false
        }
        return false
    }

    /// Logs in; returns RSP.LOGIN and keeps the sessionID when it is 200.
    @discardableResult
    public func login(client: String, password: String, user: String = "ncall") throws -> Message {
        let id = try send("REQ.LOGIN", fields: [("LI-CLIENT", client), ("LI-CLIENTSW", "testkit 1.0"), ("LI-USER", user), ("LI-PASSWORD", password)])
        let reply = try next("RSP.LOGIN")
        guard reply.attribute("invokeID") == String(id) else { throw HarnessError("RSP.LOGIN for another invokeID: \(reply)") }
        if reply.code == 200 { sessionID = reply.attribute("sessionID") }
        return reply
    }
}

public struct ESPAXConnectionClosed: Error, CustomStringConvertible {
    public var received: [String]
    public var description: String { "the server closed the connection after \(received)" }
}

/// Validates documents with `xmllint --schema` against the ESPA-X XSD in `shared/` beside the
/// repository. Returns xmllint's complaints; empty when every document is valid.
public func validateESPAXDocuments(_ documents: [String]) throws -> [String] {
    // #filePath is <repository>/Sources/TocsinTestKit/ESPAXTestClient.swift; shared/ sits beside the repository.
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    components.removeLast(3)
    let schema = components.joined(separator: "/") + "/../shared/protocols/espa-x/espa-x_v1.xsd"
    guard FileManager.default.fileExists(atPath: schema) else { throw HarnessError("the ESPA-X schema is not at \(schema)") }
    let folder = try makeTemporaryFolder("xsd")
    var paths: [String] = []
    for (index, document) in documents.enumerated() {
        let path = "\(folder)/\(index).xml"
        try writeFile(path, document)
        paths.append(path)
    }
    guard !paths.isEmpty else { return [] }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let output = folder + "/xmllint.out"
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    let argv = (["xmllint", "--noout", "--nonet", "--schema", schema] + paths).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var child: pid_t = 0
    let status = posix_spawnp(&child, "xmllint", &actions, nil, argv, environ)
    guard status == 0 else { throw HarnessError("xmllint could not start (apt-get install libxml2-utils): \(String(cString: strerror(status)))") }
    var exit: Int32 = 0
    waitpid(child, &exit, 0)
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map(String.init).filter { !$0.hasSuffix(" validates") }
}
