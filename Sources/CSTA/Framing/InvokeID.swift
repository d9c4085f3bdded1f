/// The invoke ID of an Annex J.2 frame: four ASCII digits, `0000` to `9999`. The client picks
/// 1…9998 for its requests (`InvokeIDAllocator`), the server echoes it on the response, and 9999
/// marks an unsolicited event (csta.md §1.2). A server's own requests (such as `SystemStatus`) carry
/// the server's IDs, which may include 0.
public struct InvokeID: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: UInt16

    /// The ID servers put on events.
    public static let event = InvokeID(unchecked: 9999)

    /// The lowest and highest IDs the client uses for its own requests.
    public static let firstRequestID: UInt16 = 1
    public static let lastRequestID: UInt16 = 9998

    /// Nil for values that do not fit in four decimal digits.
    public init?(rawValue: UInt16) {
        guard rawValue <= 9999 else { return nil }
        self.rawValue = rawValue
    }

    init(unchecked rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Reads four ASCII digits; nil for anything else.
    public init?<Digits: Collection>(digits: Digits) where Digits.Element == UInt8 {
        guard digits.count == 4 else { return nil }
        var value: UInt16 = 0
        for byte in digits {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + UInt16(byte - 0x30)
        }
        self.rawValue = value
    }

    /// The four zero-padded ASCII digits written in header bytes 4–7.
    public var digits: [UInt8] {
        var value = rawValue
        var bytes: [UInt8] = [0x30, 0x30, 0x30, 0x30]
        for index in stride(from: 3, through: 0, by: -1) {
            bytes[index] = 0x30 + UInt8(value % 10)
            value /= 10
        }
        return bytes
    }

    public var isEvent: Bool { self == .event }

    public var description: String { String(decoding: digits, as: UTF8.self) }

    public static func < (lhs: InvokeID, rhs: InvokeID) -> Bool { lhs.rawValue < rhs.rawValue }
}
