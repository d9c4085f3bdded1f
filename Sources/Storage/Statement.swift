import CSQLite
import CShim

/// A value bound to a statement parameter.
enum SQLValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    static func integer(_ value: Int) -> SQLValue { .integer(Int64(value)) }

    static func optional(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
    static func optional(_ value: Int64?) -> SQLValue { value.map { .integer($0) } ?? .null }
    static func optional(_ value: Int?) -> SQLValue { value.map { .integer(Int64($0)) } ?? .null }
}

/// A prepared statement owned by one `Database`, which caches and finalizes it.
final class Statement {
    private var pointer: OpaquePointer?
    private let database: OpaquePointer
    private let path: String
    let sql: String

    init(pointer: OpaquePointer, database: OpaquePointer, path: String, sql: String) {
        self.pointer = pointer
        self.database = database
        self.path = path
        self.sql = sql
    }

    func finalize() {
        sqlite3_finalize(pointer)
        pointer = nil
    }

    func reset() {
        sqlite3_reset(pointer)
        sqlite3_clear_bindings(pointer)
    }

    func bind(_ values: [SQLValue]) throws(StoreError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null:
                code = sqlite3_bind_null(pointer, index)
            case .integer(let number):
                code = sqlite3_bind_int64(pointer, index, number)
            case .real(let number):
                code = sqlite3_bind_double(pointer, index, number)
            case .text(let text):
                // The transient variant makes SQLite copy the bytes, because Swift's buffer only lives
                // for this call. The explicit length keeps a NUL inside alarm text from cutting it short;
                // an empty string goes through withCString because an empty buffer may have no base
                // address, and a null pointer would bind SQL NULL.
                var copy = text
                code = copy.withUTF8 { bytes in
                    guard let base = bytes.baseAddress, !bytes.isEmpty else {
                        return tocsin_sqlite3_bind_text_transient(pointer, index, "", 0)
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                        tocsin_sqlite3_bind_text_transient(pointer, index, $0, Int32(bytes.count))
                    }
                }
            }
            guard code == SQLITE_OK else { throw failure(code) }
        }
    }

    /// Advances to the next row: true when there is one, false when the statement is done.
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(pointer) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw failure(sqlite3_extended_errcode(database))
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(pointer, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(pointer, column) }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(pointer, column)) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(pointer, column) }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(pointer, column) else { return "" }
        let count = Int(sqlite3_column_bytes(pointer, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }

    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }

    func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }

    private func failure(_ code: Int32) -> StoreError {
        Database.classify(path: path, code: code, message: String(cString: sqlite3_errmsg(database)), operation: Database.operation(sql))
    }
}
