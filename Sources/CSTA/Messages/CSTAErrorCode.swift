/// A `CSTAErrorCode` (ECMA-323's universal failure): one category element holding one value, such
/// as `<operation>invalidDeviceID</operation>`. Uni-tel adds a non-standard `details` text.
public struct CSTAErrorCode: Error, Sendable, Hashable, CustomStringConvertible {
    /// `operation`, `security`, `stateIncompatibility`, `systemResourceAvailibility` (sic),
    /// `subscribedResourceAvailability`, `performanceManagement`, `privateData`,
    /// `privateErrorCode` or `unspecified`.
    public var category: String
    /// The enumerated value, such as `invalidDeviceID`; empty for `unspecified`.
    public var value: String
    public var details: String?

    public init(category: String, value: String, details: String? = nil) {
        self.category = category
        self.value = value
        self.details = details
    }

    init(_ element: CSTAElement) {
        let categories = element.children.filter { !CSTAElement.sameName($0.name, "details") }
        let first = categories.first
        self.init(category: first?.name ?? "unspecified", value: first?.value ?? "", details: element.value(of: "details"))
    }

    public var description: String {
        var text = value.isEmpty ? category : "\(category) \(value)"
        if let details { text += " (\(details))" }
        return text
    }
}

/// The `errorCode` of an ECMA-354 NegResponse: a `definedError` (such as `invalidApplicationInfo`
/// for bad credentials) or an application-defined `applError` text.
public struct CSTASessionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case defined = "definedError"
        case application = "applError"
    }

    public var kind: Kind
    public var value: String

    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }

    init(_ element: CSTAElement) {
        let code = element.child("errorCode") ?? element
        if let defined = code.value(of: "definedError") {
            self.init(kind: .defined, value: defined)
        } else {
            self.init(kind: .application, value: code.value(of: "applError") ?? code.value ?? "unspecified")
        }
    }

    public var description: String {
        switch kind {
        case .defined: value == "invalidApplicationInfo" ? "invalidApplicationInfo (check the login credentials)" : value
        case .application: "application error: \(value)"
        }
    }
}
