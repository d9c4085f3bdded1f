import CSQLite
import Dispatch
import Logging
import Synchronization

/// Copies the WAL back into the database file on a connection and a thread of its own. SQLite's
/// automatic checkpoint runs inside the COMMIT that crosses its threshold, so every alarm queued
/// behind that commit would wait for the whole copy and its fsync; here the writer only notices
/// that the WAL has grown and hands the copy over. A PASSIVE checkpoint never blocks the writer or
/// a reader.
///
/// SQLite starts the WAL over only when a checkpoint has copied all of it, which a checkpoint
/// running beside a busy writer never quite does. So once the WAL is twice the threshold the writer
/// finishes the job itself, between two transactions: by then the background has copied and synced
/// nearly everything, and what is left costs a moment instead of a stall.
final class Checkpointer: Sendable {
    /// The WAL size, in frames (pages), that starts a checkpoint: SQLite's own default.
    static let thresholdFrames = 1000

    private let database: Mutex<Database>
    private let queue = DispatchQueue(label: "tocsin.storage.checkpoint", qos: .utility)
    private let scheduled = Atomic<Bool>(false)
    private let completed = Atomic<Int>(0)
    private let logger: Logger

    init(path: String, logger: Logger) throws(StoreError) {
        let database = try Database(path: path, mode: .readWrite)
        // The checkpoint's fsync of the database file is what makes it safe to start the WAL over.
        try database.execute("PRAGMA synchronous = FULL")
        self.database = Mutex(database)
        self.logger = logger
    }

    /// Checkpoints finished so far, for tests and diagnostics.
    var checkpoints: Int { completed.load(ordering: .relaxed) }

    /// Makes the writer connection report its WAL size here instead of checkpointing by itself.
    func watch(_ writer: Database) {
        writer.setWALHook({ context, writer, _, frames in
            guard let context else { return 0 }
            if frames >= Int32(2 * Checkpointer.thresholdFrames) {
                // Busy (the background one is running) is fine: the next commit tries again.
                _ = sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().walGrew(to: Int(frames))
            return 0
        }, context: Unmanaged.passUnretained(self).toOpaque())
    }

    /// Called on the writer's thread after each commit. One checkpoint at a time; a WAL that grows
    /// while one runs is copied by the next.
    private func walGrew(to frames: Int) {
        guard frames >= Self.thresholdFrames, !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { self.run() }
    }

    private func run() {
        defer { scheduled.store(false, ordering: .releasing) }
        do {
            try database.withLock { (database: inout Database) throws(StoreError) in _ = try database.checkpoint() }
            completed.add(1, ordering: .relaxed)
        } catch {
            // The WAL only grows until the next checkpoint succeeds; no write is lost meanwhile.
            logger.error("WAL checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    /// Waits for a checkpoint in progress, then closes the connection. The writer must already be
    /// closed, so that no commit reports to a closed checkpointer.
    func close() {
        queue.sync {}
        database.withLock { $0.close() }
    }
}
