#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A real SIP handset for the daemon's integration tests and benchmarks: SIPp (Debian
/// `sip-tester`) running a UAS scenario from `Tests/SIPp` on 127.0.0.1 for a given number of
/// MESSAGE transactions, with every message it sends and receives traced to a file the test reads.
public final class SIPpHandset: @unchecked Sendable {
    public let port: Int
    public let folder: String
    private var pid: pid_t = 0

    public static var binary: String? {
        for path in ["/usr/bin/sipp", "/usr/local/bin/sipp"] where access(path, X_OK) == 0 { return path }
        return nil
    }

    static func scenario(_ name: String) -> String {
        URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Tests/SIPp/\(name).xml").path
    }

    /// Starts `sipp -sf <scenario> -m <calls>` on a free port; `tcp` runs it on a TCP listener.
    public init(scenario: String, calls: Int = 1, tcp: Bool = false) throws {
        guard let binary = Self.binary else { throw SIPpHandsetError.notInstalled }
        folder = FileManager.default.temporaryDirectory.appending(path: "tocsin-sipp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        port = try Self.freePort(tcp: tcp)
        let arguments = [
            binary, "-sf", Self.scenario(scenario), "-i", "127.0.0.1", "-p", String(port), "-t", tcp ? "t1" : "u1",
            "-m", String(calls), "-nostdin", "-trace_msg", "-message_file", folder + "/messages.log", "-timeout", "60s", "-timeout_error",
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, folder + "/sipp.out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, folder + "/sipp.out", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard status == 0 else { throw SIPpHandsetError.spawn(status) }
        try waitUntilListening(tcp: tcp)
    }

    /// What SIPp traced: every message in and out.
    public var trace: String { (try? String(contentsOfFile: folder + "/messages.log", encoding: .utf8)) ?? "" }

    /// The MESSAGE requests SIPp received, each as its text up to the blank line.
    public var receivedMessages: [String] {
        trace.components(separatedBy: "\n\n").filter { $0.contains("MESSAGE sip:") && !$0.contains("SIP/2.0 2") }
            .compactMap { block in block.firstRange(of: "MESSAGE sip:").map { String(block[$0.lowerBound...]) } }
    }

    /// Waits for SIPp to finish its calls and returns its exit status (0: the scenario passed).
    public func finish() async -> Int32 {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 { return -1 }
            try? await Task.sleep(for: .milliseconds(20))
        }
        pid = 0
        return (status >> 8) & 0xFF
    }

    public func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
    }

    deinit { stop() }

    /// SIPp binds right after start; a UDP client would cover a late bind by retransmitting, but
    /// a TCP connect would be refused, so the test waits until the port is taken.
    private func waitUntilListening(tcp: Bool) throws {
        for _ in 0..<250 {
            if (try? Self.bindable(port: port, tcp: tcp)) == false { return }
            usleep(20_000)
        }
        throw SIPpHandsetError.notListening(port)
    }

    private static func freePort(tcp: Bool) throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        guard bound == 0 else { throw SIPpHandsetError.noPort }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func bindable(port: Int, tcp: Bool) throws -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } } == 0
    }
}

public enum SIPpHandsetError: Error, CustomStringConvertible {
    case notInstalled
    case spawn(Int32)
    case notListening(Int)
    case noPort

    public var description: String {
        switch self {
        case .notInstalled: "sipp is not installed: apt-get install sip-tester (make deps-test does it)"
        case .spawn(let status): "sipp could not be started (posix_spawn \(status))"
        case .notListening(let port): "sipp did not bind 127.0.0.1:\(port) within 5 s"
        case .noPort: "no free port on 127.0.0.1"
        }
    }
}
