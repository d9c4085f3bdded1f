/// The closed word lists of ESPA-X 1.00 (espax.md §6, the XSD's enumerations). Raw values are the
/// exact, case-sensitive wire spellings. Incoming values are matched leniently through
/// `init?(lenient:)`; outgoing ones are always written with the exact spelling.

/// Values that arrive from clients who do not always respect letter case.
public protocol ESPAXWord: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {}

extension ESPAXWord {
    /// Matches the wire word ignoring ASCII letter case and surrounding blanks.
    public init?(lenient text: String) {
        let wanted = text.lowercased()
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == wanted }) else { return nil }
        self = match
    }
}

/// `CP-PRIO`.
public enum ESPAXPriority: String, ESPAXWord {
    case emergency = "Emergency"
    case high = "High"
    case medium = "Medium"
    case standard = "Standard"
    case low = "Low"
}

/// `CP-SIGNAL`.
public enum ESPAXSignal: String, ESPAXWord {
    case standard = "Standard"
    case urgent = "Urgent"
    case emergency = "Emergency"
    case special = "Special"
}

/// `CP-CALLBACK`.
public enum ESPAXCallback: String, ESPAXWord {
    case no = "No"
    case ncIF = "NC-IF"
    case ncIFDTMF = "NC-IF-DTMF"
    case ncIFDThru = "NC-IF-DTHRU"
    case ncIFPrep = "NC-IF-PREP"
    case phone = "Phone"
    case phoneVC = "Phone-VC"
}

/// `CP-PR-DETAILS`.
public enum ESPAXProcessDetails: String, ESPAXWord {
    case no = "No"
    case process = "Process"
    case results = "Results"
    case all = "All"
}

/// One word of `CP-PR-MASK`, a space-separated list.
public enum ESPAXProcessMask: String, ESPAXWord {
    case prepared = "Prepared"
    case queued = "Queued"
    case active = "Active"
    case conversation = "Conversation"
    case postprocessing = "Postprocessing"
    case all = "All"
}

/// `SP-STATUS`.
public enum ESPAXProcessStatus: String, ESPAXWord {
    case prepared = "Prepared"
    case queued = "Queued"
    case active = "Active"
    case conversationSetup = "Conversation setup"
    case conversation = "Conversation"
    case postprocessing = "Postprocessing"
}

/// `SP-ENDREASON`.
public enum ESPAXEndReason: String, ESPAXWord {
    case finished = "Finished"
    case aborted = "Aborted"
    case client = "Client"
    case server = "Server"
    case `operator` = "Operator"
    case failure = "Failure"
}

/// `SP-RESULT`.
public enum ESPAXProcessResult: String, ESPAXWord {
    case none = "None"
    case positive = "Positive"
    case negative = "Negative"
    case positiveConfirmed = "Positive confirmed"
    case conversationStop = "Conversation-Stop"
    case conversationNote = "Conversation-Note"
    case conversationPrio = "Conversation-Prio"
    case conversation = "Conversation"
}

/// `SS-STATUS`.
public enum ESPAXEventStatus: String, ESPAXWord {
    case queued = "Queued"
    case processing = "Processing"
    case completed = "Completed"
}

/// `SS-DIRECTION`.
public enum ESPAXEventDirection: String, ESPAXWord {
    case inbound = "Inbound"
    case outbound = "Outbound"
}

/// `SS-RESULT`.
public enum ESPAXEventResult: String, ESPAXWord {
    case none = "None"
    case offDuty = "Off duty"
    case busy = "Busy"
    case noAnswer = "No answer"
    case notReached = "Not reached"
    case wrongBehaviour = "Wrong behaviour"
    case reached = "Reached"
    case accepted = "Accepted"
    case rejected = "Rejected"
    case conversation = "Conversation"
}

/// `S-HEALTH`.
public enum ESPAXHealth: String, ESPAXWord {
    case ok = "OK"
    case noData = "No data"
    case problemDetected = "Problem detected"
    case outOfService = "Out of service"
}

/// `S-LOAD`.
public enum ESPAXLoad: String, ESPAXWord {
    case overload = "Overload"
    case full = "Full"
    case heavy = "Heavy"
    case medium = "Medium"
    case low = "Low"
    case no = "No"
    case normal = "Normal"
    case unknown = "Unknown"
}

/// `LO-REASON`.
public enum ESPAXLogoutReason: String, ESPAXWord {
    case normal = "Normal"
    case service = "Service"
    case reboot = "Reboot"
    case newData = "New data"
    case systemError = "System error"
    case requested = "Requested"
    case unspecified = "Unspecified"
}

/// `SD-REASON`: the logout reasons except `Requested`.
public enum ESPAXShutdownReason: String, ESPAXWord {
    case normal = "Normal"
    case service = "Service"
    case reboot = "Reboot"
    case newData = "New data"
    case systemError = "System error"
    case unspecified = "Unspecified"
}

/// `SD-MODE`.
public enum ESPAXShutdownMode: String, ESPAXWord {
    case immediate = "Immediate"
    case quick = "Quick"
    case slow = "Slow"
    case newData = "New data"
    case systemError = "System error"
    case unspecified = "Unspecified"
}
