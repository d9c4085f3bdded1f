import Alarming

/// A group's escalation chain in JSON, both ways: `{"delay", "noAnswerTime", "numbers",
/// "answerAcknowledges"}`, or null for a group that does not escalate. Refusals name the field
/// inside the chain (`escalation.numbers`), as `EscalationChain.violation` does.
enum EscalationRepresentation {
    static let fields: Set<String> = ["delay", "noAnswerTime", "numbers", "answerAcknowledges"]

    static func json(_ chain: EscalationChain?) -> JSONValue {
        guard let chain else { return .null }
        return .object([
            ("delay", .int(Int64(chain.delay))),
            ("noAnswerTime", .int(Int64(chain.noAnswerTime))),
            ("numbers", .array(chain.numbers.map(JSONValue.string))),
            ("answerAcknowledges", .bool(chain.answerAcknowledges)),
        ])
    }

    /// The chain a request asks for: `.some(nil)` for an explicit null (remove it), nil when the
    /// request leaves it alone. `delay` and `numbers` are required; the others keep their defaults.
    static func read(_ value: JSONValue?) throws(APIError) -> EscalationChain?? {
        guard let value else { return nil }
        if case .null = value { return .some(nil) }
        guard case .object(let pairs) = value else {
            throw .invalid(field: "escalation", message: "escalation must be an object or null, not \(value.kindName)")
        }
        if let unknown = pairs.map(\.0).sorted().first(where: { !fields.contains($0) }) {
            throw .invalid(field: "escalation.\(unknown)", message: "unknown field escalation.\(unknown); allowed: \(fields.sorted().joined(separator: ", "))")
        }
        func field(_ key: String) -> JSONValue? {
            guard let value = pairs.first(where: { $0.0 == key })?.1 else { return nil }
            if case .null = value { return nil }
            return value
        }
        func integer(_ key: String) throws(APIError) -> Int? {
            guard let value = field(key) else { return nil }
            guard case .int(let number) = value, let small = Int(exactly: number), small >= Int(Int32.min), small <= Int(Int32.max) else {
                throw .invalid(field: "escalation.\(key)", message: "escalation.\(key) must be an integer number of seconds, not \(value.kindName)")
            }
            return small
        }
        guard let delay = try integer("delay") else {
            throw .invalid(field: "escalation.delay", message: "escalation.delay is required (seconds from the alarm to the first call)")
        }
        guard let numbersValue = field("numbers") else {
            throw .invalid(field: "escalation.numbers", message: "escalation.numbers is required (the numbers called in turn)")
        }
        guard case .array(let items) = numbersValue else {
            throw .invalid(field: "escalation.numbers", message: "escalation.numbers must be an array of strings, not \(numbersValue.kindName)")
        }
        var numbers: [String] = []
        for item in items {
            guard case .string(let number) = item else {
                throw .invalid(field: "escalation.numbers", message: "escalation.numbers must be an array of strings; found \(item.kindName)")
            }
            numbers.append(number)
        }
        var chain = EscalationChain(delay: delay, numbers: numbers)
        if let noAnswerTime = try integer("noAnswerTime") { chain.noAnswerTime = noAnswerTime }
        if let flag = field("answerAcknowledges") {
            guard case .bool(let answerAcknowledges) = flag else {
                throw .invalid(field: "escalation.answerAcknowledges", message: "escalation.answerAcknowledges must be true or false, not \(flag.kindName)")
            }
            chain.answerAcknowledges = answerAcknowledges
        }
        if let violation = chain.violation { throw .from(violation) }
        return .some(chain)
    }
}
