import Synchronization

/// Something that happened to an alarm, published after it was journalled.
public struct AlarmEvent: Sendable {
    public enum Change: Sendable, Hashable {
        case raised
        case routed
        case delivery(phoneID: Int64, status: DeliveryStatus)
        case acknowledged(by: String, phoneID: Int64?)
        case ended(EndReason)
        /// An escalation call was placed (`outcome` nil) or ended.
        case escalation(step: Int, number: String, outcome: CallOutcome?)
    }

    public var alarm: Alarm
    public var change: Change

    public init(alarm: Alarm, change: Change) {
        self.alarm = alarm
        self.change = change
    }
}

/// Fans alarm events out to any number of subscribers. A subscriber that falls behind loses the
/// oldest events rather than slowing the alarm service down; every event carries the full alarm,
/// so the next one brings it up to date.
public final class AlarmEventHub: Sendable {
    private struct Subscriber: Sendable {
        var continuation: AsyncStream<AlarmEvent>.Continuation
        var wants: (@Sendable (AlarmEvent) -> Bool)?
    }

    /// By id, and as a list that `publish` takes without copying (several events an alarm).
    private struct Subscribers {
        var byID: [Int: Subscriber] = [:] { didSet { list = Array(byID.values) } }
        private(set) var list: [Subscriber] = []
    }

    private let subscribers = Mutex(Subscribers())
    private let nextID = Atomic<Int>(0)
    private let published = Atomic<Int>(0)
    private let bufferSize: Int

    public init(bufferSize: Int = 1024) {
        self.bufferSize = bufferSize
    }

    /// Every event from now on, or with `wants` only those it accepts: an event a subscriber has no
    /// use for then costs it nothing, not even a wake-up (several events an alarm, thousands of
    /// alarms a second).
    public func subscribe(wants: (@Sendable (AlarmEvent) -> Bool)? = nil) -> AsyncStream<AlarmEvent> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<AlarmEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.byID.removeValue(forKey: id) }
        }
        subscribers.withLock { $0.byID[id] = Subscriber(continuation: continuation, wants: wants) }
        return stream
    }

    public func publish(_ event: AlarmEvent) {
        published.add(1, ordering: .relaxed)
        let current = subscribers.withLock { $0.list }
        for subscriber in current where subscriber.wants?(event) ?? true { subscriber.continuation.yield(event) }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.byID.count } }

    /// Events published so far: a cheap sign of whether anything happened since the last look.
    public var publishedCount: Int { published.load(ordering: .relaxed) }

    /// Ends every subscription, for shutdown.
    public func finish() {
        let current = subscribers.withLock { all -> [Subscriber] in
            defer { all.byID.removeAll() }
            return all.list
        }
        for subscriber in current { subscriber.continuation.finish() }
    }
}
