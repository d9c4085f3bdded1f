import CLibXML2
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import ESPAX

/// Validates documents against the ESPA-X XSD in `shared/` beside the repository, with libxml2's
/// schema validator (what `xmllint --schema` runs). The schema is parsed once; validation contexts
/// are not shared between threads, so calls are serialised.
final class SchemaValidator: Sendable {
    static let schemaPath: String = {
        // #filePath is …/Tests/ESPAXTests/SchemaValidator.swift; shared/ sits beside the repository.
        // realpath: the test folder may be reached through a symlink from a scratch package.
        let resolved = realpath(#filePath, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? #filePath
        var components = resolved.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)
        return components.joined(separator: "/") + "/../shared/protocols/espa-x/espa-x_v1.xsd"
    }()

    static let shared = SchemaValidator()

    private let schema: Mutex<xmlSchemaPtr?>

    private init() {
        xmlInitParser()
        let parserContext = xmlSchemaNewParserCtxt(Self.schemaPath)
        let parsed = parserContext.flatMap { xmlSchemaParse($0) }
        if let parserContext { xmlSchemaFreeParserCtxt(parserContext) }
        schema = Mutex(parsed)
    }

    var isLoaded: Bool { schema.withLock { $0 != nil } }

    /// The schema errors for one document; empty when it is valid.
    func errors(in xml: String) -> [String] {
        schema.withLock { schemaPointer -> [String] in
            guard let schemaPointer else { return ["schema not loaded from \(Self.schemaPath)"] }
            let bytes = Array(xml.utf8)
            let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
            let document = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    xmlReadMemory($0, Int32(buffer.count), nil, "UTF-8", options)
                }
            }
            guard let document else { return ["document is not well-formed XML"] }
            defer { xmlFreeDoc(document) }
            guard let context = xmlSchemaNewValidCtxt(schemaPointer) else { return ["no validation context"] }
            defer { xmlSchemaFreeValidCtxt(context) }
            let collector = ErrorCollector()
            let box = Unmanaged.passRetained(collector)
            defer { box.release() }
            let callback: xmlStructuredErrorFunc = { userData, error in
                guard let userData, let error else { return }
                let collector = Unmanaged<ErrorCollector>.fromOpaque(userData).takeUnretainedValue()
                let message = error.pointee.message.map { String(cString: $0) } ?? "unknown schema error"
                collector.messages.append("line \(error.pointee.line): \(message)")
            }
            xmlSchemaSetValidStructuredErrors(context, callback, box.toOpaque())
            let result = xmlSchemaValidateDoc(context, document)
            if result != 0 && collector.messages.isEmpty { collector.messages.append("validation failed with code \(result)") }
            return collector.messages
        }
    }
}

private final class ErrorCollector {
    var messages: [String] = []
}

/// Fails the test, naming the schema errors, when a document does not validate.
func expectValid(_ message: ESPAXServerMessage, timestamp: Date? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    let xml = message.xml(timestamp: timestamp)
    let errors = SchemaValidator.shared.errors(in: xml)
    #expect(errors.isEmpty, "\(message.name) does not validate: \(errors)\n\(xml)", sourceLocation: sourceLocation)
    #expect(xml.utf8.allSatisfy { $0 < 0x80 }, "\(message.name) is not ASCII-safe", sourceLocation: sourceLocation)
    #expect(message.frame(timestamp: timestamp).totalLength <= EXFrame.maximumOutgoingLength, sourceLocation: sourceLocation)
}

/// Validates every message an action list sends.
func expectAllValid(_ actions: [ESPAXAction], sourceLocation: SourceLocation = #_sourceLocation) {
    for case .send(let message, _) in actions {
        expectValid(message, sourceLocation: sourceLocation)
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
