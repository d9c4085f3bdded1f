import Alarming
import Hummingbird
import HummingbirdBcrypt
import HTTPTypes
import HummingbirdTesting
import Logging
import Storage
import Testing

@testable import Web

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A driver that takes every alarm, so alarms to a staffed group reach `delivered`.
struct AcceptingDriver: DeliveryDriver {
    let name = "webhook"
    let retryPolicy = RetryPolicy(maxAttempts: 1)
    func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome { .accepted(detail: "HTTP 200") }
}

/// A real store in a temporary directory, a real alarm service on a manual clock, and the web
/// application over them.
final class TestWorld: Sendable {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let startText = "2027-01-15T08:00:00.000Z"
    /// Cost 4 keeps the tests fast; verification reads the cost from the hash.
    static let adminPassword = "correct horse"
    static let adminHash = Bcrypt.hash(adminPassword, cost: 4)

    let directoryPath: String
    let store: Store
    let service: AlarmService
    let clock: ManualAlarmClock
    let policy: WebPolicy
    let links = LinkBoard()
    let reportedPort = PortBox()

    init(loopbackWithoutAuth: Bool = true, technicalGroup: String? = nil) async throws {
        directoryPath = FileManager.default.temporaryDirectory.appendingPathComponent("tocsin-web-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directoryPath, withIntermediateDirectories: true)
        store = try Store(path: directoryPath + "/tocsin.sqlite")
        clock = ManualAlarmClock(start: Self.start)
        service = AlarmService(
            journal: store.journal,
            directory: store.directory,
            drivers: [AcceptingDriver()],
            settings: AlarmSettings(technicalGroup: technicalGroup),
            clock: clock
        )
        policy = WebPolicy(loopbackWithoutAuth: loopbackWithoutAuth)
        _ = try await store.directory.createUser(User(name: "admin", passwordHash: Self.adminHash))
    }

    func shutdown() async {
        await service.shutdown()
        store.close()
        try? FileManager.default.removeItem(atPath: directoryPath)
    }

    var environment: WebEnvironment {
        let box = reportedPort
        return WebEnvironment(
            service: service,
            journal: store.journal,
            directory: store.directory,
            links: links,
            policy: policy,
            host: "127.0.0.1",
            port: 0,
            version: "1.2.3-test",
            logger: Logger(label: "tocsin.web.test"),
            onServerRunning: { port in box.set(port) },
            keepaliveInterval: .milliseconds(200),
            bcryptCost: 4
        )
    }

    var application: some ApplicationProtocol { makeWebApplication(environment) }

    /// A group "12" with one member on one webhook phone, so alarms to it are delivered.
    @discardableResult
    func staffedGroup() async throws -> (group: Group, member: Member, phone: Phone) {
        let phone = try await store.directory.createPhone(Phone(name: "DECT 4711", driver: "webhook", address: "http://127.0.0.1:9/phone"))
        let member = try await store.directory.createMember(Member(userName: "anna", name: "Anna", phoneID: phone.id))
        let group = try await store.directory.createGroup(Group(number: "12", name: "Ward 3", memberIDs: [member.id]))
        return (group, member, phone)
    }

    /// Runs `body` with the subscription open, then waits for an event matching `match`.
    func awaitEvent(_ match: @escaping @Sendable (AlarmEvent) -> Bool, after body: () async throws -> Void) async throws -> AlarmEvent {
        let events = service.events.subscribe()
        try await body()
        return try await withThrowingTaskGroup(of: AlarmEvent?.self) { group in
            group.addTask {
                for await event in events where match(event) { return event }
                return nil
            }
            group.addTask {
                // A bound on a wait that normally ends in milliseconds, not a synchronisation.
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return try #require(first, "the expected alarm event did not come within 10 s")
        }
    }
}

final class PortBox: Sendable {
    private let value = Mutex<Int?>(nil)
    func set(_ port: Int) { value.withLock { $0 = port } }
    var port: Int? { value.withLock { $0 } }
}

import Synchronization

enum HTTP {
    static func basic(_ user: String, _ password: String) -> HTTPFields {
        let token = Data("\(user):\(password)".utf8).base64EncodedString()
        return [.authorization: "Basic \(token)"]
    }

    static var admin: HTTPFields { basic("admin", TestWorld.adminPassword) }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static var jsonHeaders: HTTPFields { [.contentType: "application/json"] }

    static func merged(_ a: HTTPFields, _ b: HTTPFields) -> HTTPFields {
        var out = a
        for field in b { out.append(field) }
        return out
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    var json: JSONValue {
        get throws { try JSONValue.parse(Array(body.readableBytesView)) }
    }
}

/// The expected error body.
func errorJSON(_ field: String?, _ message: String) -> String {
    APIError.invalid(field: field, message: message).body.serialized
}

/// Runs a test against a fresh world and always tears it down.
func withWorld(loopbackWithoutAuth: Bool = true, _ body: (TestWorld) async throws -> Void) async throws {
    let world = try await TestWorld(loopbackWithoutAuth: loopbackWithoutAuth)
    do {
        try await body(world)
    } catch {
        await world.shutdown()
        throw error
    }
    await world.shutdown()
}
