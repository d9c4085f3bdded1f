import HardenedXML
/// One element of a received CSTA document, reduced to what Tocsin reads: the local name (any
/// namespace prefix dropped, since real clients and servers misspell namespaces, csta.md §8), the
/// attributes by local name, the direct text, and the child elements in order.
public struct CSTAElement: Sendable, Hashable {
    public var name: String
    public var attributes: [String: String]
    /// Direct text content, as received (not trimmed): device IDs are echoed verbatim.
    public var text: String
    public var children: [CSTAElement]

    public init(name: String, attributes: [String: String] = [:], text: String = "", children: [CSTAElement] = []) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    /// The first child with this local name. The comparison ignores ASCII case, because field
    /// names vary even within one vendor's documentation (`deviceID`, `deviceId`).
    public func child(_ name: String) -> CSTAElement? {
        children.first { Self.sameName($0.name, name) }
    }

    /// The first child whose name is any of `names` (case-insensitively), in the children's order.
    public func child(anyOf names: [String]) -> CSTAElement? {
        children.first { child in names.contains { Self.sameName(child.name, $0) } }
    }

    public func children(_ name: String) -> [CSTAElement] {
        children.filter { Self.sameName($0.name, name) }
    }

    /// Follows a path of child names.
    public func descendant(_ path: String...) -> CSTAElement? {
        var current: CSTAElement? = self
        for name in path { current = current?.child(name) }
        return current
    }

    /// Every element below this one with this name, depth first in document order.
    public func descendants(named name: String) -> [CSTAElement] {
        var found: [CSTAElement] = []
        for child in children {
            if Self.sameName(child.name, name) { found.append(child) }
            found.append(contentsOf: child.descendants(named: name))
        }
        return found
    }

    /// The text with surrounding XML whitespace removed, nil when nothing remains. Pretty-printed
    /// documents wrap every value in indentation; inner characters are kept as they are.
    public var value: String? {
        let trimmed = text.trimmingXMLWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The trimmed text of the named child.
    public func value(of name: String) -> String? {
        child(name)?.value
    }

    static func sameName(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.lowercased() == rhs.lowercased()
    }
}

