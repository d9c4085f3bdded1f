@testable import TocsinDaemon

/// Shorthands that keep the TOML tests about the document, not the tree walking.
enum TOML {
    static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        try TOMLParser.parse(text)
    }

    /// The error `text` fails with, or nil when it parses.
    static func error(_ text: String) -> TOMLError? {
        do {
            _ = try TOMLParser.parse(text)
            return nil
        } catch {
            return error
        }
    }
}

extension TOMLTable {
    /// The value at a dotted path of plain keys (no quoting), or nil.
    func value(at path: String) -> TOMLValue? {
        var table = self
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for part in parts.dropLast() {
            guard case .table(let child)? = table[part]?.value.content else { return nil }
            table = child
        }
        return table[parts.last!]?.value
    }

    func content(at path: String) -> TOMLValue.Content? {
        value(at: path)?.content
    }
}
