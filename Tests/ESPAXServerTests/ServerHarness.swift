#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Alarming
import ESPAX
@testable import ESPAXServer
import Logging
import ServiceLifecycle

/// A driver that takes every push at once.
struct AcceptingDriver: DeliveryDriver {
    let name = "test"
    let retryPolicy = RetryPolicy(maxAttempts: 1)
    func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome { .accepted(detail: "200 OK") }
}

/// A real listener on 127.0.0.1 over an in-memory journal and directory, running in a service
/// group as the daemon runs it. The password of client `NurseCall-1` is `secret1`.
final class ServerHarness: Sendable {
    let journal = InMemoryJournal()
    let directory = InMemoryDirectory()
    let alarms: AlarmService
    let links = LinkBoard()
    let listener: ESPAXListener
    let group: ServiceGroup
    let port: Int
    private let runner: Task<Void, any Error>

    init(settings: ESPAXListenerSettings = ServerHarness.settings()) async throws {
        alarms = AlarmService(journal: journal, directory: directory, drivers: [AcceptingDriver()], settings: AlarmSettings(technicalGroup: "999"))
        let (member, _) = try await directory.addPerson("Anna")
        _ = try await directory.createGroup(Group(number: "0815", name: "Ward 8", memberIDs: [member.id]))
        _ = try await directory.createGroup(Group(number: "999", name: "Technical", memberIDs: [member.id]))
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        listener = try ESPAXListener(
            settings: settings, alarms: alarms, directory: directory,
            verifier: ESPAXClosureCredentialVerifier { $0.client == "NurseCall-1" && $0.password == "secret1" },
            links: links, logger: Logger(label: "test.espax"),
            onListening: { port, _ in continuation.yield(port) })
        group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: listener)], logger: Logger(label: "test")))
        let group = self.group
        runner = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("the listener did not start") }
        self.port = port
    }

    static func settings(mode: ESPAXReportingMode = .callisto, heartbeat: Duration = .seconds(70), maximumConnections: Int = 100,
                         loginFailureDelay: Duration = .milliseconds(300)) -> ESPAXListenerSettings {
        ESPAXListenerSettings(host: "127.0.0.1", port: 0, maximumConnections: maximumConnections, maximumSessionsPerClient: 2,
                              session: ESPAXSessionConfiguration(heartbeatInterval: heartbeat),
                              reportingMode: mode, loginFailureDelay: loginFailureDelay, maximumLoginDelay: .seconds(2))
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await runner.value
        await alarms.shutdown()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A blocking ESPA-X client on a real socket, reading replies with the ESPAX decoder.
final class WireClient {
    let fd: Int32
    private var decoder = EXFrameDecoder(maximumMessageSize: 1 << 20)
    private let reader = ESPAXXMLReader(maximumDocumentSize: 1 << 20)
    var sessionID: String?
    var nextInvokeID: UInt64 = 0

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw TestFailure("connect failed: \(errno)") }
    }

    deinit { close(fd) }

    /// Ends the connection as a client that goes away does; the descriptor is closed at deinit.
    func disconnect() { _ = shutdown(fd, Int32(SHUT_RDWR)) }

    func write(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    @discardableResult
    func send(_ name: String, _ fields: [(String, String)] = [], invokeID: UInt64? = nil, sessionID: String? = nil) -> UInt64 {
        nextInvokeID += 1
        let id = invokeID ?? nextInvokeID
        var xml = "<ESPA-X xmlns=\"http://ns.espa-x.org/espa-x\" version=\"1.00\"><\(name) invokeID=\"\(id)\""
        if let session = sessionID ?? self.sessionID { xml += " sessionID=\"\(session)\"" }
        xml += ">" + fields.map { "<\($0.0)>\($0.1)</\($0.0)>" }.joined() + "</\(name)></ESPA-X>"
        write(EXFrame(number: UInt32(truncatingIfNeeded: id), body: Array(xml.utf8)).bytes)
        return id
    }

    /// The next frame and its document; nil when the server closed the connection.
    /// Polls without blocking a thread: the test shares the cooperative pool with the server's tasks.
    func next(timeout: Duration = .seconds(10)) async throws -> (frame: EXFrame, document: ESPAXDocument)? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let frame = try decoder.nextFrame() {
                return (frame, try reader.read(frame.body))
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw TestFailure("no message within \(timeout)") }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else {
                try await Task.sleep(for: .milliseconds(2))
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { return nil }
            decoder.append(chunk[0..<count])
        }
    }

    /// The next document, which must be `name`. With `skippingIndications`, indications of processes
    /// already running are passed over first: they may come before or after the answer.
    func expect(_ name: String, skippingIndications: Bool = false, timeout: Duration = .seconds(10)) async throws -> (frame: EXFrame, document: ESPAXDocument) {
        var received: (frame: EXFrame, document: ESPAXDocument)?
        repeat {
            do {
                received = try await next(timeout: timeout)
            } catch {
                throw TestFailure("waiting for \(name): \(error)")
            }
        } while skippingIndications && received?.document.name.hasPrefix("IND.") == true
        guard let message = received else { throw TestFailure("connection closed while waiting for \(name)") }
        guard message.document.name == name else { throw TestFailure("expected \(name), got \(message.document.name): \(String(decoding: message.frame.body, as: UTF8.self))") }
        return message
    }

    /// True when the server closes within `timeout`, draining what it sent before.
    func closes(timeout: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await next(timeout: ContinuousClock.now.duration(to: deadline)) == nil { return true }
        }
        return false
    }

    func login(password: String = "secret1") async throws -> ESPAXDocument {
        send("REQ.LOGIN", [("LI-CLIENT", "NurseCall-1"), ("LI-USER", "ncall"), ("LI-PASSWORD", password)])
        let reply = try await expect("RSP.LOGIN").document
        if reply["RSP-CODE"] == "200" { sessionID = reply.sessionID }
        return reply
    }
}
