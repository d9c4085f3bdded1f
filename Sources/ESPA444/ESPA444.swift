// ESPA444 owns the ESPA 4.4.4 protocol and nothing around it: the block codec (framing, BCC,
// records, per-port character sets), the link state machines for the paging-system (slave) role
// and the control-station (master) role, and the mapping of call blocks to plain `Call` values.
// It is pure: bytes, timer ticks and the current instant go in, decoded values and `Action`s come
// out. It opens no device, reads no clock and knows nothing of the alarm store; the `Serial` target
// does the I/O and turns calls into alarms. Wire facts: `shared/protocols/espa444.md`.

/// The control characters and length limits of ESPA 4.4.4 (espa444.md §4, §7.2).
public enum ESPA444 {
    public static let soh: UInt8 = 0x01
    public static let stx: UInt8 = 0x02
    public static let etx: UInt8 = 0x03
    public static let eot: UInt8 = 0x04
    public static let enq: UInt8 = 0x05
    public static let ack: UInt8 = 0x06
    public static let nak: UInt8 = 0x15
    public static let us: UInt8 = 0x1F
    public static let rs: UInt8 = 0x1E

    /// The spec's limit for record 1 (call address). Real peers stay within it.
    public static let specMaximumAddressLength = 16
    /// The spec's limit for record 2 (display message). Multitone takes 138 and Avaya sends up to
    /// 160, so decoding accepts longer messages and only output is truncated.
    public static let specMaximumMessageLength = 128

    /// The block check character: XOR of every byte after SOH up to and including ETX (ISO 1155).
    public static func bcc<Bytes: Sequence>(of bytes: Bytes) -> UInt8 where Bytes.Element == UInt8 {
        bytes.reduce(0, ^)
    }

    /// Whether a byte is an IA5 control character (C0 or DEL), which may not appear in header,
    /// identifiers or values.
    static func isControl(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F
    }
}
