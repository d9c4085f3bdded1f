import HardenedXML

/// A connection: one device's leg of one call (`{deviceID, callID}`). Device IDs are kept exactly as
/// received, because ECSS-10's dynamic IDs (`725:::<b64>#<b64>#<b64>`) must be echoed verbatim in
/// ClearConnection; `number` gives the dialled number they start with.
public struct CSTAConnectionID: Sendable, Hashable, CustomStringConvertible {
    /// Nil when the peer left it out (Uni-tel's ClearConnection may omit it).
    public var deviceID: String?
    /// Nil when the peer left it out (some servers' MakeCallResponse has none).
    public var callID: String?

    public init(deviceID: String?, callID: String?) {
        self.deviceID = deviceID
        self.callID = callID
    }

    public var description: String { "\(callID ?? "?")@\(deviceID ?? "?")" }

    /// Reads `{deviceID | deviceId, callID}` from a connection element such as
    /// `initiatedConnection` or `callingDevice` in a MakeCallResponse.
    init?(_ element: CSTAElement?) {
        guard let element else { return nil }
        let device = element.child(anyOf: ["deviceID", "deviceIdentifier", "deviceIdIdentifier"]).flatMap(CSTADevice.value)
        let call = element.value(of: "callID")
        if device == nil, call == nil { return nil }
        self.init(deviceID: device, callID: call)
    }
}

/// The dialled number inside a device ID, for matching: the part before ECSS-10's `:::` suffix,
/// without Uni-tel's `@<pbxDomain>` and without surrounding whitespace.
public enum CSTADevice {
    public static func number(of deviceID: String) -> String {
        var number = Substring(deviceID)
        if let range = number.firstRange(of: ":::") { number = number[..<range.lowerBound] }
        if let at = number.firstIndex(of: "@") { number = number[..<at] }
        return String(number).trimmingXMLWhitespace()
    }

    /// Whether two device IDs name the same dialled number.
    public static func sameNumber(_ lhs: String?, _ rhs: String?) -> Bool {
        guard let lhs, let rhs else { return false }
        let left = number(of: lhs)
        return !left.isEmpty && left == number(of: rhs)
    }

    /// The device a `*Device` field names: its `deviceIdentifier` (or Uni-tel's
    /// `deviceIdIdentifier`, or a `deviceID`), or its own text, or nil for `notKnown`,
    /// `restricted` and empty values. The value is kept verbatim apart from surrounding whitespace.
    static func identifier(in element: CSTAElement?) -> String? {
        guard let element else { return nil }
        if let inner = element.child(anyOf: ["deviceIdentifier", "deviceIdIdentifier", "deviceID"]) {
            return value(inner)
        }
        if element.children.isEmpty { return value(element) }
        return nil
    }

    static func value(_ element: CSTAElement) -> String? {
        guard let value = element.value else { return nil }
        switch value {
        case "notKnown", "restricted", "null", "notRequired", "notSpecified": return nil
        default: return value
        }
    }
}
