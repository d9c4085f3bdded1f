import Dispatch
import Metrics
import Synchronization

/// The single writer connection and its group commit. Callers enqueue a write and await it; a
/// serial queue takes everything pending into ONE transaction (`BEGIN IMMEDIATE … COMMIT`, one fsync
/// with `synchronous=FULL`), and only then resumes the callers. While one batch is being synced the
/// next one piles up, so the number of fsyncs grows with time, not with the number of alarms.
///
/// A write that fails by itself (a duplicate group name) fails alone: the batch is then run again
/// with each write in its own savepoint. A failure of the transaction itself (a full disk, an I/O
/// error, a failed COMMIT) fails every write of the batch, because none of them is durable.
final class StoreWriter: Sendable {
    private struct Job: Sendable {
        /// Does the work inside the transaction and returns what to do once it is committed.
        var run: @Sendable (Database) throws -> @Sendable () -> Void
        var fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
        var closed = false
    }

    let path: String
    /// Touched only from `queue`; the lock costs one uncontended atomic per batch and spares an
    /// unchecked Sendable.
    private let database: Mutex<Database>
    private let queue = DispatchQueue(label: "tocsin.storage.writer", qos: .userInitiated)
    private let state = Mutex(State())
    private let transactionCount = Atomic<Int>(0)
    private let writeCount = Atomic<Int>(0)
    /// One fsync'd transaction, for `/metrics`; and how many writes it carried.
    private let commitTimer = Timer(label: "tocsin_journal_commit_seconds")
    private let batchSize = Recorder(label: "tocsin_journal_batch_writes")

    init(database: consuming sending Database) {
        self.path = database.path
        self.database = Mutex(database)
    }

    /// Committed transactions so far.
    var transactions: Int { transactionCount.load(ordering: .relaxed) }
    /// Committed writes so far; `writes / transactions` is the mean batch size.
    var writes: Int { writeCount.load(ordering: .relaxed) }

    /// Runs `body` in the next batch's transaction and returns its result once that transaction is
    /// committed (durable). Not cancellable: once enqueued, a write either commits or fails.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { database in
                    let value = try body(database)
                    return { continuation.resume(returning: value) }
                },
                fail: { continuation.resume(throwing: $0) }
            )
            enqueue(job)
        }
    }

    private func enqueue(_ job: Job) {
        let accepted: (accepted: Bool, startDrain: Bool) = state.withLock { state in
            if state.closed { return (false, false) }
            state.pending.append(job)
            if state.draining { return (true, false) }
            state.draining = true
            return (true, true)
        }
        if !accepted.accepted {
            job.fail(StoreError.closed(path: path))
        } else if accepted.startDrain {
            queue.async { self.drain() }
        }
    }

    private func drain() {
        while true {
            let batch: [Job] = state.withLock { state in
                if state.pending.isEmpty {
                    state.draining = false
                    return []
                }
                let batch = state.pending
                state.pending = []
                return batch
            }
            if batch.isEmpty { return }
            commit(batch)
        }
    }

    private func commit(_ batch: [Job]) {
        let started = ContinuousClock.now
        let results: [Result<@Sendable () -> Void, any Error>] = database.withLock { database in
            Self.runBatch(batch, on: database)
        }
        let elapsed = ContinuousClock.now - started
        commitTimer.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        batchSize.record(batch.count)
        // Count before resuming anyone, so a caller that reads the counters after its write sees it.
        let committed = results.count { if case .success = $0 { true } else { false } }
        if committed > 0 {
            transactionCount.add(1, ordering: .relaxed)
            writeCount.add(committed, ordering: .relaxed)
        }
        for (job, result) in zip(batch, results) {
            switch result {
            case .success(let resume): resume()
            case .failure(let error): job.fail(error)
            }
        }
    }

    /// Runs the batch as one transaction without savepoints, the common case where every write
    /// succeeds; only when one fails is the whole transaction rolled back and the batch run again
    /// with a savepoint around each write. A savepoint costs two statements and a copy of every page
    /// the write changes, and nearly every batch would pay that for nothing. The writes' bodies only
    /// touch the database, so running one again after the rollback does the same thing again.
    private static func runBatch(_ batch: [Job], on database: Database) -> [Result<@Sendable () -> Void, any Error>] {
        var resumes: [@Sendable () -> Void] = []
        resumes.reserveCapacity(batch.count)
        do {
            try database.run("BEGIN IMMEDIATE")
        } catch {
            return batch.map { _ in .failure(error) }
        }
        for job in batch {
            do {
                resumes.append(try job.run(database))
            } catch {
                if database.inTransaction { try? database.run("ROLLBACK") }
                // Alone in its batch, the write's failure is its own either way.
                if batch.count == 1 { return [.failure(error)] }
                return runIsolated(batch, on: database)
            }
        }
        do {
            try database.run("COMMIT")
            return resumes.map { .success($0) }
        } catch {
            if database.inTransaction { try? database.run("ROLLBACK") }
            return batch.map { _ in .failure(error) }
        }
    }

    /// The batch again, each write in its own savepoint, so that a write that fails by itself fails alone.
    private static func runIsolated(_ batch: [Job], on database: Database) -> [Result<@Sendable () -> Void, any Error>] {
        var results: [Result<@Sendable () -> Void, any Error>] = []
        results.reserveCapacity(batch.count)
        do {
            try database.run("BEGIN IMMEDIATE")
            for job in batch {
                try database.run("SAVEPOINT job")
                do {
                    let resume = try job.run(database)
                    try database.run("RELEASE job")
                    results.append(.success(resume))
                } catch {
                    // Without a transaction the savepoint is gone too: SQLite rolled everything back.
                    guard database.inTransaction else { throw error }
                    try database.run("ROLLBACK TO job")
                    try database.run("RELEASE job")
                    results.append(.failure(error))
                }
            }
            try database.run("COMMIT")
            return results
        } catch {
            if database.inTransaction { try? database.run("ROLLBACK") }
            // Writes that failed by themselves keep their own error; the rest share the batch's.
            return batch.indices.map { index in
                if index < results.count, case .failure(let own) = results[index] { return .failure(own) }
                return .failure(error)
            }
        }
    }

    /// Lets every write already enqueued finish, refuses new ones, and closes the connection.
    func close() {
        state.withLock { $0.closed = true }
        queue.sync {}
        // A drain that was scheduled before `closed` was set has run by now (the queue is serial),
        // and it empties `pending` before it returns.
        database.withLock { $0.close() }
    }

    /// Runs `body` on the writer connection outside any batch, for opening and migrating before the
    /// writer serves callers.
    func withDatabase<T: Sendable>(_ body: @Sendable (Database) throws(StoreError) -> T) throws(StoreError) -> T {
        try database.withLock { (database: inout Database) throws(StoreError) -> T in try body(database) }
    }
}
