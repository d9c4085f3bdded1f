@testable import ESPAX

/// A monotonic instant that moves only when a test says so.
struct TestInstant: InstantProtocol {
    var offset: Duration

    static let zero = TestInstant(offset: .zero)

    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
}

extension TestInstant {
    static func seconds(_ value: Int64) -> TestInstant { TestInstant(offset: .seconds(value)) }
}

/// An ESPA-X document around one message element.
func espax(_ message: String, namespaced: Bool = true, declaration: Bool = true) -> String {
    let prolog = declaration ? #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" : ""
    let xmlns = namespaced ? #" xmlns="http://ns.espa-x.org/espa-x""# : ""
    return prolog + #"<ESPA-X\#(xmlns) version="1.00" timestamp="2025-01-01T12:00:00">"# + message + "</ESPA-X>"
}

/// Frames a document as a client does.
func framed(_ xml: String, number: UInt32 = 0) -> [UInt8] {
    EXFrame(number: number, body: Array(xml.utf8)).bytes
}

func read(_ xml: String) throws(ESPAXDecodingError) -> ESPAXDocument {
    try ESPAXXMLReader().read(Array(xml.utf8))
}

extension ESPAXAction {
    /// The message of a `send`, nil otherwise.
    var message: ESPAXServerMessage? {
        if case .send(let message, _) = self { return message }
        return nil
    }

    var headerNumber: UInt32? {
        if case .send(_, let number) = self { return number }
        return nil
    }
}

/// Reads back what the server sent, with the server's own reader, to assert exact fields.
func decoded(_ message: ESPAXServerMessage) throws -> ESPAXDocument {
    try ESPAXXMLReader().read(Array(message.xml().utf8))
}
