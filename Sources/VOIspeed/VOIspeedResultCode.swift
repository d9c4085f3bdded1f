/// The `result` keyword every `services.cgi` answer carries: 0 is OK, 1 to 45 say what went wrong.
/// Every code has the seed's meaning; `isRetryable` says whether the same request, sent again
/// later, can succeed. Only the PBX's own trouble (8 "service failure", 40 "internal server error")
/// can pass; every other code names a parameter, a missing object or a permission, and the same
/// request gets the same answer again.
public struct VOIspeedResultCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    public static let ok = Self(rawValue: 0)
    public static let unknownService = Self(rawValue: 1)
    public static let badParameters = Self(rawValue: 2)
    public static let callIDNotFound = Self(rawValue: 7)
    public static let serviceFailure = Self(rawValue: 8)
    public static let missingRecipient = Self(rawValue: 9)
    public static let missingBody = Self(rawValue: 13)
    public static let invalidCallStatus = Self(rawValue: 15)
    public static let userNotFound = Self(rawValue: 24)
    public static let internalServerError = Self(rawValue: 40)
    public static let missingNumber = Self(rawValue: 44)
    public static let notPermitted = Self(rawValue: 45)

    /// The seed's table, by code (spelling slips of the seed corrected).
    public static let meanings: [String] = [
        "OK",                                                   // 0
        "unknown or unsupported service",                       // 1
        "bad CGI parameters",                                   // 2
        "missing call ID parameter",                            // 3
        "missing extension parameter",                          // 4
        "invalid call ID parameter",                            // 5
        "missing enable parameter",                             // 6
        "call ID not found",                                    // 7
        "service failure, check the PBX's log files",           // 8
        "missing recipient parameter",                          // 9
        "missing property parameter",                           // 10
        "invalid property parameter",                           // 11
        "missing value parameter",                              // 12
        "missing body parameter",                               // 13
        "missing transfer ID parameter",                        // 14
        "invalid call status",                                  // 15
        "invalid transfer party",                               // 16
        "transfer ID not found",                                // 17
        "missing conference ID parameter",                      // 18
        "missing IVR ID parameter",                             // 19
        "IVR not found",                                        // 20
        "bad action and/or index parameter",                    // 21
        "file not found",                                       // 22
        "bad file format",                                      // 23
        "user not found",                                       // 24
        "bad user parameters",                                  // 25
        "missing owner parameter",                              // 26
        "bad date selection parameters",                        // 27
        "bad SMS ID list",                                      // 28
        "picking user must have pick capability",               // 29
        "picking and picked must both be PBX users",            // 30
        "picking user is offline",                              // 31
        "picking user is already in the ringing group",         // 32
        "pick call routing failure",                            // 33
        "missing pick parameters (ext or picked_ext not found)", // 34
        "missing park parameters",                              // 35
        "wrong com status",                                     // 36
        "parking channel not found",                            // 37
        "parking com not found",                                // 38
        "unparking request sender unknown",                     // 39
        "internal server error",                                // 40
        "missing user info parameters",                         // 41
        "bad group parameters",                                 // 42
        "group not found",                                      // 43
        "missing number parameter",                             // 44
        "no capability to use this interface",                  // 45
    ]

    /// Codes 0 to 45 are the seed's; anything else is a PBX newer (or stranger) than it.
    public var isKnown: Bool { Self.meanings.indices.contains(rawValue) }

    public var meaning: String {
        isKnown ? Self.meanings[rawValue] : "a result code the VOIspeed interface does not document"
    }

    public var isSuccess: Bool { self == .ok }

    /// Whether the same request can succeed when sent again: only the PBX's own trouble passes.
    /// An unknown code is not retried: nothing says it would help, and a retry storm on a PBX that
    /// keeps answering it helps nobody.
    public var isRetryable: Bool { self == .serviceFailure || self == .internalServerError }

    /// What an integrator can do about the codes a configuration mistake causes, or nil.
    public var hint: String? {
        switch rawValue {
        case 1: "the PBX's services.cgi does not offer this service; check the PBX version"
        case 2, 3, 4, 9, 13, 44: "Tocsin sent a request the PBX did not accept; check the number and the VOIspeed version"
        case 8: "see the PBX's log files"
        case 24: "the PBX has no user with this number; check the phone's address or the extension"
        case 45: "allow Tocsin (its address, or the user) to use the PBX's HTTP interface"
        default: nil
        }
    }

    /// `result=45 (no capability to use this interface)`
    public var description: String { "result=\(rawValue) (\(meaning))" }
}
