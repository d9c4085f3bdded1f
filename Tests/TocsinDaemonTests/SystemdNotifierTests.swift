#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TocsinDaemon

/// sd_notify is checked against a real AF_UNIX datagram socket, as systemd would listen.
struct SystemdNotifierTests {
    /// Binds a datagram socket at `path` (a leading NUL byte for the abstract namespace).
    static func listen(_ pathBytes: [UInt8]) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(result == 0)
        return fd
    }

    static func receive(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    @Test func sendsTheFieldsAsOneDatagramToAPathSocket() throws {
        let path = "/tmp/tocsin-notify-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        let fd = try Self.listen(Array(path.utf8))
        defer { close(fd); unlink(path) }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        #expect(notifier.isActive)
        #expect(notifier.notify(["READY=1", "STATUS=Listening; journal open"]))
        #expect(Self.receive(fd) == "READY=1\nSTATUS=Listening; journal open")
    }

    @Test func anAtSignMeansTheAbstractNamespace() throws {
        let name = "tocsin-notify-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        let fd = try Self.listen([0] + Array(name.utf8))
        defer { close(fd) }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + name])
        #expect(notifier.notify(["STOPPING=1"]))
        #expect(Self.receive(fd) == "STOPPING=1")
    }

    @Test func withoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        #expect(!notifier.notify(["READY=1"]))
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]).isActive)
    }

    @Test func aSocketThatIsGoneIsReportedNotFatal() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/tmp/tocsin-no-such-socket-\(getpid())"])
        #expect(!notifier.notify(["READY=1"]))
    }
}
