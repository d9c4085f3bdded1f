#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

public enum DaemonError: Error, CustomStringConvertible {
    case stateDirectory(path: String, reason: String)
    case alreadyRunning(path: String)
    case webhookAuthorities(path: String, reason: String)

    public var description: String {
        switch self {
        case .stateDirectory(let path, let reason):
            "the state directory \(path) cannot be used: \(reason)"
        case .alreadyRunning(let path):
            "another tocsin is already running on the state directory \(path); stop it first (two daemons on one journal would page everyone twice)"
        case .webhookAuthorities(let path, let reason):
            "webhook.ca_file \(path) cannot be read as PEM certificates: \(reason)"
        }
    }
}

/// Holds `tocsin.lock` in the state directory for the life of the daemon, so that a second daemon
/// started by mistake on the same journal stops with a clear message instead of waiting on SQLite's
/// locks. The lock is an flock on a file of its own: SQLite's POSIX locks on the database would be
/// dropped if another descriptor of the database file were closed.
final class StateDirectoryLock {
    private let descriptor: Int32

    init(stateDirectory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw DaemonError.stateDirectory(path: stateDirectory, reason: "it cannot be created (\(error))")
        }
        let path = stateDirectory + "/tocsin.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw DaemonError.stateDirectory(path: stateDirectory, reason: "\(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(descriptor)
            if error == EWOULDBLOCK { throw DaemonError.alreadyRunning(path: stateDirectory) }
            throw DaemonError.stateDirectory(path: stateDirectory, reason: "flock \(path): \(String(cString: strerror(error)))")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
