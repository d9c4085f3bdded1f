import CSQLite

/// One SQLite connection. Not thread-safe by design: each connection is owned by one place (the
/// writer, or a reader behind a lock), which is why it is opened with `SQLITE_OPEN_NOMUTEX`.
/// Prepared statements are cached by their SQL text, because preparing costs more than running
/// the small statements the journal issues thousands of times a second.
final class Database {
    let path: String
    private var handle: OpaquePointer?
    private var statements: [SQLText: Statement] = [:]

    enum Mode {
        case readWrite
        /// A read-write handle that refuses writes (`PRAGMA query_only`): the reader may still have to
        /// create the WAL index, which a read-only handle cannot.
        case readOnly
    }

    /// Opens (creating if allowed) the file and sets the busy timeout. Throws `cannotOpen` or, for a
    /// file that is not a database, `corrupt`.
    init(path: String, mode: Mode, busyTimeoutMilliseconds: Int32 = 5_000) throws(StoreError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(handle)
            throw Database.classify(path: path, code: code, message: message, operation: "open")
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        if mode == .readOnly {
            try execute("PRAGMA query_only = ON")
        }
    }

    deinit {
        close()
    }

    /// Finalizes every cached statement and closes the connection. Safe to call twice.
    func close() {
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    var isOpen: Bool { handle != nil }

    /// True while a transaction is open. SQLite rolls a transaction back by itself after some errors
    /// (a full disk, an I/O error); the writer checks this to know whether a savepoint is still there.
    var inTransaction: Bool {
        guard let handle else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    var lastInsertedRowID: Int64 {
        guard let handle else { return 0 }
        return sqlite3_last_insert_rowid(handle)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE (not counting foreign-key cascades).
    var changes: Int {
        guard let handle else { return 0 }
        return Int(sqlite3_changes(handle))
    }

    /// Runs SQL that may hold several statements and binds nothing (schema, pragmas, BEGIN).
    func execute(_ sql: String) throws(StoreError) {
        let handle = try openHandle(for: sql)
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw Database.classify(path: path, code: sqlite3_extended_errcode(handle), message: text, operation: Database.operation(sql))
        }
    }

    /// Runs one cached statement with `values` bound and returns whatever `body` reads from it. The
    /// statement is always reset afterwards, so no read transaction stays open behind the caller's
    /// back (an open one would pin an old snapshot of the WAL).
    func withStatement<T>(_ sql: String, _ values: [SQLValue] = [], _ body: (Statement) throws(StoreError) -> T) throws(StoreError) -> T {
        let statement = try prepared(sql)
        defer { statement.reset() }
        try statement.bind(values)
        return try body(statement)
    }

    /// Runs one cached statement that returns no rows.
    func run(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) {
        try withStatement(sql, values) { statement throws(StoreError) in
            while try statement.step() {}
        }
    }

    /// Reads every row of a cached statement.
    func rows<T>(_ sql: String, _ values: [SQLValue] = [], _ read: (Statement) throws(StoreError) -> T) throws(StoreError) -> [T] {
        try withStatement(sql, values) { statement throws(StoreError) in
            var result: [T] = []
            while try statement.step() { result.append(try read(statement)) }
            return result
        }
    }

    /// Reads the first row of a cached statement, if there is one.
    func row<T>(_ sql: String, _ values: [SQLValue] = [], _ read: (Statement) throws(StoreError) -> T) throws(StoreError) -> T? {
        try withStatement(sql, values) { statement throws(StoreError) in
            try statement.step() ? try read(statement) : nil
        }
    }

    /// Reads a single integer pragma such as `user_version`.
    func integer(pragma: String) throws(StoreError) -> Int {
        try row("PRAGMA \(pragma)") { $0.int(0) } ?? 0
    }

    /// Reads a single text pragma such as `journal_mode`.
    func text(pragma: String) throws(StoreError) -> String {
        try row("PRAGMA \(pragma)") { $0.string(0) } ?? ""
    }

    /// Called after every commit on this connection with the number of frames in the WAL; it
    /// replaces SQLite's automatic checkpoint, which would otherwise run inside that commit.
    typealias WALHook = @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32

    func setWALHook(_ hook: WALHook, context: UnsafeMutableRawPointer) {
        guard let handle else { return }
        sqlite3_wal_hook(handle, hook, context)
    }

    /// A PASSIVE checkpoint: copies what it can of the WAL into the database file without waiting for
    /// the writer or the readers. Returns the WAL's frames and how many of them are now copied.
    @discardableResult
    func checkpoint() throws(StoreError) -> (frames: Int, copied: Int) {
        let handle = try openHandle(for: "PRAGMA wal_checkpoint")
        var frames: Int32 = 0
        var copied: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
        guard code == SQLITE_OK || code == SQLITE_BUSY else {
            throw Database.classify(path: path, code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), operation: "checkpoint")
        }
        return (Int(frames), Int(copied))
    }

    enum TransactionKind: String {
        case deferred = "BEGIN"
        case immediate = "BEGIN IMMEDIATE"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        try run(kind.rawValue)
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            if inTransaction { try? run("ROLLBACK") }
            throw error
        }
    }

    private func prepared(_ sql: String) throws(StoreError) -> Statement {
        if let cached = statements[SQLText(sql)] { return cached }
        let handle = try openHandle(for: sql)
        var pointer: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard code == SQLITE_OK, let pointer else {
            throw Database.classify(path: path, code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), operation: Database.operation(sql))
        }
        let statement = Statement(pointer: pointer, database: handle, path: path, sql: sql)
        statements[SQLText(sql)] = statement
        return statement
    }

    private func openHandle(for sql: String) throws(StoreError) -> OpaquePointer {
        guard let handle else { throw StoreError.closed(path: path) }
        return handle
    }

    /// The first words of a statement, to say in an error which kind of statement failed without
    /// quoting alarm text into logs.
    static func operation(_ sql: String) -> String {
        sql.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(3).joined(separator: " ")
    }

    /// Turns a SQLite failure into the `StoreError` that tells the integrator what to do.
    static func classify(path: String, code: Int32, message: String, operation: String) -> StoreError {
        switch code & 0xff {
        case SQLITE_NOTADB, SQLITE_CORRUPT:
            .corrupt(path: path, code: code, message: message)
        case SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM:
            .cannotOpen(path: path, code: code, message: message)
        default:
            .sqlite(path: path, operation: operation, code: code, message: message)
        }
    }
}

/// A statement cache key that hashes a statement's length and its first and last bytes, not all
/// of it: the journal looks up statements of several hundred characters a dozen times an alarm,
/// and they differ early or in length. Equality still compares the whole text.
private struct SQLText: Hashable {
    let sql: String

    init(_ sql: String) { self.sql = sql }

    func hash(into hasher: inout Hasher) {
        let utf8 = sql.utf8
        hasher.combine(utf8.count)
        for byte in utf8.prefix(24) { hasher.combine(byte) }
        for byte in utf8.suffix(24) { hasher.combine(byte) }
    }
}
