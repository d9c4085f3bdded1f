// TOML's rules on where a key or a table may be defined: a table is defined once, a key once, dotted
// keys may only extend tables that dotted keys made, inline tables and static arrays are closed, and
// `[[name]]` appends to an array of tables. The parser reports what it read; this decides whether the
// document may say it, and builds the `TOMLTable` tree.

/// A table while the document is being read. A reference type, because headers and dotted keys reach
/// back into tables made earlier.
final class TOMLTableNode {
    /// How the table came to exist; it decides what may still add to it.
    enum Origin {
        /// Made as a parent by a header (`[a]` for `[a.b]`); a later `[a]` may still define it.
        case implicit
        /// Defined by `[header]`, or an element of `[[header]]`.
        case header
        /// Made by dotted keys (`a.b = 1` makes `a`); only more dotted keys may add to it.
        case dotted
    }

    enum Slot {
        case value(TOMLValue, keyLine: Int)
        case table(TOMLTableNode, keyLine: Int)
        case tableArray([TOMLTableNode], keyLine: Int)
    }

    var origin: Origin
    /// Where the table was defined (or first made, when implicit).
    var line: Int
    private(set) var slots: [String: Slot] = [:]
    private(set) var order: [String] = []

    init(origin: Origin, line: Int) {
        self.origin = origin
        self.line = line
    }

    subscript(key: String) -> Slot? {
        get { slots[key] }
        set {
            if slots[key] == nil { order.append(key) }
            slots[key] = newValue
        }
    }

    /// The finished, immutable table.
    func build() -> TOMLTable {
        var table = TOMLTable()
        for key in order {
            switch slots[key]! {
            case .value(let value, let keyLine):
                table.entries.append(.init(key: key, line: keyLine, value: value))
            case .table(let node, let keyLine):
                table.entries.append(.init(key: key, line: keyLine, value: TOMLValue(content: .table(node.build()), line: node.line)))
            case .tableArray(let nodes, let keyLine):
                let elements = nodes.map { TOMLValue(content: .table($0.build()), line: $0.line) }
                table.entries.append(.init(key: key, line: keyLine, value: TOMLValue(content: .array(elements), line: keyLine)))
            }
        }
        return table
    }
}

/// Tracks the table that key/value lines currently go into, and applies the definition rules.
struct TOMLTableBuilder {
    let root = TOMLTableNode(origin: .header, line: 1)
    private(set) var current: TOMLTableNode
    private(set) var currentPath: [String] = []

    init() {
        current = root
    }

    /// `[parts]`: defines a table and makes it current.
    mutating func defineTable(_ parts: [String], line: Int) throws(TOMLError) {
        let parent = try Self.descendForHeader(from: root, through: parts.dropLast(), line: line)
        let key = parts.last!
        let path = Self.display(parts)
        switch parent[key] {
        case nil:
            let node = TOMLTableNode(origin: .header, line: line)
            parent[key] = .table(node, keyLine: line)
            current = node
        case .table(let node, _):
            switch node.origin {
            case .implicit:
                node.origin = .header
                node.line = line
                parent[key] = .table(node, keyLine: line)
                current = node
            case .header, .dotted:
                throw TOMLError(line: line, reason: .tableRedefined(path, firstLine: node.line))
            }
        case .tableArray(_, let keyLine):
            throw TOMLError(line: line, reason: .tableKindConflict(path, firstLine: keyLine))
        case .value(let value, let keyLine):
            throw Self.valueInTheWay(value, keyLine: keyLine, path: path, line: line)
        }
        currentPath = parts
    }

    /// `[[parts]]`: appends a new table to an array of tables and makes it current.
    mutating func appendTableArrayElement(_ parts: [String], line: Int) throws(TOMLError) {
        let parent = try Self.descendForHeader(from: root, through: parts.dropLast(), line: line)
        let key = parts.last!
        let path = Self.display(parts)
        let node = TOMLTableNode(origin: .header, line: line)
        switch parent[key] {
        case nil:
            parent[key] = .tableArray([node], keyLine: line)
        case .tableArray(let nodes, let keyLine):
            parent[key] = .tableArray(nodes + [node], keyLine: keyLine)
        case .table(let existing, _):
            throw TOMLError(line: line, reason: .tableKindConflict(path, firstLine: existing.line))
        case .value(let value, let keyLine):
            if case .array = value.content {
                throw TOMLError(line: line, reason: .staticArrayExtended(path, firstLine: keyLine))
            }
            throw Self.valueInTheWay(value, keyLine: keyLine, path: path, line: line)
        }
        current = node
        currentPath = parts
    }

    /// `parts = value` in the current table.
    func assign(_ parts: [String], value: TOMLValue, line: Int) throws(TOMLError) {
        try Self.assign(parts, value: value, line: line, in: current, under: currentPath)
    }

    /// `parts = value` in `table`, whose own path is `prefix` (for messages only).
    static func assign(_ parts: [String], value: TOMLValue, line: Int, in table: TOMLTableNode, under prefix: [String]) throws(TOMLError) {
        var node = table
        var path = prefix
        for part in parts.dropLast() {
            path.append(part)
            switch node[part] {
            case nil:
                let child = TOMLTableNode(origin: .dotted, line: line)
                node[part] = .table(child, keyLine: line)
                node = child
            case .table(let child, _):
                guard child.origin == .dotted else {
                    throw TOMLError(line: line, reason: .dottedKeyIntoDefinedTable(display(path), firstLine: child.line))
                }
                node = child
            case .tableArray(_, let keyLine):
                throw TOMLError(line: line, reason: .notATable(display(path), isA: "an array of tables", firstLine: keyLine))
            case .value(let existing, let keyLine):
                throw valueInTheWay(existing, keyLine: keyLine, path: display(path), line: line)
            }
        }
        let key = parts.last!
        path.append(key)
        if let existing = node[key] {
            let firstLine: Int
            switch existing {
            case .value(_, let keyLine), .tableArray(_, let keyLine): firstLine = keyLine
            case .table(let child, _): firstLine = child.line
            }
            throw TOMLError(line: line, reason: .duplicateKey(display(path), firstLine: firstLine))
        }
        node[key] = .value(value, keyLine: line)
    }

    /// Walks a header's parent path, making implicit tables and entering the last element of arrays of tables.
    private static func descendForHeader(from root: TOMLTableNode, through parts: ArraySlice<String>, line: Int) throws(TOMLError) -> TOMLTableNode {
        var node = root
        var path: [String] = []
        for part in parts {
            path.append(part)
            switch node[part] {
            case nil:
                let child = TOMLTableNode(origin: .implicit, line: line)
                node[part] = .table(child, keyLine: line)
                node = child
            case .table(let child, _):
                node = child
            case .tableArray(let nodes, _):
                node = nodes.last!
            case .value(let value, let keyLine):
                throw valueInTheWay(value, keyLine: keyLine, path: display(path), line: line)
            }
        }
        return node
    }

    private static func valueInTheWay(_ value: TOMLValue, keyLine: Int, path: String, line: Int) -> TOMLError {
        if case .table = value.content {
            return TOMLError(line: line, reason: .inlineTableExtended(path, firstLine: keyLine))
        }
        return TOMLError(line: line, reason: .notATable(path, isA: value.kindDescription, firstLine: keyLine))
    }

    /// A key path as it would be written in the file: bare parts as they are, others quoted.
    static func display(_ parts: [String]) -> String {
        parts.map { part in
            let bare = !part.isEmpty && part.utf8.allSatisfy(TOMLParser.isBareKeyByte)
            if bare { return part }
            var quoted = "\""
            for scalar in part.unicodeScalars {
                switch scalar {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case "\n": quoted += "\\n"
                case "\t": quoted += "\\t"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        quoted += "\\u" + TOMLError.hex(scalar.value, width: 4)
                    } else {
                        quoted.unicodeScalars.append(scalar)
                    }
                }
            }
            return quoted + "\""
        }.joined(separator: ".")
    }
}
