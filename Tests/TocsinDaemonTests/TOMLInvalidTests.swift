import Testing
@testable import TocsinDaemon

/// One document TOML 1.0 forbids, the line the error must name, and why.
struct InvalidTOML: Sendable, CustomTestStringConvertible {
    var document: String
    var line: Int
    var reason: TOMLError.Reason

    init(_ document: String, line: Int = 1, _ reason: TOMLError.Reason) {
        self.document = document
        self.line = line
        self.reason = reason
    }

    var testDescription: String { document.debugDescription }
}

@Suite("TOML: invalid documents")
struct TOMLInvalidTests {
    static let definitions: [InvalidTOML] = [
        .init("a = 1\na = 2", line: 2, .duplicateKey("a", firstLine: 1)),
        .init("[t]\nb = 1\n\n[t]", line: 4, .tableRedefined("t", firstLine: 1)),
        .init("[a.b]\n[a]\n[a]", line: 3, .tableRedefined("a", firstLine: 2)),
        .init("a.b = 1\n[a]", line: 2, .tableRedefined("a", firstLine: 1)),
        .init("[fruit]\napple.color = 'red'\n[fruit.apple]", line: 3, .tableRedefined("fruit.apple", firstLine: 2)),
        .init("[a.b.c]\nz = 9\n[a]\nb.c.t = 9", line: 4, .dottedKeyIntoDefinedTable("a.b", firstLine: 1)),
        .init("[a]\nb = 1\n[c]\n[a.b]", line: 4, .notATable("a.b", isA: "an integer", firstLine: 2)),
        .init("a = 1\na.b = 2", line: 2, .notATable("a", isA: "an integer", firstLine: 1)),
        .init("a.b = 1\na.b.c = 2", line: 2, .notATable("a.b", isA: "an integer", firstLine: 1)),
        .init("a = 'x'\n[a.b]", line: 2, .notATable("a", isA: "a string", firstLine: 1)),
        .init("[[a]]\n[[a]]\nb = 1\n[a.b]", line: 4, .notATable("a.b", isA: "an integer", firstLine: 3)),
        .init("a = {x = 1}\na.y = 2", line: 2, .inlineTableExtended("a", firstLine: 1)),
        .init("a = {x = 1}\n[a.b]", line: 2, .inlineTableExtended("a", firstLine: 1)),
        .init("a = {x = 1}\n[a]", line: 2, .inlineTableExtended("a", firstLine: 1)),
        .init("a = {x = {y = 1}}\n[a.x]", line: 2, .inlineTableExtended("a", firstLine: 1)),
        .init("a = []\n[[a]]", line: 2, .staticArrayExtended("a", firstLine: 1)),
        .init("a = [{b = 1}]\n[[a]]", line: 2, .staticArrayExtended("a", firstLine: 1)),
        .init("[[a]]\n[a]", line: 2, .tableKindConflict("a", firstLine: 1)),
        .init("[a]\n[[a]]", line: 2, .tableKindConflict("a", firstLine: 1)),
        .init("[[a]]\nb.c = 1\nb.c = 2", line: 3, .duplicateKey("a.b.c", firstLine: 2)),
        .init("t = {b = 1, b = 2}", .duplicateKey("b", firstLine: 1)),
        .init("[a]\nb = 1\n[a.b.c]", line: 3, .notATable("a.b", isA: "an integer", firstLine: 2)),
        .init("\"a b\" = 1\n'a b' = 2", line: 2, .duplicateKey("\"a b\"", firstLine: 1)),
        .init("a = 1\n[x]\n[a.b]", line: 3, .notATable("a", isA: "an integer", firstLine: 1)),
        .init("[a]\nx.y = 1\n[a.x]", line: 3, .tableRedefined("a.x", firstLine: 2)),
    ]

    static let strings: [InvalidTOML] = [
        .init("a = \"abc", .unterminatedString),
        .init("a = 'abc", .unterminatedString),
        .init("a = \"abc\\", .unterminatedString),
        .init("a = \"abc\nb = 1", .newlineInString),
        .init("a = 'abc\nb = 1", .newlineInString),
        .init("a = \"abc\r\n", .newlineInString),
        .init("x = 1\na = \"\"\"\nabc\n", line: 2, .unterminatedString),
        .init("x = 1\n\na = '''abc\n''", line: 3, .unterminatedString),
        .init("a = \"\\x41\"", .invalidEscape("\\x")),
        .init("a = \"\\e\"", .invalidEscape("\\e")),
        .init("a = \"\\ \"", .invalidEscape("\\ ")),
        .init("a = \"\\u12\"", .invalidEscape("\\u12…; \\u takes exactly 4 hexadecimal digits")),
        .init("a = \"\\U0001F51\"", .invalidEscape("\\U0001F51…; \\U takes exactly 8 hexadecimal digits")),
        .init("a = \"\\uD800\"", .invalidUnicodeEscape("\\uD800")),
        .init("a = \"\\U00110000\"", .invalidUnicodeEscape("\\U00110000")),
        .init("a = \"\"\"\nok\n\\q\"\"\"", line: 3, .invalidEscape("\\q")),
        .init("a = \"x\u{01}\"", .controlCharacter(0x01, context: "a string")),
        .init("a = 'x\u{0}'", .controlCharacter(0x00, context: "a string")),
        .init("a = \"\"\"x\u{7F}\"\"\"", .controlCharacter(0x7F, context: "a multi-line string")),
        .init("a = '''\n\u{1B}'''", line: 2, .controlCharacter(0x1B, context: "a multi-line string")),
        .init("a = \"\"\"x\ry\"\"\"", .bareCarriageReturn),
        .init("g = '''''''''", .unexpectedCharacter(found: "\"'\"", expected: "the end of the line")),
        .init("\"\"\"key\"\"\" = 1", .multilineKey),
        .init("'''key''' = 1", .multilineKey),
        .init("a = \"\"\"x\"\"\"\"\"\"", .unexpectedCharacter(found: "'\"'", expected: "the end of the line")),
    ]

    static let numbers: [InvalidTOML] = [
        .init("a = 9223372036854775808", .integerOverflow("9223372036854775808")),
        .init("a = -9223372036854775809", .integerOverflow("-9223372036854775809")),
        .init("a = 0x8000000000000000", .integerOverflow("0x8000000000000000")),
        .init("a = 0b1_0000000000000000000000000000000000000000000000000000000000000000", .integerOverflow("0b1_0000000000000000000000000000000000000000000000000000000000000000")),
        .init("a = 01", .invalidNumber("01", because: "leading zeros are not allowed")),
        .init("a = -01", .invalidNumber("-01", because: "leading zeros are not allowed")),
        .init("a = 0_1", .invalidNumber("0_1", because: "leading zeros are not allowed")),
        .init("a = 00.5", .invalidNumber("00.5", because: "leading zeros are not allowed")),
        .init("a = 1__2", .invalidNumber("1__2", because: "an underscore must sit between two digits")),
        .init("a = 1_", .invalidNumber("1_", because: "an underscore must sit between two digits")),
        .init("a = 0x_1", .invalidNumber("0x_1", because: "an underscore must sit between two digits")),
        .init("a = 1_.5", .invalidNumber("1_.5", because: "an underscore must sit between two digits")),
        .init("a = 1._5", .invalidNumber("1._5", because: "an underscore must sit between two digits")),
        .init("a = +0x1", .invalidNumber("+0x1", because: "a sign is not allowed on hexadecimal integers")),
        .init("a = -0o7", .invalidNumber("-0o7", because: "a sign is not allowed on octal integers")),
        .init("a = 0xG1", .invalidNumber("0xG1", because: "'G' is not a hexadecimal digit")),
        .init("a = 0o8", .invalidNumber("0o8", because: "'8' is not a octal digit")),
        .init("a = 0b102", .invalidNumber("0b102", because: "'2' is not a binary digit")),
        .init("a = 0x", .invalidNumber("0x", because: "there are no digits")),
        .init("a = 0X1F", .invalidNumber("0X1F", because: "'X' is not a decimal digit")),
        .init("a = 1.", .invalidNumber("1.", because: "a float needs a digit after the decimal point")),
        .init("a = 1.e5", .invalidNumber("1.e5", because: "a float needs a digit after the decimal point")),
        .init("a = +.5", .invalidNumber("+.5", because: "a float needs a digit before the decimal point")),
        .init("a = 1e", .invalidNumber("1e", because: "the exponent has no digits")),
        .init("a = 1e+", .invalidNumber("1e+", because: "the exponent has no digits")),
        .init("a = 1.2.3", .invalidNumber("1.2.3", because: "'.' is not a decimal digit")),
        .init("a = 1e2.5", .invalidNumber("1e2.5", because: "'.' is not a decimal digit")),
        .init("a = 12-34", .invalidNumber("12-34", because: "'-' is not a decimal digit")),
        .init("a = ++1", .invalidNumber("++1", because: "'+' is not a decimal digit")),
        .init("a = 1e400", .floatOutOfRange("1e400")),
        .init("a = -1e400", .floatOutOfRange("-1e400")),
        .init("a = .1", .invalidValue(".1")),
        .init("a = _1", .invalidValue("_1")),
        .init("a = infinity", .invalidValue("infinity")),
        .init("a = NaN", .invalidValue("NaN")),
    ]

    static let values: [InvalidTOML] = [
        .init("a = yes", .invalidValue("yes")),
        .init("a = TRUE", .invalidValue("TRUE")),
        .init("a = truthy", .invalidValue("truthy")),
        .init("host = localhost", .invalidValue("localhost")),
        .init("a = 1979-05-27", .dateTimeNotSupported("1979-05-27")),
        .init("a = 07:32:00", .dateTimeNotSupported("07:32:00")),
        .init("a = 1979-05-27T07:32:00Z", .dateTimeNotSupported("1979-05-27T07:32:00Z")),
        .init("a = 1979-05-27 07:32:00", .dateTimeNotSupported("1979-05-27")),
        .init("a =", .missingValue(key: "a")),
        .init("a =   # comment", .missingValue(key: "a")),
        .init("a.\"b c\" =\nd = 1", .missingValue(key: "a.\"b c\"")),
        .init("a = @", .unexpectedCharacter(found: "'@'", expected: "a value")),
        .init("a = [1, 2", .unexpectedEnd(expected: "] to close the array that starts at line 1")),
        .init("a = [\n1,\n2,\n", line: 4, .unexpectedEnd(expected: "] to close the array that starts at line 1")),
        .init("a = [1 2]", .unexpectedCharacter(found: "'2'", expected: ", or ] in the array that starts at line 1")),
        .init("a = [,]", .unexpectedCharacter(found: "','", expected: "a value")),
        .init("a = [1,,2]", .unexpectedCharacter(found: "','", expected: "a value")),
        .init("a = {x = 1,}", .trailingCommaInInlineTable),
        .init("a = {x = 1\n}", .newlineInInlineTable),
        .init("a = {\nx = 1}", .newlineInInlineTable),
        .init("a = {x = 1, # c\n}", .newlineInInlineTable),
        .init("a = {x = 1", .unexpectedEnd(expected: "} to close the inline table that starts at line 1")),
        .init("a = {x}", .unexpectedCharacter(found: "'}'", expected: "= after the key x")),
        .init("a = {x = }", .missingValue(key: "x")),
        .init("a = {x = 1 y = 2}", .unexpectedCharacter(found: "'y'", expected: ", or } in the inline table that starts at line 1")),
        .init(String(repeating: "[", count: 100), .unexpectedCharacter(found: "'['", expected: "a key (letters, digits, _ and -, or a quoted key)")),
        .init("a = " + String(repeating: "[", count: 100), .nestingTooDeep),
        .init("a = " + String(repeating: "{b = ", count: 100), .nestingTooDeep),
        .init(String(repeating: "a.", count: 100) + "b = 1", .nestingTooDeep),
        .init("[" + String(repeating: "a.", count: 100) + "b]", .nestingTooDeep),
    ]

    static let structure: [InvalidTOML] = [
        .init("a = 1 b = 2", .unexpectedCharacter(found: "'b'", expected: "the end of the line")),
        .init("a = 1\rb = 2", .bareCarriageReturn),
        .init("a = 1 # comment\rb = 2", .bareCarriageReturn),
        .init("# comment \u{7F}", .controlCharacter(0x7F, context: "a comment")),
        .init("x = 1\n# comment \u{0}", line: 2, .controlCharacter(0x00, context: "a comment")),
        .init("a", .unexpectedEnd(expected: "= after the key a")),
        .init("a b = 1", .unexpectedCharacter(found: "'b'", expected: "= after the key a")),
        .init("a. = 1", .unexpectedCharacter(found: "'='", expected: "a key (letters, digits, _ and -, or a quoted key)")),
        .init("= 1", .unexpectedCharacter(found: "'='", expected: "a key (letters, digits, _ and -, or a quoted key)")),
        .init("schlüssel = 1", .unexpectedCharacter(found: "'ü'", expected: "= after the key schl")),
        .init("a = 1\n\u{FEFF}b = 2", line: 2, .unexpectedCharacter(found: "'\u{FEFF}'", expected: "a key (letters, digits, _ and -, or a quoted key)")),
        .init("[a", .unexpectedEnd(expected: "] to close the [table] header")),
        .init("[a\n]", .unexpectedCharacter(found: "a line break", expected: "] to close the [table] header")),
        .init("[]", .unexpectedCharacter(found: "']'", expected: "a key (letters, digits, _ and -, or a quoted key)")),
        .init("[a]]", .unexpectedCharacter(found: "']'", expected: "the end of the line")),
        .init("[a] b = 1", .unexpectedCharacter(found: "'b'", expected: "the end of the line")),
        .init("[[a]", .unexpectedEnd(expected: "]] to close the [[array of tables]] header")),
        .init("[[a] ]", .unexpectedCharacter(found: "' '", expected: "]] to close the [[array of tables]] header")),
        .init("x = 1\n[ [a]]", line: 2, .unexpectedCharacter(found: "'['", expected: "a key (letters, digits, _ and -, or a quoted key)")),
    ]

    @Test("tables and keys are defined once, closed tables stay closed", arguments: definitions)
    func definition(_ case: InvalidTOML) {
        expectError(`case`)
    }

    @Test("strings: unterminated, bad escapes, control characters", arguments: strings)
    func string(_ case: InvalidTOML) {
        expectError(`case`)
    }

    @Test("numbers: overflow, leading zeros, misplaced underscores, signs, bad digits", arguments: numbers)
    func number(_ case: InvalidTOML) {
        expectError(`case`)
    }

    @Test("values: bare words, dates, missing values, broken arrays and inline tables", arguments: values)
    func value(_ case: InvalidTOML) {
        expectError(`case`)
    }

    @Test("line structure: garbage after values, bare CR, broken headers", arguments: structure)
    func lineStructure(_ case: InvalidTOML) {
        expectError(`case`)
    }

    private func expectError(_ invalid: InvalidTOML, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = TOML.error(invalid.document)
        #expect(error == TOMLError(line: invalid.line, reason: invalid.reason), sourceLocation: sourceLocation)
    }

    @Test("messages name what is wrong and how to fix it")
    func messages() {
        #expect(TOML.error("a = 1\na = 2")?.message == "duplicate key; first defined at line 1")
        #expect(TOML.error("a = 1\na = 2")?.key == "a")
        #expect(TOML.error("a = \"abc")?.message == "unterminated string; close the quote before the end of the file")
        #expect(TOML.error("a = \"abc")?.key == nil)
        #expect(TOML.error("a = \"\\x\"")?.message == #"invalid escape \x; the escapes are \b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX (use a 'literal string' for backslashes)"#)
        #expect(TOML.error("a = 99999999999999999999")?.message == "integer 99999999999999999999 does not fit in 64 bits")
        #expect(TOML.error("a = \"x\u{1}\"")?.message == "control character U+0001 in a string; write it as an escape in a basic string")
        #expect(TOML.error("a = 1979-05-27")?.message == "1979-05-27 is a date or time; no configuration key takes one (quote it if you meant a string)")
        #expect(TOML.error("a = on")?.message == "on is not a value; strings need quotes, booleans are true or false")
        #expect(TOML.error("[a]\n[a]")?.message == "table defined twice; first defined at line 1")
        #expect(TOML.error("a = 1\rb")?.message == "carriage return without a line feed; lines must end with LF or CRLF")
        #expect(TOML.error("a = " + String(repeating: "[", count: 65))?.message == "keys, arrays or inline tables are nested more than 64 levels deep")
    }
}
