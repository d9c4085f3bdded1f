import Alarming

/// Why the store could not open, read or write its SQLite file. Every case names the file, and the
/// SQLite cases carry SQLite's own message and (extended) result code, so an integrator can look the
/// code up and knows which file to inspect.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or created: a missing or unwritable directory, a full disk.
    case cannotOpen(path: String, code: Int32, message: String)
    /// The file is not a database, or `PRAGMA quick_check` found damage.
    case corrupt(path: String, code: Int32?, message: String)
    /// The file was written by a newer Tocsin whose schema this binary does not know.
    case newerSchema(path: String, found: Int, supported: Int)
    /// A pragma did not take the value Tocsin needs (for example WAL on a file system without
    /// shared memory).
    case setting(path: String, pragma: String, wanted: String, got: String)
    /// A statement failed.
    case sqlite(path: String, operation: String, code: Int32, message: String)
    /// A stored row holds a value this binary cannot read back.
    case unreadable(path: String, table: String, column: String, value: String)
    /// `update` named an alarm the journal never recorded.
    case unknownAlarm(path: String, id: AlarmID)
    /// The store was closed; nothing more is written.
    case closed(path: String)

    public var path: String {
        switch self {
        case .cannotOpen(let path, _, _), .corrupt(let path, _, _), .newerSchema(let path, _, _),
             .setting(let path, _, _, _), .sqlite(let path, _, _, _), .unreadable(let path, _, _, _),
             .unknownAlarm(let path, _), .closed(let path):
            path
        }
    }

    /// SQLite's extended result code, when SQLite reported the failure.
    public var code: Int32? {
        switch self {
        case .cannotOpen(_, let code, _), .sqlite(_, _, let code, _): code
        case .corrupt(_, let code, _): code
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code, let message):
            "cannot open the database \(path) (SQLite \(code): \(message)); check that its directory exists, "
                + "is a directory and is writable by the tocsin user, and that the disk is not full"
        case .corrupt(let path, let code, let message):
            "the database \(path) is damaged (\(code.map { "SQLite \($0): " } ?? "")\(message)); stop Tocsin, "
                + "move \(path) and its -wal and -shm files aside for inspection, and restore a backup "
                + "or start again to create an empty one"
        case .newerSchema(let path, let found, let supported):
            "the database \(path) has schema version \(found), but this Tocsin only knows versions up to "
                + "\(supported); run the newer Tocsin that wrote it, or restore a backup made by this version"
        case .setting(let path, let pragma, let wanted, let got):
            "the database \(path) refused PRAGMA \(pragma)=\(wanted) (it is \(got)); keep the state directory "
                + "on a local file system"
        case .sqlite(let path, let operation, let code, let message):
            "\(operation) failed on the database \(path) (SQLite \(code): \(message))"
        case .unreadable(let path, let table, let column, let value):
            "the database \(path) holds \(table).\(column) = '\(value)', which this Tocsin cannot read; "
                + "it was probably written by a newer version"
        case .unknownAlarm(let path, let id):
            "the journal \(path) has no alarm \(id) to update"
        case .closed(let path):
            "the database \(path) is closed"
        }
    }
}
