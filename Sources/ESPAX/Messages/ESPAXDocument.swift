import HardenedXML
/// One ESPA-X message as read from the wire, before it is given a meaning: the message element's
/// local name, its two attributes, and its simple child elements by local name.
///
/// Tolerance (espax.md §10) is applied here, once, for every message: names are matched without
/// their namespace or prefix, field text is trimmed, empty fields and the literal `undefined` count
/// as absent, the first of a repeated field wins, and `PROPRIETARY` content is set aside.
public struct ESPAXDocument: Sendable, Hashable {
    /// The message element's local name, for example `REQ.P-START`.
    public var name: String
    /// The `invokeID` attribute as sent, trimmed; nil when absent or empty.
    public var invokeIDText: String?
    /// The `sessionID` attribute, trimmed; nil when absent, empty or `undefined`.
    public var sessionID: String?
    /// Child elements by local name, with their normalised text.
    public var fields: [String: String]
    /// The root's `version` attribute, when present.
    public var version: String?
    /// Whether the message element was in the ESPA-X namespace (clients often leave it out).
    public var isNamespaced: Bool

    public init(
        name: String,
        invokeIDText: String? = nil,
        sessionID: String? = nil,
        fields: [String: String] = [:],
        version: String? = "1.00",
        isNamespaced: Bool = true
    ) {
        self.name = name
        self.invokeIDText = invokeIDText
        self.sessionID = sessionID
        self.fields = fields
        self.version = version
        self.isNamespaced = isNamespaced
    }

    /// The invokeID as an unsigned 64-bit value, when it is one.
    public var invokeID: UInt64? { invokeIDText.flatMap { UInt64($0) } }

    /// A field's value, or nil when it was absent, empty or `undefined`.
    public subscript(field: String) -> String? { fields[field] }

    /// The message family, read from the name's prefix.
    public var kind: Kind {
        if name.hasPrefix("REQ.") { return .request }
        if name.hasPrefix("RSP.") { return .response }
        if name.hasPrefix("IND.") { return .indication }
        if name.hasPrefix("CMD.") { return .command }
        return .other
    }

    public enum Kind: Sendable, Hashable {
        case request, response, indication, command, other
    }

    /// Applies the tolerance rules to one raw text value: trimmed, and nil when nothing is left or
    /// when a client sent the literal `undefined` for an unset field.
    public static func normalised(_ raw: String) -> String? {
        let trimmed = raw.trimmingXMLWhitespace()
        if trimmed.isEmpty || trimmed == "undefined" { return nil }
        return trimmed
    }
}

extension String {
    /// At most `limit` characters as the XSD counts them (Unicode scalars).
    func truncatedToScalars(_ limit: Int) -> String {
        let scalars = unicodeScalars
        guard scalars.count > limit else { return self }
        return String(String.UnicodeScalarView(scalars.prefix(limit)))
    }
}
