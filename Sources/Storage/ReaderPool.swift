import Synchronization

/// A few read connections beside the writer. WAL lets them read while the writer commits; each one
/// is used by one caller at a time. A caller takes the first idle connection and only waits when all
/// of them are busy.
final class ReaderPool: Sendable {
    private final class Reader: Sendable {
        let database: Mutex<Database>
        init(_ database: consuming sending Database) { self.database = Mutex(database) }
    }

    private let readers: [Reader]
    private let next = Atomic<Int>(0)

    init(path: String, count: Int) throws(StoreError) {
        var readers: [Reader] = []
        for _ in 0..<max(1, count) {
            readers.append(Reader(try Database(path: path, mode: .readOnly)))
        }
        self.readers = readers
    }

    /// Runs `body` in one read transaction, so a multi-statement read (an alarm and its deliveries)
    /// sees one consistent snapshot.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        let start = Int(UInt(bitPattern: next.add(1, ordering: .relaxed).oldValue) % UInt(readers.count))
        for offset in 0..<readers.count {
            let reader = readers[(start + offset) % readers.count]
            let result: Result<T, any Error>? = reader.database.withLockIfAvailable { database in
                Result { try database.transaction(.deferred) { try body(database) } }
            }
            if let result { return try result.get() }
        }
        let reader = readers[start]
        return try reader.database.withLock { database in
            try database.transaction(.deferred) { try body(database) }
        }
    }

    func close() {
        for reader in readers { reader.database.withLock { $0.close() } }
    }
}
