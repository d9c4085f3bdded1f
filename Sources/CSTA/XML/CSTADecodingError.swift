/// Why a received CSTA document could not be read. The framing is intact when this happens, so the
/// caller logs it and carries on; a request whose answer was unreadable times out.
public enum CSTADecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    case documentTooLarge(size: Int, limit: Int)
    case emptyDocument
    case notWellFormed(reason: String, line: Int, column: Int)
    /// A `<!DOCTYPE`: refused before any entity declaration is read.
    case documentTypeDeclaration
    /// A message lacks a field Tocsin needs, named by its path from the root.
    case missingField(message: String, path: String)

    public var description: String {
        switch self {
        case .documentTooLarge(let size, let limit):
            "CSTA document of \(size) bytes exceeds the limit of \(limit) bytes"
        case .emptyDocument:
            "CSTA frame holds no XML document"
        case .notWellFormed(let reason, let line, let column):
            "CSTA document is not well-formed XML at line \(line), column \(column): \(reason)"
        case .documentTypeDeclaration:
            "CSTA document carries a DOCTYPE, which is refused (no DTD is ever loaded)"
        case .missingField(let message, let path):
            "CSTA \(message) lacks its required field \(path)"
        }
    }
}
