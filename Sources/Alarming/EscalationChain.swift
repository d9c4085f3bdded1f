/// A group's escalation chain: when an alarm for the group is not acknowledged within `delay`
/// seconds of its arrival, Tocsin calls `numbers` one after the other through the PBX, giving each
/// `noAnswerTime` seconds to answer, until someone answers or the chain is exhausted.
public struct EscalationChain: Codable, Sendable, Hashable {
    /// Seconds from the alarm's arrival to the first call (T).
    public var delay: Int
    /// Seconds each call may ring before it is cleared and the next number is called (T2).
    public var noAnswerTime: Int
    /// The numbers to call, in order.
    public var numbers: [String]
    /// Whether an answered call also acknowledges the alarm. When false an answer only counts as
    /// reached: the chain stops and the alarm waits for an acknowledgement.
    public var answerAcknowledges: Bool

    public init(delay: Int, noAnswerTime: Int = 30, numbers: [String], answerAcknowledges: Bool = false) {
        self.delay = delay
        self.noAnswerTime = noAnswerTime
        self.numbers = numbers
        self.answerAcknowledges = answerAcknowledges
    }

    public static let delayRange = 0...86_400
    public static let noAnswerTimeRange = 5...300
    public static let numbersRange = 1...20
    /// What a number may contain: digits and the few signs PBX dial plans use.
    public static let numberCharacters = Set("0123456789+*#")

    /// The first rule the chain breaks, naming the field, or nil when it is valid.
    public var violation: DirectoryError? {
        if !Self.delayRange.contains(delay) {
            return .invalid(field: "escalation.delay", reason: "must be \(Self.delayRange.lowerBound) to \(Self.delayRange.upperBound) seconds, not \(delay)")
        }
        if !Self.noAnswerTimeRange.contains(noAnswerTime) {
            return .invalid(field: "escalation.noAnswerTime", reason: "must be \(Self.noAnswerTimeRange.lowerBound) to \(Self.noAnswerTimeRange.upperBound) seconds, not \(noAnswerTime)")
        }
        if !Self.numbersRange.contains(numbers.count) {
            return .invalid(field: "escalation.numbers", reason: "must hold \(Self.numbersRange.lowerBound) to \(Self.numbersRange.upperBound) numbers, not \(numbers.count)")
        }
        if let bad = numbers.first(where: { $0.isEmpty || $0.count > 32 || !$0.allSatisfy(Self.numberCharacters.contains) }) {
            return .invalid(field: "escalation.numbers", reason: "\"\(bad)\" is not a dialable number (1 to 32 of 0-9 + * #)")
        }
        return nil
    }
}
