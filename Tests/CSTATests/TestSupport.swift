import HardenedXML
import Testing
@testable import CSTA

/// A monotonic instant that moves only when a test says so.
struct TestInstant: InstantProtocol {
    var offset: Duration

    static let zero = TestInstant(offset: .zero)

    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
}

extension TestInstant {
    static func seconds(_ value: Double) -> TestInstant { TestInstant(offset: .milliseconds(Int64(value * 1000))) }
}

/// Frames a document as an ECSS-10 server does.
func annexJ(_ xml: String, invokeID: UInt16) -> [UInt8] {
    try! CSTAFrame.annexJ(invokeID: InvokeID(rawValue: invokeID)!, body: Array(xml.utf8))
}

/// Frames a document as a Uni-tel server does.
func nul(_ xml: String) -> [UInt8] {
    Array(xml.utf8) + [0]
}

func element(_ xml: String) throws(CSTADecodingError) -> CSTAElement {
    try CSTAXMLReader().read(Array(xml.utf8))
}

func message(_ xml: String) throws(CSTADecodingError) -> CSTAMessage {
    try CSTAMessage(document: Array(xml.utf8))
}

/// The element tree with the layout whitespace of pretty-printed samples removed and the
/// `schemaLocation` noise dropped, so a compact document and the seed's indented one compare equal.
func normalized(_ element: CSTAElement) -> CSTAElement {
    var attributes = element.attributes
    attributes["schemaLocation"] = nil
    return CSTAElement(
        name: element.name,
        attributes: attributes,
        text: element.children.isEmpty ? element.text.trimmingXMLWhitespace() : "",
        children: element.children.map(normalized)
    )
}

/// A `send` action's bytes read back: the invoke ID of an Annex J frame (nil for NUL frames) and
/// the XML text.
struct SentFrame: Equatable, CustomStringConvertible {
    var invokeID: UInt16?
    var xml: String

    var description: String { "\(invokeID.map { String($0) } ?? "-") \(xml)" }

    var root: CSTAElement { try! element(xml) }
    var name: String { root.name }
}

extension CSTAAction {
    var sentBytes: [UInt8]? {
        if case .send(let bytes) = self { return bytes }
        return nil
    }
}

func sentFrames(_ actions: [CSTAAction<TestInstant>], framing: CSTADialect.Framing = .annexJ,
                sourceLocation: SourceLocation = #_sourceLocation) -> [SentFrame] {
    actions.compactMap(\.sentBytes).map { bytes in
        switch framing {
        case .annexJ:
            var decoder = AnnexJFrameDecoder()
            decoder.append(bytes)
            let frame = try! decoder.nextFrame()!
            #expect(decoder.bufferedByteCount == 0, "one send is exactly one frame", sourceLocation: sourceLocation)
            return SentFrame(invokeID: frame.invokeID?.rawValue, xml: String(decoding: frame.body, as: UTF8.self))
        case .nulDelimited:
            #expect(bytes.last == 0 && bytes.dropLast().allSatisfy { $0 != 0 }, "one NUL at the end", sourceLocation: sourceLocation)
            return SentFrame(invokeID: nil, xml: String(decoding: bytes.dropLast(), as: UTF8.self))
        }
    }
}

/// The actions other than sends, for comparing the machine's decisions.
func nonSends(_ actions: [CSTAAction<TestInstant>]) -> [CSTAAction<TestInstant>] {
    actions.filter { $0.sentBytes == nil }
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
}
