/// What a link machine asks its owner to do. The owner performs them in order: writes `.send`
/// bytes (after the port's turnaround delay), raises or resets alarms, logs, and arms one timer.
public enum LinkAction<Instant: InstantProtocol>: Sendable, Hashable where Instant.Duration == Duration {
    /// Write these bytes to the line.
    case send([UInt8])
    /// A new call: journal it, then answer with `.committed` (or `.rejected`). The block is ACKed
    /// only then.
    case deliver(Call)
    /// Call type `'1'`: end the running alarm with this port and address, then answer `.committed`.
    case reset(Call)
    /// The same block again within the duplicate window (an ACK was lost). It is already ACKed;
    /// do not raise it twice. Carries the call as first delivered.
    case duplicate(Call)
    /// A block that is not a call (status, status request, vendor types). Already ACKed.
    case received(Block)
    /// Call `handle(.tick, now:)` at or after this instant. Replaces any earlier request; a tick
    /// that comes early or late does no harm.
    case scheduleTimer(at: Instant)
    /// No poll, select or block for the supervision time.
    case linkSilent
    /// Traffic again after `.linkSilent`.
    case linkAlive
    /// Something on the line that an integrator should see: bad blocks, noise, timeouts.
    case protocolError(String)
    /// Control station: the peer ACKed this transmission.
    case transmitted(TransmissionID)
    /// Control station: the transmission was given up; the reason names the last answer.
    case transmissionFailed(TransmissionID, reason: String)
}

/// What the owner feeds a link machine, together with the current instant.
public enum LinkInput: Sendable, Hashable {
    /// Bytes from one read, at any boundary.
    case received([UInt8])
    /// The timer requested by `.scheduleTimer` is due (or any other wake-up).
    case tick
    /// The call last handed out by `.deliver` or `.reset` is durably journalled.
    case committed
    /// The call last handed out could not be taken.
    case rejected(CallRejection)
}

/// Why the owner refused a delivered call; each has its NAK digit (espa444.md §4).
public enum CallRejection: Sendable, Hashable {
    /// Queue full or journal unavailable: `'2' NAK`, the panel sends it again later.
    case busy
    /// The call cannot be understood: `'3' NAK`.
    case invalid

    var nakDigit: UInt8 {
        switch self {
        case .busy: 0x32
        case .invalid: 0x33
        }
    }
}

/// Names one block handed to a control station for sending.
public struct TransmissionID: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "#\(rawValue)" }
}
