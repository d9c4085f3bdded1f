import CLibXML2

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

    // libxml2 must be initialised once before parsing from several threads.
    private static let initialised: Bool = {
        xmlInitParser()
        return true
    }()

    private static let options: Int32 = Int32(bitPattern:
        XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue)

    public func read(_ bytes: [UInt8]) throws(CSTADecodingError) -> CSTAElement {
        if bytes.count > maximumDocumentSize {
            throw .documentTooLarge(size: bytes.count, limit: maximumDocumentSize)
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw .emptyDocument
        }
        _ = Self.initialised
        let result: Result<CSTAElement, CSTADecodingError> = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { start in
                Self.parse(start, count: Int32(buffer.count))
            }
        }
        return try result.get()
    }

    private static func parse(_ start: UnsafePointer<CChar>, count: Int32) -> Result<CSTAElement, CSTADecodingError> {
        guard let context = xmlNewParserCtxt() else {
            return .failure(.notWellFormed(reason: "libxml2 could not create a parser", line: 0, column: 0))
        }
        defer { xmlFreeParserCtxt(context) }
        // The context owns its SAX handler copy, so these changes stay local to this parse.
        if let sax = context.pointee.sax {
            let stopAtDoctype: internalSubsetSAXFunc = { userData, _, _, _ in
                xmlStopParser(userData?.assumingMemoryBound(to: xmlParserCtxt.self))
            }
            sax.pointee.internalSubset = stopAtDoctype
            sax.pointee.externalSubset = nil
            sax.pointee.resolveEntity = nil
            sax.pointee.entityDecl = nil
        }
        let parsed = xmlCtxtReadMemory(context, start, count, nil, nil, options)
        defer { if let parsed { xmlFreeDoc(parsed) } }
        if context.pointee.errNo == Int32(XML_ERR_USER_STOP.rawValue) {
            return .failure(.documentTypeDeclaration)
        }
        guard context.pointee.wellFormed != 0, let document = parsed else {
            return .failure(lastError(of: context))
        }
        if document.pointee.intSubset != nil || document.pointee.extSubset != nil {
            return .failure(.documentTypeDeclaration)
        }
        guard let root = xmlDocGetRootElement(document) else { return .failure(.emptyDocument) }
        return .success(element(root))
    }

    private static func lastError(of context: xmlParserCtxtPtr) -> CSTADecodingError {
        guard let error = xmlCtxtGetLastError(context) else {
            return .notWellFormed(reason: "document rejected by libxml2", line: 0, column: 0)
        }
        let message = error.pointee.message.map { String(cString: $0).trimmingXMLWhitespace() } ?? "document rejected by libxml2"
        return .notWellFormed(reason: message, line: Int(error.pointee.line), column: Int(error.pointee.int2))
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
