/// Tracks signs of life on a line and reports silence once, and its end once.
struct LinkSupervision<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    let supervisionTime: Duration?
    private(set) var lastSignOfLife: Instant
    private(set) var isSilent = false

    init(supervisionTime: Duration?, now: Instant) {
        self.supervisionTime = supervisionTime
        lastSignOfLife = now
    }

    var deadline: Instant? {
        guard let supervisionTime, !isSilent else { return nil }
        return lastSignOfLife.advanced(by: supervisionTime)
    }

    mutating func signOfLife(now: Instant) -> [LinkAction<Instant>] {
        lastSignOfLife = now
        guard isSilent else { return [] }
        isSilent = false
        return [.linkAlive]
    }

    mutating func check(now: Instant) -> [LinkAction<Instant>] {
        guard let deadline, deadline <= now else { return [] }
        isSilent = true
        return [.linkSilent]
    }
}
