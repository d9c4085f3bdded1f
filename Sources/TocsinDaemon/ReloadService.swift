import Alarming
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the configuration file on SIGHUP and applies what can change without a restart. A file
/// that no longer validates is refused as a whole: the daemon keeps running on what it had.
final class ReloadService: Service, Sendable {
    private let path: String?
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let apply: @Sendable (Configuration) async throws -> Void
    private let state: ReloadState

    init(path: String?, current: Configuration, notifier: SystemdNotifier, logger: Logger, apply: @escaping @Sendable (Configuration) async throws -> Void) {
        self.path = path
        self.notifier = notifier
        self.logger = logger
        self.apply = apply
        self.state = ReloadState(current: current)
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }

    func reload() async {
        guard let path else {
            logger.notice("SIGHUP ignored: running on the embedded defaults, there is no file to re-read")
            return
        }
        notifier.notify(["RELOADING=1", "STATUS=Reloading configuration"])
        defer { notifier.notify(["READY=1", "STATUS=Listening; journal open"]) }
        let updated: Configuration
        do {
            updated = try Configuration.load(path: path)
        } catch {
            logger.error("configuration reload refused; keeping the running configuration", metadata: ["problems": "\(error)"])
            return
        }
        let old = await state.current
        let differences = updated.reloadDifferences(from: old)
        if !differences.needsRestart.isEmpty {
            logger.warning("changed keys need a restart to take effect", metadata: ["keys": "\(differences.needsRestart.joined(separator: ","))"])
        }
        do {
            try await apply(updated)
            await state.set(updated)
            logger.notice("configuration reloaded", metadata: ["changed": "\(differences.reloadable.joined(separator: ","))"])
        } catch {
            logger.error("configuration reload failed", metadata: ["error": "\(error)"])
        }
    }
}

private actor ReloadState {
    var current: Configuration
    init(current: Configuration) { self.current = current }
    func set(_ configuration: Configuration) { current = configuration }
}
