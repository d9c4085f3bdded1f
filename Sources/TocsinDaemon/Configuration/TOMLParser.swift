// A strict reader for the TOML 1.0 subset a configuration file needs: comments, bare, quoted and
// dotted keys, `[table]`, `[[array of tables]]`, the four kinds of string, integers, floats, booleans,
// arrays and inline tables. Dates and times are rejected with a clear message because no key takes
// one. Hand-written because the TOML packages import full Foundation (ICU in the static binary), and
// because every error must name its line.

/// Reads a TOML document into a `TOMLTable`, or throws the first syntax or definition error.
struct TOMLParser {
    /// Deep enough for any sane file, shallow enough that a hostile one cannot exhaust the stack.
    static let maximumNesting = 64

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var builder = TOMLTableBuilder()

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(bytes: Array(text.utf8))
        try parser.parseDocument()
        return parser.builder.root.build()
    }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    // MARK: Document structure

    private mutating func parseDocument() throws(TOMLError) {
        // A byte order mark is not TOML, but editors on Windows write one; it carries no meaning.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while true {
            skipSpaces()
            guard let byte = peek() else { return }
            switch byte {
            case ascii("#"), ascii("\n"), ascii("\r"):
                break
            case ascii("["):
                try parseHeader()
            default:
                let keyLine = line
                let parts = try parseKey()
                let value = try parseAssignedValue(to: builder.currentPath + parts, insideInlineTable: false)
                try builder.assign(parts, value: value, line: keyLine)
            }
            try finishLine()
        }
    }

    /// After a header or a key/value pair: optional spaces and comment, then a line end or the end of the file.
    private mutating func finishLine() throws(TOMLError) {
        skipSpaces()
        if peek() == ascii("#") { try skipComment() }
        guard let byte = peek() else { return }
        guard byte == ascii("\n") || byte == ascii("\r") else {
            throw unexpected(expected: "the end of the line")
        }
        try consumeNewline()
    }

    private mutating func parseHeader() throws(TOMLError) {
        let headerLine = line
        let isArray = peek(at: 1) == ascii("[")
        index += isArray ? 2 : 1
        skipSpaces()
        let parts = try parseKey()
        skipSpaces()
        if isArray {
            guard peek() == ascii("]"), peek(at: 1) == ascii("]") else {
                // Point at the character that should have been the second bracket.
                if peek() == ascii("]") { index += 1 }
                throw unexpected(expected: "]] to close the [[array of tables]] header")
            }
            index += 2
            try builder.appendTableArrayElement(parts, line: headerLine)
        } else {
            guard peek() == ascii("]") else { throw unexpected(expected: "] to close the [table] header") }
            index += 1
            try builder.defineTable(parts, line: headerLine)
        }
    }

    // MARK: Keys

    /// A key: simple keys joined by dots, with optional spaces around the dots.
    private mutating func parseKey() throws(TOMLError) -> [String] {
        var parts = [try parseSimpleKey()]
        while true {
            let save = index
            skipSpaces()
            guard peek() == ascii(".") else {
                index = save
                return parts
            }
            index += 1
            skipSpaces()
            parts.append(try parseSimpleKey())
            // Tables are built and read recursively; an absurdly deep key must not exhaust the stack.
            guard parts.count <= Self.maximumNesting else { throw TOMLError(line: line, reason: .nestingTooDeep) }
        }
    }

    private mutating func parseSimpleKey() throws(TOMLError) -> String {
        switch peek() {
        case ascii("\""):
            if peek(at: 1) == ascii("\""), peek(at: 2) == ascii("\"") { throw TOMLError(line: line, reason: .multilineKey) }
            return try parseBasicString()
        case ascii("'"):
            if peek(at: 1) == ascii("'"), peek(at: 2) == ascii("'") { throw TOMLError(line: line, reason: .multilineKey) }
            return try parseLiteralString()
        default:
            let start = index
            while let byte = peek(), Self.isBareKeyByte(byte) { index += 1 }
            guard index > start else { throw unexpected(expected: "a key (letters, digits, _ and -, or a quoted key)") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
    }

    // MARK: Values

    /// The `= value` after a key; `parts` is the key's full path, for messages.
    private mutating func parseAssignedValue(to parts: [String], insideInlineTable: Bool, depth: Int = 0) throws(TOMLError) -> TOMLValue {
        skipSpaces()
        guard peek() == ascii("=") else {
            throw unexpected(expected: "= after the key \(TOMLTableBuilder.display(parts))")
        }
        index += 1
        skipSpaces()
        switch peek() {
        case nil, ascii("\n"), ascii("\r"), ascii("#"):
            throw TOMLError(line: line, reason: .missingValue(key: TOMLTableBuilder.display(parts)))
        case ascii(","), ascii("}"):
            guard insideInlineTable else { return try parseValue(depth: depth) }
            throw TOMLError(line: line, reason: .missingValue(key: TOMLTableBuilder.display(parts)))
        default:
            return try parseValue(depth: depth)
        }
    }

    private mutating func parseValue(depth: Int) throws(TOMLError) -> TOMLValue {
        let startLine = line
        guard let byte = peek() else { throw TOMLError(line: line, reason: .unexpectedEnd(expected: "a value")) }
        let content: TOMLValue.Content
        switch byte {
        case ascii("\""):
            if peek(at: 1) == ascii("\""), peek(at: 2) == ascii("\"") {
                content = .string(try parseMultilineBasicString())
            } else {
                content = .string(try parseBasicString())
            }
        case ascii("'"):
            if peek(at: 1) == ascii("'"), peek(at: 2) == ascii("'") {
                content = .string(try parseMultilineLiteralString())
            } else {
                content = .string(try parseLiteralString())
            }
        case ascii("["):
            content = .array(try parseArray(depth: depth + 1))
        case ascii("{"):
            content = .table(try parseInlineTable(depth: depth + 1))
        default:
            content = try parseWord()
        }
        return TOMLValue(content: content, line: startLine)
    }

    /// Booleans, numbers, `inf` and `nan`: everything written without quotes or brackets.
    private mutating func parseWord() throws(TOMLError) -> TOMLValue.Content {
        let start = index
        while let byte = peek(), Self.isWordByte(byte) { index += 1 }
        guard index > start else { throw unexpected(expected: "a value") }
        let word = String(decoding: bytes[start..<index], as: UTF8.self)
        switch word {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if Self.looksLikeDateTime(word) {
            throw TOMLError(line: line, reason: .dateTimeNotSupported(word))
        }
        guard let first = word.utf8.first, first == ascii("+") || first == ascii("-") || Self.isDecimalDigit(first) else {
            throw TOMLError(line: line, reason: .invalidValue(word))
        }
        return try TOMLNumber.parse(word, line: line)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == ascii("+") || byte == ascii(".") || byte == ascii(":")
    }

    private static func isDecimalDigit(_ byte: UInt8) -> Bool {
        byte >= ascii("0") && byte <= ascii("9")
    }

    /// `1979-05-27`, `07:32:00` and their combinations.
    private static func looksLikeDateTime(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        if utf8.contains(ascii(":")) { return true }
        return utf8.count >= 5 && utf8[0..<4].allSatisfy(isDecimalDigit) && utf8[4] == ascii("-")
    }

    private mutating func parseArray(depth: Int) throws(TOMLError) -> [TOMLValue] {
        guard depth <= Self.maximumNesting else { throw TOMLError(line: line, reason: .nestingTooDeep) }
        let startLine = line
        index += 1
        var values: [TOMLValue] = []
        while true {
            try skipBlankLinesAndComments()
            guard let byte = peek() else {
                throw TOMLError(line: line, reason: .unexpectedEnd(expected: "] to close the array that starts at line \(startLine)"))
            }
            if byte == ascii("]") {
                index += 1
                return values
            }
            values.append(try parseValue(depth: depth))
            try skipBlankLinesAndComments()
            switch peek() {
            case nil:
                throw TOMLError(line: line, reason: .unexpectedEnd(expected: "] to close the array that starts at line \(startLine)"))
            case ascii(","):
                index += 1
            case ascii("]"):
                index += 1
                return values
            default:
                throw unexpected(expected: ", or ] in the array that starts at line \(startLine)")
            }
        }
    }

    private mutating func parseInlineTable(depth: Int) throws(TOMLError) -> TOMLTable {
        guard depth <= Self.maximumNesting else { throw TOMLError(line: line, reason: .nestingTooDeep) }
        let startLine = line
        index += 1
        let table = TOMLTableNode(origin: .header, line: startLine)
        skipSpaces()
        if peek() == ascii("}") {
            index += 1
            return table.build()
        }
        while true {
            try rejectLineEndInInlineTable(startLine: startLine)
            let keyLine = line
            let parts = try parseKey()
            let value = try parseAssignedValue(to: parts, insideInlineTable: true, depth: depth)
            try TOMLTableBuilder.assign(parts, value: value, line: keyLine, in: table, under: [])
            skipSpaces()
            try rejectLineEndInInlineTable(startLine: startLine)
            switch peek() {
            case ascii(","):
                index += 1
                skipSpaces()
                if peek() == ascii("}") { throw TOMLError(line: line, reason: .trailingCommaInInlineTable) }
            case ascii("}"):
                index += 1
                return table.build()
            default:
                throw unexpected(expected: ", or } in the inline table that starts at line \(startLine)")
            }
        }
    }

    private func rejectLineEndInInlineTable(startLine: Int) throws(TOMLError) {
        switch peek() {
        case nil:
            throw TOMLError(line: line, reason: .unexpectedEnd(expected: "} to close the inline table that starts at line \(startLine)"))
        case ascii("\n"), ascii("\r"), ascii("#"):
            throw TOMLError(line: line, reason: .newlineInInlineTable)
        default:
            return
        }
    }

    // MARK: Strings

    private mutating func parseBasicString() throws(TOMLError) -> String {
        index += 1
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw TOMLError(line: line, reason: .unterminatedString) }
            switch byte {
            case ascii("\""):
                index += 1
                return String(decoding: text, as: UTF8.self)
            case ascii("\\"):
                try parseEscape(into: &text)
            case ascii("\n"), ascii("\r"):
                throw TOMLError(line: line, reason: .newlineInString)
            default:
                try checkNotControl(byte, context: "a string")
                text.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseLiteralString() throws(TOMLError) -> String {
        index += 1
        let start = index
        while true {
            guard let byte = peek() else { throw TOMLError(line: line, reason: .unterminatedString) }
            switch byte {
            case ascii("'"):
                defer { index += 1 }
                return String(decoding: bytes[start..<index], as: UTF8.self)
            case ascii("\n"), ascii("\r"):
                throw TOMLError(line: line, reason: .newlineInString)
            default:
                try checkNotControl(byte, context: "a string")
                index += 1
            }
        }
    }

    private mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        // An unclosed multi-line string runs to the end of the file; its opening line is what to fix.
        let startLine = line
        index += 3
        try trimNewlineAfterOpeningDelimiter()
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw TOMLError(line: startLine, reason: .unterminatedString) }
            switch byte {
            case ascii("\""):
                if closeMultiline(quote: byte, into: &text) { return String(decoding: text, as: UTF8.self) }
            case ascii("\\"):
                if try skipLineEndingBackslash() { continue }
                try parseEscape(into: &text)
            case ascii("\n"), ascii("\r"):
                try consumeNewline()
                text.append(ascii("\n"))
            default:
                try checkNotControl(byte, context: "a multi-line string")
                text.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        // An unclosed multi-line string runs to the end of the file; its opening line is what to fix.
        let startLine = line
        index += 3
        try trimNewlineAfterOpeningDelimiter()
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw TOMLError(line: startLine, reason: .unterminatedString) }
            switch byte {
            case ascii("'"):
                if closeMultiline(quote: byte, into: &text) { return String(decoding: text, as: UTF8.self) }
            case ascii("\n"), ascii("\r"):
                try consumeNewline()
                text.append(ascii("\n"))
            default:
                try checkNotControl(byte, context: "a multi-line string")
                text.append(byte)
                index += 1
            }
        }
    }

    private mutating func trimNewlineAfterOpeningDelimiter() throws(TOMLError) {
        if peek() == ascii("\n") || peek() == ascii("\r") { try consumeNewline() }
    }

    /// At a run of quotes inside a multi-line string: three close it, and up to two more just before
    /// the closing three belong to the content. Returns whether the string is closed.
    private mutating func closeMultiline(quote: UInt8, into text: inout [UInt8]) -> Bool {
        var run = 0
        while peek(at: run) == quote { run += 1 }
        if run < 3 {
            text.append(contentsOf: repeatElement(quote, count: run))
            index += run
            return false
        }
        // A longer run leaves its excess quotes after the string, where they are reported as garbage.
        let taken = min(run, 5)
        text.append(contentsOf: repeatElement(quote, count: taken - 3))
        index += taken
        return true
    }

    /// A backslash at the end of a line in a multi-line basic string swallows the line break and the
    /// whitespace after it. Returns false (consuming nothing) when the backslash starts an escape.
    private mutating func skipLineEndingBackslash() throws(TOMLError) -> Bool {
        var ahead = 1
        while let byte = peek(at: ahead), byte == ascii(" ") || byte == ascii("\t") { ahead += 1 }
        guard let byte = peek(at: ahead), byte == ascii("\n") || byte == ascii("\r") else { return false }
        index += ahead
        while let byte = peek() {
            switch byte {
            case ascii(" "), ascii("\t"): index += 1
            case ascii("\n"), ascii("\r"): try consumeNewline()
            default: return true
            }
        }
        return true
    }

    private mutating func parseEscape(into text: inout [UInt8]) throws(TOMLError) {
        guard let letter = peek(at: 1) else { throw TOMLError(line: line, reason: .unterminatedString) }
        let simple: UInt8? = switch letter {
        case ascii("b"): 0x08
        case ascii("t"): 0x09
        case ascii("n"): 0x0A
        case ascii("f"): 0x0C
        case ascii("r"): 0x0D
        case ascii("\""): ascii("\"")
        case ascii("\\"): ascii("\\")
        default: nil
        }
        if let simple {
            text.append(simple)
            index += 2
            return
        }
        guard letter == ascii("u") || letter == ascii("U") else {
            throw TOMLError(line: line, reason: .invalidEscape("\\" + describeByte(at: index + 1, quoted: false)))
        }
        let width = letter == ascii("u") ? 4 : 8
        var code: UInt32 = 0
        var written = "\\" + String(UnicodeScalar(letter))
        for offset in 0..<width {
            guard let digit = peek(at: 2 + offset), let value = Self.hexValue(digit) else {
                throw TOMLError(line: line, reason: .invalidEscape(written + "…; \\\(UnicodeScalar(letter)) takes exactly \(width) hexadecimal digits"))
            }
            code = code << 4 | UInt32(value)
            written.append(Character(UnicodeScalar(digit)))
        }
        guard let scalar = Unicode.Scalar(code) else {
            throw TOMLError(line: line, reason: .invalidUnicodeEscape(written))
        }
        text.append(contentsOf: String(Character(scalar)).utf8)
        index += 2 + width
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case ascii("0")...ascii("9"): byte - ascii("0")
        case ascii("a")...ascii("f"): byte - ascii("a") + 10
        case ascii("A")...ascii("F"): byte - ascii("A") + 10
        default: nil
        }
    }

    private func checkNotControl(_ byte: UInt8, context: String) throws(TOMLError) {
        if (byte < 0x20 && byte != 0x09) || byte == 0x7F {
            throw TOMLError(line: line, reason: .controlCharacter(byte, context: context))
        }
    }

    // MARK: Whitespace, comments, line ends

    private mutating func skipSpaces() {
        while let byte = peek(), byte == ascii(" ") || byte == ascii("\t") { index += 1 }
    }

    /// From `#` to just before the line end.
    private mutating func skipComment() throws(TOMLError) {
        index += 1
        while let byte = peek(), byte != ascii("\n"), byte != ascii("\r") {
            try checkNotControl(byte, context: "a comment")
            index += 1
        }
    }

    private mutating func skipBlankLinesAndComments() throws(TOMLError) {
        while let byte = peek() {
            switch byte {
            case ascii(" "), ascii("\t"): index += 1
            case ascii("#"): try skipComment()
            case ascii("\n"), ascii("\r"): try consumeNewline()
            default: return
            }
        }
    }

    /// At LF or CR: consumes LF or CRLF and counts the line; a lone CR is an error.
    private mutating func consumeNewline() throws(TOMLError) {
        if peek() == ascii("\r") {
            guard peek(at: 1) == ascii("\n") else { throw TOMLError(line: line, reason: .bareCarriageReturn) }
            index += 1
        }
        index += 1
        line += 1
    }

    // MARK: Bytes

    private func peek(at offset: Int = 0) -> UInt8? {
        let position = index + offset
        return position < bytes.count ? bytes[position] : nil
    }

    private func unexpected(expected: String) -> TOMLError {
        guard index < bytes.count else { return TOMLError(line: line, reason: .unexpectedEnd(expected: expected)) }
        return TOMLError(line: line, reason: .unexpectedCharacter(found: describeByte(at: index, quoted: true), expected: expected))
    }

    /// The character at `position`, as an integrator would recognise it in an editor.
    private func describeByte(at position: Int, quoted: Bool) -> String {
        guard position < bytes.count else { return "the end of the file" }
        let byte = bytes[position]
        switch byte {
        case ascii("\n"), ascii("\r"): return "a line break"
        case ascii("\t"): return "a tab"
        case 0..<0x20, 0x7F: return "control character U+" + TOMLError.hex(UInt32(byte), width: 4)
        default: break
        }
        var end = position + 1
        while end < bytes.count, end < position + 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let character = String(decoding: bytes[position..<end], as: UTF8.self)
        guard quoted else { return character }
        return character == "'" ? "\"'\"" : "'\(character)'"
    }
}

private func ascii(_ scalar: Unicode.Scalar) -> UInt8 {
    UInt8(ascii: scalar)
}
