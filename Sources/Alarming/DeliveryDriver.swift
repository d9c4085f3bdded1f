#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one delivery attempt came to.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The device took the message (HTTP 2xx, SIP 200).
    case accepted(detail: String)
    /// A gateway took it but has not confirmed the handset got it (SIP 202).
    case queued(detail: String)
    /// It failed. `retryable` failures are tried again with backoff; the others are final for this
    /// destination (a 404 from a phone, an unknown driver).
    case failed(reason: String, retryable: Bool)

    public var summary: String {
        switch self {
        case .accepted(let detail): "accepted: \(detail)"
        case .queued(let detail): "queued: \(detail)"
        case .failed(let reason, let retryable): (retryable ? "failed (will retry): " : "failed: ") + reason
        }
    }
}

/// How often and how patiently a driver's failures are tried again. The alarm service runs the loop
/// so that every attempt and its outcome is journalled in one place.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var multiplier: Int

    public init(maxAttempts: Int = 4, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(8), multiplier: Int = 2) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = max(1, multiplier)
    }

    /// The pause after failed attempt `attempt` (1-based), before the next one.
    public func backoff(after attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(1, attempt) {
            delay = delay * multiplier
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }
}

/// One push of one alarm to one destination.
public struct DeliveryRequest: Sendable {
    public var alarm: Alarm
    public var destination: Destination
    /// 1 for the first attempt of a push.
    public var attempt: Int
    /// 0 for the first push, then 1, 2, … for repetitions.
    public var repetition: Int

    public init(alarm: Alarm, destination: Destination, attempt: Int, repetition: Int) {
        self.alarm = alarm
        self.destination = destination
        self.attempt = attempt
        self.repetition = repetition
    }
}

/// An output: something that can put an alarm in front of a person. Implementations do one attempt
/// per call, never throw for a peer's failure, and bound their own time.
public protocol DeliveryDriver: Sendable {
    /// The name destinations use in their `driver` field, such as `webhook`.
    var name: String { get }
    var retryPolicy: RetryPolicy { get }
    func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome
}
