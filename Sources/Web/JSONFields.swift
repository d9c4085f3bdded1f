import Hummingbird

/// The fields of a JSON request body, read with the type each one must have. Every refusal names
/// the field. Unknown fields are refused too: a misspelt `"priorty"` silently falling back to
/// `Standard` is how an emergency gets paged as routine.
struct JSONFields {
    /// The largest request body the API reads; alarm texts and directory entries are far smaller.
    static let maximumBodySize = 64 * 1024

    private let pairs: [(String, JSONValue)]

    init(_ value: JSONValue, allowed: Set<String>) throws(APIError) {
        guard case .object(let pairs) = value else {
            throw .invalid(field: nil, message: "the request body must be a JSON object, not \(value.kindName)")
        }
        if let unknown = pairs.map(\.0).sorted().first(where: { !allowed.contains($0) }) {
            throw .invalid(field: unknown, message: "unknown field \(unknown); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        self.pairs = pairs
    }

    /// Reads and parses the body. An empty body counts as `{}` when `emptyAllowed` (the optional
    /// bodies of acknowledge and end).
    static func read(_ request: Request, allowed: Set<String>, emptyAllowed: Bool = false) async throws(APIError) -> JSONFields {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBodySize)
        } catch {
            throw .tooLarge(limit: maximumBodySize)
        }
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            if emptyAllowed { return try JSONFields(.object([]), allowed: allowed) }
            throw .invalid(field: nil, message: "the request body is empty; a JSON object is required")
        }
        return try JSONFields(try JSONValue.parse(bytes), allowed: allowed)
    }

    private func value(_ key: String) -> JSONValue? {
        guard let value = pairs.first(where: { $0.0 == key })?.1 else { return nil }
        // An explicit null means the same as leaving the field out.
        if case .null = value { return nil }
        return value
    }

    func contains(_ key: String) -> Bool { value(key) != nil }

    /// The value as given, explicit null included: for fields where null means "remove".
    func given(_ key: String) -> JSONValue? { pairs.first(where: { $0.0 == key })?.1 }

    func string(_ key: String) throws(APIError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else {
            throw .invalid(field: key, message: "\(key) must be a string, not \(value.kindName)")
        }
        return text
    }

    /// A string that must be present and hold something other than white space.
    func requiredText(_ key: String) throws(APIError) -> String {
        guard let text = try string(key) else { throw .invalid(field: key, message: "\(key) is required") }
        guard !text.allSatisfy(\.isWhitespace) else { throw .invalid(field: key, message: "\(key) must not be empty") }
        return text
    }

    /// An optional string that, when given, must not be blank.
    func optionalText(_ key: String) throws(APIError) -> String? {
        guard let text = try string(key) else { return nil }
        guard !text.allSatisfy(\.isWhitespace) else { throw .invalid(field: key, message: "\(key) must not be empty") }
        return text
    }

    func integer(_ key: String) throws(APIError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard case .int(let number) = value else {
            throw .invalid(field: key, message: "\(key) must be an integer, not \(value.kindName)")
        }
        return number
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let number = try integer(key) else { return nil }
        guard number >= range.lowerBound, number <= range.upperBound else {
            throw .invalid(field: key, message: "\(key) must be between \(range.lowerBound) and \(range.upperBound), not \(number)")
        }
        return Int(number)
    }

    func integers(_ key: String) throws(APIError) -> [Int64]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else {
            throw .invalid(field: key, message: "\(key) must be an array of integers, not \(value.kindName)")
        }
        var numbers: [Int64] = []
        for item in items {
            guard case .int(let number) = item else {
                throw .invalid(field: key, message: "\(key) must be an array of integers; found \(item.kindName)")
            }
            numbers.append(number)
        }
        return numbers
    }

    /// A string that must be one of a fixed set of words (compared case-insensitively).
    func word<Word>(_ key: String, _ parse: (String) -> Word?, allowed: [String]) throws(APIError) -> Word? {
        guard let text = try string(key) else { return nil }
        guard let word = parse(text) else {
            throw .invalid(field: key, message: "\(key) must be one of \(allowed.joined(separator: ", ")), not \"\(text)\"")
        }
        return word
    }
}
