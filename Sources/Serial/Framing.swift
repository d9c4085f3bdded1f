/// The character frame of a line: data bits, parity and stop bits, spelt as integrators write it
/// (`7E2` is the spec's; 8N1 and 7E1 are common in the field, espa444.md §2).
public enum Framing: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case sevenEvenTwo = "7E2"
    case sevenEvenOne = "7E1"
    case sevenOddOne = "7O1"
    case eightNoneOne = "8N1"
    case eightEvenOne = "8E1"
    case eightNoneTwo = "8N2"

    public enum Parity: Sendable, Hashable { case none, even, odd }

    public var dataBits: Int { rawValue.hasPrefix("7") ? 7 : 8 }

    public var parity: Parity {
        switch self {
        case .sevenEvenTwo, .sevenEvenOne, .eightEvenOne: .even
        case .sevenOddOne: .odd
        case .eightNoneOne, .eightNoneTwo: .none
        }
    }

    public var stopBits: Int { rawValue.hasSuffix("2") ? 2 : 1 }

    public var description: String { rawValue }
}
