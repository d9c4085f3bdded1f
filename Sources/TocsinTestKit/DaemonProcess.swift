#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

// TocsinTestKit owns what the integration tests and the benchmarks share to drive the real
// daemon: a child process with captured logs, a webhook receiver on loopback and a REST client. It
// may not reach into the daemon's modules: it speaks to the binary only as a user would.

/// The real `tocsin` binary in a child process, with its stderr captured to a file in its own
/// temporary folder. The binary comes from `TOCSIN_BINARY` (set by `make test`), or from the
/// debug build folder next to the package.
public final class DaemonProcess: @unchecked Sendable {
    public let folder: String
    public let logPath: String
    public private(set) var pid: pid_t = 0
    /// Where the current run's output starts in the log, which is kept across restarts.
    private var runStart = 0
    private var exitStatus: Int32?

    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["TOCSIN_BINARY"], !path.isEmpty { return path }
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appending(path: ".build/debug/tocsin").path
    }

    public init(folder: String) {
        self.folder = folder
        self.logPath = folder + "/tocsin.log"
    }

    /// Starts `tocsin` with the arguments, working directory `folder`, stdin from /dev/null.
    public func start(_ arguments: [String], environment extra: [String: String] = [:]) throws {
        exitStatus = nil
        runStart = log.utf8.count
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)

        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "JOURNAL_STREAM")
        environment.removeValue(forKey: "STATE_DIRECTORY")
        for (key, value) in extra { environment[key] = value }

        // The shell only changes into the folder and then execs tocsin, so the pid is tocsin's own.
        // (posix_spawn_file_actions_addchdir_np is a GNU extension Swift does not import.)
        let script = "cd \"$0\" && exec \"$@\""
        let argv = (["/bin/sh", "-c", script, folder, DaemonProcess.binary] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, "/bin/sh", &actions, nil, argv, envp)
        guard result == 0 else { throw HarnessError("posix_spawn \(DaemonProcess.binary) failed: \(String(cString: strerror(result)))") }
        pid = child
    }

    /// Everything every run wrote.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// What the current run wrote.
    public var runLog: String {
        String(decoding: log.utf8.dropFirst(runStart), as: UTF8.self)
    }

    /// Waits for the log line that announces the web server and returns its port.
    public func waitForPort(timeout: Duration = .seconds(60)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for line in runLog.split(separator: "\n") where line.contains("web server listening") {
                if let range = line.firstRange(of: "port=") {
                    let digits = line[range.upperBound...].prefix { $0.isNumber }
                    if let port = Int(digits) { return port }
                }
            }
            if let status = poll() { throw HarnessError("tocsin exited with status \(status) before listening:\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("tocsin did not start listening within \(timeout):\n\(log)")
    }

    /// Waits for a log line containing `text`.
    public func waitForLog(_ text: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if runLog.contains(text) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("no log line containing \"\(text)\" within \(timeout):\n\(log)")
    }

    public func signal(_ signal: Int32) {
        if pid > 0 { kill(pid, signal) }
    }

    /// The exit status if the child has ended (decoded: exit code, or 128 + signal).
    public func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        guard pid > 0 else { return nil }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        let decoded = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = decoded
        return decoded
    }

    /// Waits for the child to end and returns its status.
    @discardableResult
    public func wait(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = poll() { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("tocsin did not exit within \(timeout):\n\(log)")
    }

    /// Kills the child if it is still running; for test clean-up.
    public func stop() {
        guard pid > 0, poll() == nil else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exitStatus = 137
    }

    deinit { stop() }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A fresh temporary folder for one test.
public func makeTemporaryFolder(_ name: String) throws -> String {
    var template = Array("/tmp/tocsin-\(name)-XXXXXX".utf8CString)
    guard let result = mkdtemp(&template) else { throw HarnessError("mkdtemp failed") }
    return String(cString: result)
}

public func writeFile(_ path: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(filePath: path))
}

/// Runs the binary to completion and returns (status, combined output).
public func runTocsin(_ arguments: [String], in folder: String) async throws -> (status: Int32, output: String) {
    let process = DaemonProcess(folder: folder)
    try process.start(arguments)
    let status = try await process.wait(timeout: .seconds(60))
    return (status, process.log)
}
