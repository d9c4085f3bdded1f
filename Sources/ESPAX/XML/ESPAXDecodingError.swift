/// Why a framed document could not be read as an ESPA-X message. `responseCode` is what the server
/// answers in `IND.ERROR`; the connection stays up in every case.
public enum ESPAXDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The document is bigger than the parser's cap; it was not parsed at all.
    case documentTooLarge(size: Int, limit: Int)
    /// libxml2 rejected the document; `line` and `column` point into it.
    case notWellFormed(reason: String, line: Int, column: Int)
    /// The document declares a DOCTYPE. ESPA-X never needs one, and refusing it before its
    /// internal subset is read is what keeps entity expansion and external entities out.
    case documentTypeDeclaration
    /// The root element is not `ESPA-X`.
    case unexpectedRoot(name: String)
    /// The `ESPA-X` root holds no message element.
    case missingMessage
    /// The `ESPA-X` root holds more than one message element; the XSD allows exactly one.
    case severalMessages(names: [String])

    /// 601 for documents that are not acceptable XML, 602 for well-formed XML that is no message.
    public var responseCode: ESPAXResponseCode {
        switch self {
        case .documentTooLarge, .notWellFormed, .documentTypeDeclaration: .notWellFormed
        case .unexpectedRoot, .missingMessage, .severalMessages: .invalidMessage
        }
    }

    public var description: String {
        switch self {
        case .documentTooLarge(let size, let limit):
            "XML document of \(size) bytes exceeds the \(limit)-byte limit and was not parsed"
        case .notWellFormed(let reason, let line, let column):
            "XML not well-formed at line \(line), column \(column): \(reason)"
        case .documentTypeDeclaration:
            "XML document declares a DOCTYPE; ESPA-X documents must not carry a DTD"
        case .unexpectedRoot(let name):
            "root element is <\(name)>, expected <ESPA-X>"
        case .missingMessage:
            "<ESPA-X> holds no message element"
        case .severalMessages(let names):
            "<ESPA-X> holds \(names.count) message elements (\(names.joined(separator: ", "))), expected exactly one"
        }
    }
}
