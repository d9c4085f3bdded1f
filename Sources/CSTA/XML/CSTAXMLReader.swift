import CLibXML2
import HardenedXML

/// Reads a CSTA document with libxml2 into a `CSTAElement` tree, hardened: the size is capped
/// before parsing, the parser never touches the network (`XML_PARSE_NONET`), never loads a DTD,
/// never substitutes entities, keeps libxml2's default depth and size limits (no
/// `XML_PARSE_HUGE`), stops at the first `<!DOCTYPE`, and reports nothing on stderr.
///
/// Names are read by local name: Uni-tel sends no namespace and writes `vendorData:` prefixes that
/// it never binds, and other peers misspell namespace URIs, so namespaces carry no meaning here.
public struct CSTAXMLReader: Sendable {
    public let maximumDocumentSize: Int

    public init(maximumDocumentSize: Int = CSTAFrame.annexJMaximumFrameLength) {
        self.maximumDocumentSize = maximumDocumentSize
    }

    public func read(_ bytes: [UInt8]) throws(CSTADecodingError) -> CSTAElement {
        if bytes.count > maximumDocumentSize {
            throw .documentTooLarge(size: bytes.count, limit: maximumDocumentSize)
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw .emptyDocument
        }
        switch HardenedXMLParser.withRootElement(of: bytes, Self.element) {
        case .success(let element): return element
        case .failure(.notWellFormed(let reason, let line, let column)): throw .notWellFormed(reason: reason, line: line, column: column)
        case .failure(.documentTypeDeclaration): throw .documentTypeDeclaration
        case .failure(.noRootElement): throw .emptyDocument
        }
    }

    private static func element(_ node: xmlNodePtr) -> CSTAElement {
        var result = CSTAElement(name: localName(node.pointee.name))
        var attribute = node.pointee.properties
        while let current = attribute {
            let name = localName(current.pointee.name)
            var value = ""
            var child = current.pointee.children
            while let text = child {
                if let content = text.pointee.content { value += String(cString: content) }
                child = text.pointee.next
            }
            if result.attributes[name] == nil { result.attributes[name] = value }
            attribute = current.pointee.next
        }
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                result.children.append(element(current))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { result.text += String(cString: content) }
            default:
                break
            }
            child = current.pointee.next
        }
        return result
    }

    private static func localName(_ name: UnsafePointer<xmlChar>?) -> String {
        let name = name.map { String(cString: $0) } ?? ""
        // A prefix left unbound (Uni-tel's `vendorData:`) stays in the name; match locally.
        if let colon = name.lastIndex(of: ":") { return String(name[name.index(after: colon)...]) }
        return name
    }
}
