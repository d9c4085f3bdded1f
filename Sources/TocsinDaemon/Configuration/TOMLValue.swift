// The parsed form of a TOML document, as the configuration reader sees it: every value and every key
// carries the line it was written on, so that each problem in a configuration file can be reported
// with its line. Tables keep their keys in document order so that problems come out top-down.

/// One TOML value and the line where it starts.
struct TOMLValue: Sendable, Equatable {
    enum Content: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    var content: Content
    var line: Int

    /// How an integrator would name this kind of value in an error ("expected an integer, found a string").
    var kindDescription: String {
        switch content {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A TOML table: its entries in the order they were written, each with the line of its key.
struct TOMLTable: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var key: String
        /// The line of the key, or of the `[header]` / first `[[header]]` that introduced a table.
        var line: Int
        var value: TOMLValue
    }

    var entries: [Entry] = []

    subscript(key: String) -> Entry? {
        entries.first { $0.key == key }
    }

    var keys: [String] { entries.map(\.key) }
}
