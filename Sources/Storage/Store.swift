// Storage owns Tocsin's SQLite file: the alarm journal and the directory (groups, members, phones,
// users), the schema and its forward migrations, the durability settings (WAL, synchronous=FULL,
// foreign keys, a busy timeout, a quick_check at open) and the group-commit writer that makes
// thousands of durable `record` calls a second affordable, and the WAL checkpointer beside it. It implements the `AlarmJournal` and
// `Directory` protocols of Alarming and knows nothing of alarm policy.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import CSQLite
import Logging

/// One SQLite file holding the journal and the directory, with one writer connection shared by both
/// and a few reader connections.
public final class Store: Sendable {
    public let path: String
    public let journal: SQLiteJournal
    public let directory: SQLiteDirectory
    let writer: StoreWriter
    private let readers: ReaderPool
    private let checkpointer: Checkpointer
    private let logger: Logger

    /// The schema version this binary writes (`PRAGMA user_version`).
    public static var schemaVersion: Int { Schema.migrations.map(\.version).max() ?? 0 }

    /// How long a connection waits for a lock held by another process (a backup tool, the sqlite3
    /// shell) before it gives up with SQLITE_BUSY.
    static let busyTimeoutMilliseconds: Int32 = 5_000
    static let readerCount = 2

    /// Opens (creating if needed) the SQLite file, migrates it, runs quick_check. Throws StoreError.
    public init(path: String, logger: Logger = Logger(label: "tocsin.storage")) throws {
        self.path = path
        self.logger = logger
        let database = try Database(path: path, mode: .readWrite, busyTimeoutMilliseconds: Self.busyTimeoutMilliseconds)
        let applied: [Int]
        do {
            try Self.configure(database)
            try Self.check(database)
            applied = try database.migrate(Schema.migrations)
        } catch {
            database.close()
            throw error
        }
        let checkpointer: Checkpointer
        do {
            checkpointer = try Checkpointer(path: path, logger: logger)
        } catch {
            database.close()
            throw error
        }
        checkpointer.watch(database)
        let writer = StoreWriter(database: database)
        let readers: ReaderPool
        do {
            readers = try ReaderPool(path: path, count: Self.readerCount)
        } catch {
            writer.close()
            checkpointer.close()
            throw error
        }
        self.checkpointer = checkpointer
        self.writer = writer
        self.readers = readers
        journal = SQLiteJournal(writer: writer, readers: readers)
        directory = SQLiteDirectory(writer: writer, readers: readers)
        logger.info("database open", metadata: [
            "path": "\(path)",
            "schema": "\(Self.schemaVersion)",
            "migrated": "\(applied.map(String.init).joined(separator: ","))",
        ])
    }

    /// Opens `<directory>/tocsin.sqlite`, creating the directory.
    public static func open(stateDirectory: String, logger: Logger = Logger(label: "tocsin.storage")) throws -> Store {
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotOpen(
                path: stateDirectory,
                code: SQLITE_CANTOPEN,
                message: "cannot create the state directory (\(error))"
            )
        }
        let path = stateDirectory.hasSuffix("/") ? stateDirectory + "tocsin.sqlite" : stateDirectory + "/tocsin.sqlite"
        return try Store(path: path, logger: logger)
    }

    /// Transactions committed by the shared writer so far.
    public var transactions: Int { writer.transactions }
    /// Writes committed by the shared writer so far.
    public var writes: Int { writer.writes }
    /// WAL checkpoints finished so far (each copies the WAL back into the database file).
    var checkpoints: Int { checkpointer.checkpoints }

    /// Round-trips the writer queue: returns once a transaction on the writer connection has
    /// begun and committed, so the queue drains and the write lock can be taken. The watchdog calls
    /// it; a wedged or closed writer makes it hang or throw instead. Counts as one transaction.
    public func ping() async throws {
        _ = try await writer.write { database in try database.integer(pragma: "user_version") }
    }

    /// Finishes the writes already queued, then closes every connection. Later calls fail with
    /// `StoreError.closed`.
    public func close() {
        writer.close()
        checkpointer.close()
        readers.close()
        logger.info("database closed", metadata: ["path": "\(path)"])
    }

    /// The settings of the writer connection as SQLite reports them, for diagnostics and tests.
    struct ConnectionSettings: Sendable, Equatable {
        var journalMode: String
        var synchronous: Int
        var foreignKeys: Int
        var busyTimeoutMilliseconds: Int
        var userVersion: Int
        var tempStore: Int
    }

    func writerSettings() throws(StoreError) -> ConnectionSettings {
        try writer.withDatabase { database throws(StoreError) in
            ConnectionSettings(
                journalMode: try database.text(pragma: "journal_mode"),
                synchronous: try database.integer(pragma: "synchronous"),
                foreignKeys: try database.integer(pragma: "foreign_keys"),
                busyTimeoutMilliseconds: try database.integer(pragma: "busy_timeout"),
                userVersion: try database.integer(pragma: "user_version"),
                tempStore: try database.integer(pragma: "temp_store")
            )
        }
    }

    private static func configure(_ database: Database) throws(StoreError) {
        let mode = try database.row("PRAGMA journal_mode = WAL") { $0.string(0) } ?? ""
        guard mode.lowercased() == "wal" else {
            throw StoreError.setting(path: database.path, pragma: "journal_mode", wanted: "wal", got: mode)
        }
        // SQLite keeps the old content of each page a savepoint or a statement changes in a
        // sub-journal. On disk (past 64 KiB, which one alarm's write passes) that cost two pwrite(2)
        // calls a page: about thirty an alarm when every write had its own savepoint, the largest
        // part of the writer's time. In memory it is a copy, dropped at RELEASE.
        try database.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY")
        let synchronous = try database.integer(pragma: "synchronous")
        guard synchronous == 2 else {
            throw StoreError.setting(path: database.path, pragma: "synchronous", wanted: "FULL (2)", got: "\(synchronous)")
        }
        let foreignKeys = try database.integer(pragma: "foreign_keys")
        guard foreignKeys == 1 else {
            throw StoreError.setting(path: database.path, pragma: "foreign_keys", wanted: "ON (1)", got: "\(foreignKeys)")
        }
        let tempStore = try database.integer(pragma: "temp_store")
        guard tempStore == 2 else {
            throw StoreError.setting(path: database.path, pragma: "temp_store", wanted: "MEMORY (2)", got: "\(tempStore)")
        }
    }

    /// `quick_check` reads every page but skips the costly index cross-checks of `integrity_check`,
    /// so it is affordable at every start and still finds torn or overwritten pages.
    private static func check(_ database: Database) throws(StoreError) {
        let findings = try database.rows("PRAGMA quick_check(20)") { $0.string(0) }
        guard findings == ["ok"] else {
            throw StoreError.corrupt(path: database.path, code: nil, message: "quick_check: " + findings.joined(separator: "; "))
        }
    }
}
