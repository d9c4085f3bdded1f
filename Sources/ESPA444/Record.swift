/// One record of a block: `<identifier> US <value>`. Both stay strings, because the spec makes
/// `'1'`, `'01'` and `'001'` different values, and unknown identifiers (Ascom's `9`, `A`, `C`, `D`)
/// are kept as they came.
public struct Record: Sendable, Hashable, CustomStringConvertible {
    public var identifier: String
    public var value: String

    public init(_ identifier: String, _ value: String) {
        self.identifier = identifier
        self.value = value
    }

    /// The identifiers the spec defines (espa444.md §7.2).
    public static let callAddress = "1"
    public static let displayMessage = "2"
    public static let beepCoding = "3"
    public static let callType = "4"
    public static let numberOfTransmissions = "5"
    public static let priority = "6"
    public static let callStatus = "7"
    public static let systemStatus = "8"

    public var description: String { "\(identifier)=\(value)" }
}
