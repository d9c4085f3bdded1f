/// The ESPA-X `RSP-CODE` values with their fixed `RSP-REASON` texts (espax.md §7, the XSD's closed
/// enumerations). A code is never sent without its own reason.
public enum ESPAXResponseCode: Int, Sendable, Hashable, CaseIterable {
    case ok = 200
    case badRequest = 400
    case unauthorized = 401
    case paymentRequired = 402
    case forbidden = 403
    case notFound = 404
    case methodNotAllowed = 405
    case notAcceptable = 406
    case authenticationRequired = 407
    case requestTimeout = 408
    case conflict = 409
    case gone = 410
    case duplicate = 450
    case internalServerError = 500
    case notImplemented = 501
    case badGateway = 502
    case serviceUnavailable = 503
    case invalidHeader = 600
    case notWellFormed = 601
    case invalidMessage = 602

    /// The `RSP-REASON` text, spelled exactly as the XSD lists it.
    public var reason: String {
        switch self {
        case .ok: "OK"
        case .badRequest: "Bad Request"
        case .unauthorized: "Unauthorized"
        case .paymentRequired: "Payment Required"
        case .forbidden: "Forbidden"
        case .notFound: "Not Found"
        case .methodNotAllowed: "Method Not Allowed"
        case .notAcceptable: "Not Acceptable"
        case .authenticationRequired: "Authentication Required"
        case .requestTimeout: "Request Timeout"
        case .conflict: "Conflict"
        case .gone: "Gone"
        case .duplicate: "Duplicate"
        case .internalServerError: "Internal Server Error"
        case .notImplemented: "Not Implemented"
        case .badGateway: "Bad Gateway"
        case .serviceUnavailable: "Service Unavailable"
        case .invalidHeader: "Invalid header"
        case .notWellFormed: "Not wellformed"
        case .invalidMessage: "Invalid message"
        }
    }

    /// Tocsin's answer to a request after login whose `sessionID` is missing or is not the
    /// session's: the ESPA-X texts leave this open (espax.md §8), and 407 tells the client to
    /// authenticate again without being fatal on any known client.
    public static let wrongSession: ESPAXResponseCode = .authenticationRequired

    /// Tocsin's answer to a `REQ.P-START` for a group it does not know, sent with the id of the
    /// technical alarm raised instead as `SP-PR-TAN` (espax.md §12.6 suggests 404).
    public static let unknownGroup: ESPAXResponseCode = .notFound
}
