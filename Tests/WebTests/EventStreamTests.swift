import Alarming
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOPosix
import Testing

@testable import Web

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain TCP client on 127.0.0.1 that reads an endless response as it arrives, which the test
/// clients of HummingbirdTesting (they wait for the whole body) cannot. Its blocking reads run on
/// NIO's thread pool: blocking a thread of the cooperative pool (two on this machine) would starve
/// the very server under test. One test task uses a connection at a time, hence `@unchecked`.
final class RawHTTPConnection: @unchecked Sendable {
    private var fd: Int32
    private(set) var received = ""
    private(set) var closedByPeer = false

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPError.failed("socket", errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            _ = Glibc.close(fd)
            throw RawHTTPError.failed("connect", errno)
        }
    }

    deinit { close() }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw RawHTTPError.failed("send", errno) }
            offset += sent
        }
    }

    /// How many bytes have been received so far, to read on from there.
    var mark: Int { received.utf8.count }

    /// The text received after `mark`.
    func text(after mark: Int) -> String { String(decoding: received.utf8.dropFirst(mark), as: UTF8.self) }

    /// Reads until the text after `mark` contains `marker`, or fails after `timeout`. Returns the
    /// text after `mark`.
    @discardableResult
    func read(until marker: String, after mark: Int = 0, timeout: Duration = .seconds(10)) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive {
            try self.blockingRead(until: marker, after: mark, timeout: timeout)
        }
    }

    private func blockingRead(until marker: String, after mark: Int, timeout: Duration) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while !text(after: mark).contains(marker) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw RawHTTPError.timedOut(marker: marker, received: received) }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)
            let ready = poll(&descriptor, 1, max(1, milliseconds))
            guard ready >= 0 else { throw RawHTTPError.failed("poll", errno) }
            if ready == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else {
                closedByPeer = true
                throw RawHTTPError.closed(received: received)
            }
            received += String(decoding: buffer[..<count], as: UTF8.self)
        }
        return text(after: mark)
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}

enum RawHTTPError: Error, CustomStringConvertible {
    case failed(String, Int32)
    case timedOut(marker: String, received: String)
    case closed(received: String)

    var description: String {
        switch self {
        case .failed(let call, let code): "\(call) failed with errno \(code)"
        case .timedOut(let marker, let received): "no \(marker.debugDescription) within the time limit; received \(received.debugDescription)"
        case .closed(let received): "the server closed the connection; received \(received.debugDescription)"
        }
    }
}

@Suite("Server-Sent Events")
struct EventStreamTests {
    @Test func aRaisedAlarmArrivesAsAnEventAndIdleStreamsGetKeepalives() async throws {
        try await withWorld { world in
            try await world.application.test(.live) { client in
                let port = try #require(client.port)
                let stream = try RawHTTPConnection(port: port)
                try stream.send("GET /api/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
                let head = try await stream.read(until: ": connected\n\n")
                #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                #expect(head.lowercased().contains("content-type: text/event-stream\r\n"))
                #expect(head.lowercased().contains("cache-control: no-cache\r\n"))

                let raised = try await client.execute(uri: "/api/alarms", method: .post, body: HTTP.json(#"{"group":"1","text":"Bed 4"}"#))
                #expect(raised.status == .created)
                let afterConnected = stream.mark
                let marker = "event: alarm\ndata: "
                let before = try await stream.read(until: marker, after: afterConnected)
                let skipped = before.split(separator: marker, maxSplits: 1, omittingEmptySubsequences: false)[0].utf8.count
                let dataStart = afterConnected + skipped + marker.utf8.count
                let line = String(try await stream.read(until: "\n\n", after: dataStart).prefix { $0 != "\n" })
                let event = try JSONValue.parse(Array(line.utf8))
                #expect(event["change"] == .string("raised"))
                #expect(try event["alarm"] == raised.json.sortedKeys)

                // The keepalive interval is 200 ms in these tests.
                try await stream.read(until: ": keepalive\n\n", after: stream.mark)
                #expect(world.service.events.subscriberCount == 1)

                // When the client goes away the subscription is dropped.
                stream.close()
                let deadline = ContinuousClock.now + .seconds(10)
                while world.service.events.subscriberCount > 0, ContinuousClock.now < deadline {
                    await Task.yield()
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(world.service.events.subscriberCount == 0)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anOpenStreamEndsWhenTheServerShutsDown() async throws {
        try await withWorld { world in
            let stream = try await world.application.test(.live) { client in
                let stream = try RawHTTPConnection(port: try #require(client.port))
                try stream.send("GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
                try await stream.read(until: ": connected\n\n")
                return stream
            }
            // `test` returns only once the server has shut down, so the stream must have ended.
            await #expect(throws: RawHTTPError.self) { try await stream.read(until: "never sent", timeout: .seconds(5)) }
            #expect(stream.closedByPeer)
            #expect(world.service.events.subscriberCount == 0)
        }
    }

    @Test func eventFramesCarryTheChangeParticularsAndTheWholeAlarm() throws {
        let request = AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "line 1\nline 2")
        let alarm = Alarm(id: 7, request: request, receivedAt: TestWorld.start)
        let frame = EventStream.frame(AlarmEvent(alarm: alarm, change: .ended(.operator)))
        #expect(frame.hasPrefix(#"event: alarm"# + "\n" + #"data: {"change":"ended","reason":"Operator","alarm":{"id":7,"#))
        #expect(frame.hasSuffix("}}\n\n"))
        // The text's line break is escaped, so the event stays one data line.
        #expect(frame.split(separator: "\n").count == 2)
        #expect(frame.contains(#""text":"line 1\nline 2""#))
    }
}

extension JSONValue {
    /// Parsing sorts an object's keys; this sorts a value the same way for comparison.
    var sortedKeys: JSONValue {
        switch self {
        case .object(let pairs): .object(pairs.map { ($0.0, $0.1.sortedKeys) }.sorted { $0.0 < $1.0 })
        case .array(let items): .array(items.map(\.sortedKeys))
        default: self
        }
    }
}
