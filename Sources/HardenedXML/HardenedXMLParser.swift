// HardenedXML owns the one way Tocsin lets libxml2 read a document from a peer (ESPA-X, CSTA):
// no network, no DTD, no entity substitution, libxml2's default limits, a stop at the first
// `<!DOCTYPE`, nothing printed on stderr. It knows no protocol: the callers walk the tree and map
// the failures to their own error codes. The size cap is the caller's, checked before parsing.

import CLibXML2

/// Why a document was refused.
public enum HardenedXMLFailure: Error, Equatable, Sendable {
    case notWellFormed(reason: String, line: Int, column: Int)
    /// A `<!DOCTYPE`, refused before any of its declarations is read.
    case documentTypeDeclaration
    /// Well formed, but without a root element.
    case noRootElement
}

public enum HardenedXMLParser {
    // libxml2 must be initialised once before parsing from several threads.
    private static let initialised: Bool = {
        xmlInitParser()
        return true
    }()

    private static let options: Int32 = Int32(bitPattern:
        XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue)

    /// Parses `bytes` and hands the root element to `body` while the document is alive.
    public static func withRootElement<Result>(
        of bytes: [UInt8],
        _ body: (xmlNodePtr) -> Result
    ) -> Swift.Result<Result, HardenedXMLFailure> {
        guard !bytes.isEmpty else { return .failure(.notWellFormed(reason: "empty document", line: 1, column: 1)) }
        _ = initialised
        return bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { start in
                parse(start, count: Int32(buffer.count), body)
            }
        }
    }

    private static func parse<Result>(
        _ start: UnsafePointer<CChar>,
        count: Int32,
        _ body: (xmlNodePtr) -> Result
    ) -> Swift.Result<Result, HardenedXMLFailure> {
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
        guard let root = xmlDocGetRootElement(document) else { return .failure(.noRootElement) }
        return .success(body(root))
    }

    private static func lastError(of context: xmlParserCtxtPtr) -> HardenedXMLFailure {
        guard let error = xmlCtxtGetLastError(context) else {
            return .notWellFormed(reason: "document rejected by libxml2", line: 0, column: 0)
        }
        let message = error.pointee.message.map { String(cString: $0).trimmingXMLWhitespace() } ?? "document rejected by libxml2"
        return .notWellFormed(reason: message, line: Int(error.pointee.line), column: Int(error.pointee.int2))
    }
}

extension String {
    /// Without the XML white space (space, tab, CR, LF) at either end; other Unicode spaces stay.
    public func trimmingXMLWhitespace() -> String {
        let isWhitespace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
              let last = scalars.lastIndex(where: { !isWhitespace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
