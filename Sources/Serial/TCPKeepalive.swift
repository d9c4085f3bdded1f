/// The kernel's TCP keepalive settings that make a dead converter noticed within a given time.
///
/// A converter that loses power or network sends no FIN: without probes the socket would look open
/// for hours, and a panel line would be silently gone. Many panels only speak when they have a call
/// (supervision off), so the ESPA layer cannot notice it either. Linux probes after `idle` seconds
/// without traffic, then every `interval` seconds, and gives up after `count` unanswered probes;
/// `userTimeoutMilliseconds` (`TCP_USER_TIMEOUT`) bounds the same wait when Tocsin's own answer is
/// the one not acknowledged (keepalive does not probe while data is unacknowledged). The reads then
/// fail with `ETIMEDOUT` and the port reconnects. Pure, so the arithmetic is unit-tested.
public struct TCPKeepalive: Sendable, Hashable, CustomStringConvertible {
    /// The smallest time this can honour: one second idle, then three one-second probes.
    public static let minimumDeadPeerSeconds = 4
    public static let probes = 3

    /// The time within which a peer that stopped answering is noticed.
    public let deadPeerSeconds: Int
    /// `TCP_KEEPIDLE`: seconds without traffic before the first probe.
    public let idle: Int
    /// `TCP_KEEPINTVL`: seconds between probes.
    public let interval: Int
    /// `TCP_KEEPCNT`: unanswered probes that end the connection.
    public let count: Int
    /// `TCP_USER_TIMEOUT`: unacknowledged data for this long ends the connection.
    public let userTimeoutMilliseconds: Int

    /// Spreads `deadPeerSeconds` (at least 4) over the idle time and three probes, so the last
    /// unanswered probe ends the connection exactly then: 15 s gives idle 6 s and probes 3 s apart.
    public init(deadPeerSeconds seconds: Int) {
        let seconds = max(Self.minimumDeadPeerSeconds, seconds)
        deadPeerSeconds = seconds
        interval = max(1, seconds / (Self.probes + 1))
        idle = seconds - Self.probes * interval
        count = Self.probes
        userTimeoutMilliseconds = seconds * 1000
    }

    public var description: String {
        "\(deadPeerSeconds) s (idle \(idle) s, \(count) probes \(interval) s apart)"
    }
}
