// TOML's integer and float syntax: decimal with `_` between digits and no leading zeros, signless
// `0x`/`0o`/`0b` integers, and floats with a fraction and/or an exponent. Integers are 64-bit signed;
// anything larger is an error rather than a silently different number.

enum TOMLNumber {
    /// Parses a word that starts with a sign or a digit and is not a date, `inf` or `nan`.
    static func parse(_ word: String, line: Int) throws(TOMLError) -> TOMLValue.Content {
        func invalid(_ because: String) -> TOMLError {
            TOMLError(line: line, reason: .invalidNumber(word, because: because))
        }
        var body = Substring(word)
        var sign: Character?
        if let first = body.first, first == "+" || first == "-" {
            sign = first
            body = body.dropFirst()
        }
        for (prefix, radix, name) in [("0x", 16, "hexadecimal"), ("0o", 8, "octal"), ("0b", 2, "binary")] where body.hasPrefix(prefix) {
            guard sign == nil else { throw invalid("a sign is not allowed on \(name) integers") }
            let digits = try self.digits(body.dropFirst(2), radix: radix, name: name, invalid: invalid)
            guard let value = Int64(digits, radix: radix) else {
                throw TOMLError(line: line, reason: .integerOverflow(word))
            }
            return .integer(value)
        }
        if body.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            return .float(try float(body, negative: sign == "-", word: word, line: line, invalid: invalid))
        }
        let digits = try decimalIntegerPart(body, invalid: invalid)
        guard let value = Int64((sign == "-" ? "-" : "") + digits) else {
            throw TOMLError(line: line, reason: .integerOverflow(word))
        }
        return .integer(value)
    }

    private static func float(
        _ body: Substring, negative: Bool, word: String, line: Int, invalid: (String) -> TOMLError
    ) throws(TOMLError) -> Double {
        var mantissa = body
        var exponent: Substring?
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[body.index(after: e)...]
        }
        var integerPart = mantissa
        var fraction: Substring?
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        var text = negative ? "-" : ""
        guard !integerPart.isEmpty else { throw invalid("a float needs a digit before the decimal point") }
        text += try decimalIntegerPart(integerPart, invalid: invalid)
        if let fraction {
            guard !fraction.isEmpty else { throw invalid("a float needs a digit after the decimal point") }
            text += "." + (try digits(fraction, radix: 10, name: "decimal", invalid: invalid))
        }
        if var exponent {
            text += "e"
            if let first = exponent.first, first == "+" || first == "-" {
                text.append(first)
                exponent = exponent.dropFirst()
            }
            guard !exponent.isEmpty else { throw invalid("the exponent has no digits") }
            text += try digits(exponent, radix: 10, name: "decimal", invalid: invalid)
        }
        guard let value = Double(text) else { throw invalid("not a float") }
        guard value.isFinite else { throw TOMLError(line: line, reason: .floatOutOfRange(word)) }
        return value
    }

    /// Decimal digits without leading zeros: `0` alone is fine, `007` is not (it would read as octal elsewhere).
    private static func decimalIntegerPart(_ part: Substring, invalid: (String) -> TOMLError) throws(TOMLError) -> String {
        let digits = try digits(part, radix: 10, name: "decimal", invalid: invalid)
        if digits.count > 1, digits.first == "0" { throw invalid("leading zeros are not allowed") }
        return digits
    }

    /// The digits of `part` without its underscores, each of which must sit between two digits.
    private static func digits(
        _ part: Substring, radix: Int, name: String, invalid: (String) -> TOMLError
    ) throws(TOMLError) -> String {
        guard !part.isEmpty else { throw invalid("there are no digits") }
        var digits = ""
        var afterDigit = false
        for character in part {
            if character == "_" {
                guard afterDigit else { throw invalid("an underscore must sit between two digits") }
                afterDigit = false
                continue
            }
            guard let value = character.hexDigitValue, value < radix, character.isASCII else {
                throw invalid("'\(character)' is not a \(name) digit")
            }
            digits.append(character)
            afterDigit = true
        }
        guard afterDigit else { throw invalid("an underscore must sit between two digits") }
        return digits
    }
}
