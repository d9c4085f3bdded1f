/// The caller's name for one escalation call, chosen by the caller (for example the journal id of
/// the escalation attempt) and echoed on every `callState` action about that call.
public struct CSTACallToken: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public var description: String { "call \(rawValue)" }

    public static func < (lhs: CSTACallToken, rhs: CSTACallToken) -> Bool { lhs.rawValue < rhs.rawValue }
}
