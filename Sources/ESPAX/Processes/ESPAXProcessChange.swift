/// Something that happened to a process's alarm, in the terms ESPA-X reporting needs. The caller
/// translates its alarm events into these; `ESPAXProcessReporter` decides what the client is told.
public enum ESPAXProcessChange: Sendable, Hashable {
    /// Every destination of the first round has an outcome: the pushes are sent.
    /// `anyAccepted` is false when not one destination took the alarm.
    case dispatched(anyAccepted: Bool)
    /// One destination's outcome.
    case destination(ESPAXDestinationOutcome)
    /// The alarm ended. `acknowledged` and `anyAccepted` choose `SP-RESULT` in tracked mode.
    case ended(ESPAXEndReason, acknowledged: Bool, anyAccepted: Bool, info: String? = nil)
}

/// What happened at one destination (a phone or other endpoint).
public struct ESPAXDestinationOutcome: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// The device took the message (HTTP 200, SIP 200): it reached the handset.
        case accepted
        /// A person confirmed the alarm on this destination.
        case acknowledged
        /// The message could not be delivered.
        case failed
    }

    /// The destination's number or extension (`SS-NETW-NO`; only digits, `*` and `#` are sent).
    public var number: String?
    /// The destination's name (`SS-NETW-NAME`, at most 24 characters are sent).
    public var name: String?
    public var outcome: Outcome

    public init(number: String?, name: String?, outcome: Outcome) {
        self.number = number
        self.name = name
        self.outcome = outcome
    }
}
