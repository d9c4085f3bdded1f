import CLibXML2
import HardenedXML

/// Reads an ESPA-X document with libxml2, hardened: the size is capped before parsing, the parser
/// never touches the network (`XML_PARSE_NONET`), never loads a DTD, never substitutes entities,
/// keeps libxml2's default limits (no `XML_PARSE_HUGE`), and stops at the first `<!DOCTYPE`, before
/// any entity declaration is read. It reports nothing on stderr.
public struct ESPAXXMLReader: Sendable {
    public let maximumDocumentSize: Int

    public init(maximumDocumentSize: Int = EXFrameDecoder.defaultMaximumMessageSize) {
        self.maximumDocumentSize = maximumDocumentSize
    }

    static let namespace = "http://ns.espa-x.org/espa-x"

    public func read(_ bytes: [UInt8]) throws(ESPAXDecodingError) -> ESPAXDocument {
        if bytes.count > maximumDocumentSize {
            throw .documentTooLarge(size: bytes.count, limit: maximumDocumentSize)
        }
        switch HardenedXMLParser.withRootElement(of: bytes, Self.readRoot) {
        case .success(let result): return try result.get()
        case .failure(.notWellFormed(let reason, let line, let column)): throw .notWellFormed(reason: reason, line: line, column: column)
        case .failure(.documentTypeDeclaration): throw .documentTypeDeclaration
        case .failure(.noRootElement): throw .missingMessage
        }
    }

    private static func readRoot(_ root: xmlNodePtr) -> Result<ESPAXDocument, ESPAXDecodingError> {
        let rootName = localName(root)
        guard rootName == "ESPA-X" else { return .failure(.unexpectedRoot(name: rootName)) }
        let messages = elementChildren(of: root)
        guard let message = messages.first else { return .failure(.missingMessage) }
        if messages.count > 1 { return .failure(.severalMessages(names: messages.map(localName))) }

        let rootAttributes = attributes(of: root)
        let messageAttributes = attributes(of: message)
        var fields: [String: String] = [:]
        for child in elementChildren(of: message) {
            let name = localName(child)
            // Vendor XML is no field of ours; a repeated field keeps its first value, as `xs:all`
            // allows each element once.
            if name == "PROPRIETARY" || fields[name] != nil { continue }
            if let value = ESPAXDocument.normalised(directText(of: child)) { fields[name] = value }
        }
        let namespaced = message.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) } == namespace
        return .success(ESPAXDocument(
            name: localName(message),
            invokeIDText: messageAttributes["invokeID"].map { $0.trimmingXMLWhitespace() }.flatMap { $0.isEmpty ? nil : $0 },
            sessionID: messageAttributes["sessionID"].flatMap(ESPAXDocument.normalised),
            fields: fields,
            version: rootAttributes["version"].map { $0.trimmingXMLWhitespace() },
            isNamespaced: namespaced
        ))
    }

    private static func localName(_ node: xmlNodePtr) -> String {
        let name = node.pointee.name.map { String(cString: $0) } ?? ""
        // A prefix left unbound by a sloppy client stays in the name; ESPA-X matches locally.
        if let colon = name.lastIndex(of: ":") { return String(name[name.index(after: colon)...]) }
        return name
    }

    private static func elementChildren(of node: xmlNodePtr) -> [xmlNodePtr] {
        var children: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { children.append(current) }
            child = current.pointee.next
        }
        return children
    }

    // Only text and CDATA nodes are read: with the DOCTYPE refused there is no entity reference to
    // expand, and nested elements are not part of a simple field.
    private static func directText(of node: xmlNodePtr) -> String {
        var text = ""
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE,
               let content = current.pointee.content {
                text += String(cString: content)
            }
            child = current.pointee.next
        }
        return text
    }

    private static func attributes(of node: xmlNodePtr) -> [String: String] {
        var result: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
            var name = current.pointee.name.map { String(cString: $0) } ?? ""
            if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
            var value = ""
            var child = current.pointee.children
            while let text = child {
                if let content = text.pointee.content { value += String(cString: content) }
                child = text.pointee.next
            }
            if result[name] == nil { result[name] = value }
            attribute = current.pointee.next
        }
        return result
    }
}
