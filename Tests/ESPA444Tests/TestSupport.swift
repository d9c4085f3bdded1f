import ESPA444

/// A monotonic instant that only tests move: seconds since the test began.
struct TestInstant: InstantProtocol, CustomStringConvertible {
    var offset: Duration
    init(_ offset: Duration = .zero) { self.offset = offset }
    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
    var description: String { "t+\(offset)" }
}

func at(_ seconds: Double) -> TestInstant { TestInstant(.milliseconds(Int64(seconds * 1000))) }

/// Bytes from a hex listing such as "01 31 02".
func bytes(_ hex: String) -> [UInt8] {
    hex.split(separator: " ").map { UInt8($0, radix: 16)! }
}

typealias Action = LinkAction<TestInstant>

/// The bytes a list of actions sends, concatenated.
func sent(_ actions: [Action]) -> [UInt8] {
    actions.flatMap { action -> [UInt8] in
        if case .send(let bytes) = action { return bytes }
        return []
    }
}

/// The actions without timer requests and protocol errors, to compare the essential outcome.
func essential(_ actions: [Action]) -> [Action] {
    actions.filter {
        switch $0 {
        case .scheduleTimer, .protocolError: false
        default: true
        }
    }
}

func protocolErrors(_ actions: [Action]) -> [String] {
    actions.compactMap { if case .protocolError(let text) = $0 { text } else { nil } }
}

/// The worked frames of espa444.md §11.
enum Worked {
    static let e1 = bytes("01 31 02 31 1F 31 32 33 1E 35 1F 33 1E 36 1F 33 03 2D")
    static let e2 = bytes("01 31 02 31 1F 35 35 30 1E 32 1F 43 41 4C 4C 20 4D 45 20 31 30 31 1E 33 1F 33 1E 34 1F 33 1E 35 1F 33 1E 36 1F 33 03 23")
    static let e3 = bytes("01 32 02 31 1F 31 32 33 1E 33 1F 31 1E 32 1F 34 35 36 37 1E 37 1F 33 03 18")
    static let e4 = bytes("01 31 02 31 1F 30 38 31 35 1E 32 1F 46 49 52 45 20 5A 4F 4E 45 20 31 32 20 46 4C 4F 4F 52 20 33 1E 34 1F 33 1E 36 1F 31 03 4F")
    static let e5 = bytes("01 31 02 31 1F 30 38 31 35 1E 32 1F 46 49 52 45 20 5A 4F 4E 45 20 31 32 20 46 4C 4F 4F 52 20 33 1E 34 1F 31 03 4B")
    static let e6 = bytes("01 31 02 31 1F 41 03 5F")
    static let e7 = bytes("01 31 02 31 1F 31 32 1E 32 1F 42 E4 72 03 FA")
    static let e8 = bytes("01 31 02 31 1F 38 1E 32 1F 54 45 53 54 03 03")

    static let b1 = Block(header: "1", records: [Record("1", "123"), Record("5", "3"), Record("6", "3")])
    static let b2 = Block(header: "1", records: [Record("1", "550"), Record("2", "CALL ME 101"), Record("3", "3"), Record("4", "3"), Record("5", "3"), Record("6", "3")])
    static let b3 = Block(header: "2", records: [Record("1", "123"), Record("3", "1"), Record("2", "4567"), Record("7", "3")])
    static let b4 = Block(header: "1", records: [Record("1", "0815"), Record("2", "FIRE ZONE 12 FLOOR 3"), Record("4", "3"), Record("6", "1")])
    static let b5 = Block(header: "1", records: [Record("1", "0815"), Record("2", "FIRE ZONE 12 FLOOR 3"), Record("4", "1")])
    static let b6 = Block(header: "1", records: [Record("1", "A")])
    static let b7 = Block(header: "1", records: [Record("1", "12"), Record("2", "Bär")])
    static let b8 = Block(header: "1", records: [Record("1", "8"), Record("2", "TEST")])

    /// Frame, block, and the charset it is written in.
    static let all: [(String, [UInt8], Block, Charset)] = [
        ("E1", e1, b1, .ascii), ("E2", e2, b2, .ascii), ("E3", e3, b3, .ascii), ("E4", e4, b4, .ascii),
        ("E5", e5, b5, .ascii), ("E6", e6, b6, .ascii), ("E7", e7, b7, .latin1), ("E8", e8, b8, .ascii),
    ]
}
