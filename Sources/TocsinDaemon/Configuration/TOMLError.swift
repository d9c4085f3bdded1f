// Why a TOML document could not be read, and where. The reader stops at the first syntax error: after
// one, the rest of the document cannot be trusted to mean what its author intended.

/// A TOML syntax or definition error at a line of the document.
struct TOMLError: Error, Sendable, Equatable {
    enum Reason: Sendable, Equatable {
        /// A character that cannot appear where it was found; `expected` says what could.
        case unexpectedCharacter(found: String, expected: String)
        /// The document ends where `expected` was still due.
        case unexpectedEnd(expected: String)
        /// A control character (other than tab) in a comment or string.
        case controlCharacter(UInt8, context: String)
        /// A carriage return that is not followed by a line feed.
        case bareCarriageReturn
        case unterminatedString
        case newlineInString
        case invalidEscape(String)
        /// A `\u` or `\U` escape whose code is not a Unicode scalar value (a surrogate, or beyond U+10FFFF).
        case invalidUnicodeEscape(String)
        case invalidNumber(String, because: String)
        case integerOverflow(String)
        case floatOutOfRange(String)
        /// TOML dates and times are valid TOML, but no configuration key takes one.
        case dateTimeNotSupported(String)
        /// A bare word where a value was expected (`yes`, `on`, an unquoted string).
        case invalidValue(String)
        case missingValue(key: String)
        case multilineKey
        case duplicateKey(String, firstLine: Int)
        case tableRedefined(String, firstLine: Int)
        /// Dotted keys or a header try to add to something that is not an open table.
        case notATable(String, isA: String, firstLine: Int)
        case inlineTableExtended(String, firstLine: Int)
        case staticArrayExtended(String, firstLine: Int)
        /// `[name]` where `name` is already an array of tables, or `[[name]]` where it is a table.
        case tableKindConflict(String, firstLine: Int)
        /// Dotted keys that reach into a table defined by a `[header]`, from outside its section.
        case dottedKeyIntoDefinedTable(String, firstLine: Int)
        case newlineInInlineTable
        case trailingCommaInInlineTable
        case nestingTooDeep
    }

    var line: Int
    var reason: Reason

    /// The key the error is about, when there is one.
    var key: String? {
        switch reason {
        case .missingValue(let key): key
        case .duplicateKey(let key, _), .tableRedefined(let key, _), .notATable(let key, _, _),
             .inlineTableExtended(let key, _), .staticArrayExtended(let key, _), .tableKindConflict(let key, _),
             .dottedKeyIntoDefinedTable(let key, _):
            key
        default: nil
        }
    }

    /// What is wrong, phrased so that an integrator can fix the file.
    var message: String {
        switch reason {
        case .unexpectedCharacter(let found, let expected):
            "unexpected \(found); expected \(expected)"
        case .unexpectedEnd(let expected):
            "the file ends where \(expected) was expected"
        case .controlCharacter(let byte, let context):
            "control character U+\(TOMLError.hex(UInt32(byte), width: 4)) in \(context); write it as an escape in a basic string"
        case .bareCarriageReturn:
            "carriage return without a line feed; lines must end with LF or CRLF"
        case .unterminatedString:
            "unterminated string; close the quote before the end of the file"
        case .newlineInString:
            "the string is not closed on its line; close the quote, or use \"\"\" for a multi-line string"
        case .invalidEscape(let escape):
            "invalid escape \(escape); the escapes are \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX (use a 'literal string' for backslashes)"
        case .invalidUnicodeEscape(let escape):
            "\(escape) is not a Unicode scalar value"
        case .invalidNumber(let text, let because):
            "invalid number \(text): \(because)"
        case .integerOverflow(let text):
            "integer \(text) does not fit in 64 bits"
        case .floatOutOfRange(let text):
            "float \(text) is out of range"
        case .dateTimeNotSupported(let text):
            "\(text) is a date or time; no configuration key takes one (quote it if you meant a string)"
        case .invalidValue(let text):
            "\(text) is not a value; strings need quotes, booleans are true or false"
        case .missingValue:
            "no value after ="
        case .multilineKey:
            "a key cannot be a multi-line string"
        case .duplicateKey(_, let first):
            "duplicate key; first defined at line \(first)"
        case .tableRedefined(_, let first):
            "table defined twice; first defined at line \(first)"
        case .notATable(_, let kind, let first):
            "already defined as \(kind) at line \(first), so it cannot hold keys"
        case .inlineTableExtended(_, let first):
            "the inline table defined at line \(first) is closed; keys cannot be added to it"
        case .staticArrayExtended(_, let first):
            "the array defined at line \(first) is a value; [[tables]] cannot be appended to it"
        case .tableKindConflict(_, let first):
            "defined at line \(first) with the other kind of header; use either [table] or [[array of tables]]"
        case .dottedKeyIntoDefinedTable(_, let first):
            "this table was defined by a header at line \(first); add the key under that header instead"
        case .newlineInInlineTable:
            "an inline table { … } must be on one line; use a [table] for longer ones"
        case .trailingCommaInInlineTable:
            "an inline table cannot end with a comma"
        case .nestingTooDeep:
            "keys, arrays or inline tables are nested more than \(TOMLParser.maximumNesting) levels deep"
        }
    }
}

extension TOMLError {
    /// Upper-case hexadecimal, zero-padded to `width` digits.
    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
