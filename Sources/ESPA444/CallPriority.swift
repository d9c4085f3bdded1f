/// The priority of a call, from record 6 (espa444.md §7.2). Values are compared as strings, so
/// `'01'` is not `'1'`: it is `.unrecognised("01")`, and the caller decides what that becomes.
public enum CallPriority: Sendable, Hashable, CustomStringConvertible {
    /// `'1'`: alarm (emergency).
    case emergency
    /// `'2'`: high.
    case high
    /// `'3'`: normal.
    case standard
    /// `'0'` (reserved by the spec) or anything else, kept as sent.
    case unrecognised(String)

    /// The priority for a record-6 value; `fallback` when the record is absent (the spec leaves an
    /// absent record to the receiving system's default).
    public init(recordValue: String?, fallback: CallPriority = .standard) {
        switch recordValue {
        case nil: self = fallback
        case "1": self = .emergency
        case "2": self = .high
        case "3": self = .standard
        case let other?: self = .unrecognised(other)
        }
    }

    /// The record-6 value that encodes this priority.
    public var recordValue: String {
        switch self {
        case .emergency: "1"
        case .high: "2"
        case .standard: "3"
        case .unrecognised(let value): value
        }
    }

    public var description: String {
        switch self {
        case .emergency: "emergency"
        case .high: "high"
        case .standard: "standard"
        case .unrecognised(let value): "unrecognised '\(value)'"
        }
    }
}
