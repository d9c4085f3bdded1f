import Alarming

/// How a TCP line connects and notices a dead converter. Serial lines ignore it.
public struct TCPLineOptions: Sendable, Hashable {
    /// One connection attempt, name resolution included, is given up after this long.
    public var connectTimeout: Duration
    /// A converter (or network) that stops answering is noticed within this time, traffic or not.
    public var keepalive: TCPKeepalive
    /// The pause after the first failed attempt; it doubles after each further one up to
    /// `reconnectMaximum`. A connection that carried traffic starts the count again.
    public var reconnectInitial: Duration
    public var reconnectMaximum: Duration

    public init(
        connectTimeout: Duration = .seconds(5),
        keepalive: TCPKeepalive = TCPKeepalive(deadPeerSeconds: 15),
        reconnectInitial: Duration = .seconds(1),
        reconnectMaximum: Duration = .seconds(30)
    ) {
        self.connectTimeout = connectTimeout
        self.keepalive = keepalive
        self.reconnectInitial = reconnectInitial
        self.reconnectMaximum = reconnectMaximum
    }

    /// The pause before attempt `failures + 1`, after `failures` failed ones in a row (at least 1).
    public func reconnectDelay(afterFailures failures: Int) -> Duration {
        RetryPolicy(initialBackoff: reconnectInitial, maxBackoff: reconnectMaximum).backoff(after: failures)
    }
}
