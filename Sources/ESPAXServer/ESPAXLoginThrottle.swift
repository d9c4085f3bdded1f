import Synchronization

/// Slows down logins from an address that keeps failing: the first failure costs the next attempt
/// `baseDelay`, each further one doubles it up to `maximumDelay`. A success, or `forgetAfter`
/// without failures, clears the address. At most `capacity` addresses are remembered, so a flood
/// of addresses cannot grow it without bound.
public final class ESPAXLoginThrottle: Sendable {
    private struct Record { var failures: Int; var last: ContinuousClock.Instant }
    private let records = Mutex<[String: Record]>([:])
    public let baseDelay: Duration
    public let maximumDelay: Duration
    public let forgetAfter: Duration
    public let capacity: Int

    public init(baseDelay: Duration, maximumDelay: Duration, forgetAfter: Duration = .seconds(900), capacity: Int = 10_000) {
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.forgetAfter = forgetAfter
        self.capacity = capacity
    }

    /// How long to hold the next login from `address` before answering it.
    public func delay(for address: String, now: ContinuousClock.Instant = .now) -> Duration {
        records.withLock { records in
            guard let record = records[address] else { return .zero }
            if now - record.last > forgetAfter {
                records[address] = nil
                return .zero
            }
            return Self.delay(afterFailures: record.failures, base: baseDelay, maximum: maximumDelay)
        }
    }

    public func failed(_ address: String, now: ContinuousClock.Instant = .now) {
        records.withLock { records in
            if records[address] == nil, records.count >= capacity {
                records = records.filter { now - $0.value.last <= forgetAfter }
                if records.count >= capacity, let oldest = records.min(by: { $0.value.last < $1.value.last })?.key {
                    records[oldest] = nil
                }
            }
            records[address, default: Record(failures: 0, last: now)].failures += 1
            records[address]?.last = now
        }
    }

    public func succeeded(_ address: String) {
        _ = records.withLock { $0.removeValue(forKey: address) }
    }

    static func delay(afterFailures failures: Int, base: Duration, maximum: Duration) -> Duration {
        guard failures > 0 else { return .zero }
        var delay = base
        for _ in 1..<min(failures, 32) {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}
