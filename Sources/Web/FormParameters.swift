import Hummingbird

/// The parameters of a Callisto-style call: the query string, and for POST an
/// `application/x-www-form-urlencoded` body, whose values win over the query's. Names are
/// case-sensitive, as in the manual (`usr_Name`).
struct FormParameters: Sendable {
    private(set) var values: [String: String] = [:]

    init(_ values: [String: String] = [:]) {
        self.values = values
    }

    static func read(_ request: Request, limit: Int = 64 * 1024) async throws -> FormParameters {
        var parameters = FormParameters()
        if let query = request.uri.query { parameters.merge(query) }
        if request.method == .post {
            let buffer = try await request.body.collect(upTo: limit)
            parameters.merge(String(buffer: buffer))
        }
        return parameters
    }

    /// A parameter's value; an empty value counts as absent, as Callisto treats `gr_id=`.
    subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    mutating func merge(_ encoded: String) {
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            guard !name.isEmpty else { continue }
            values[name] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
    }

    /// Percent-decoding with `+` as space. A `%` not followed by two hex digits stays as it is, so
    /// a stray percent sign in a status message survives.
    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
                      let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
