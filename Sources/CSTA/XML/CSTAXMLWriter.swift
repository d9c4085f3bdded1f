import HardenedXML
/// Builds the XML documents Tocsin sends. Text and attribute values are escaped, and the characters
/// XML 1.0 forbids (most C0 controls, including NUL, which would also split a NUL-delimited frame)
/// become spaces. Everything else, Cyrillic names included, goes out as UTF-8: both PBX dialects
/// declare UTF-8, and the Annex J.2 length counts the UTF-8 bytes.
struct CSTAXMLWriter {
    private(set) var output = ""

    static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    init(declaration: Bool) {
        if declaration { output = Self.declaration }
    }

    var bytes: [UInt8] { Array(output.utf8) }

    /// Opens an element; `namespace` becomes its default namespace when given.
    mutating func open(_ name: String, namespace: String? = nil, attributes: [(String, String)] = []) {
        output += "<" + name
        if let namespace { output += #" xmlns=""# + Self.escaped(namespace, inAttribute: true) + #"""# }
        for (attribute, value) in attributes {
            output += " " + attribute + #"=""# + Self.escaped(value, inAttribute: true) + #"""#
        }
        output += ">"
    }

    mutating func close(_ name: String) {
        output += "</" + name + ">"
    }

    /// Writes `<name attributes>text</name>`.
    mutating func element(_ name: String, _ text: String, attributes: [(String, String)] = []) {
        open(name, attributes: attributes)
        output += Self.escaped(text, inAttribute: false)
        close(name)
    }

    /// Writes an element with no content as `<name/>`.
    mutating func empty(_ name: String, namespace: String? = nil) {
        output += "<" + name
        if let namespace { output += #" xmlns=""# + Self.escaped(namespace, inAttribute: true) + #"""# }
        output += "/>"
    }

    static func escaped(_ value: String, inAttribute: Bool) -> String {
        XMLText.escaped(value, inAttribute: inAttribute, nonASCII: .raw)
    }

    
}
