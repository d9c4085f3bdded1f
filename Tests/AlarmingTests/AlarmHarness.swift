import Alarming
import Synchronization

/// Collects the events a service publishes, in order, and lets a test wait for one.
final class EventLog: Sendable {
    private struct State {
        var events: [AlarmEvent] = []
        var waiters: [(predicate: @Sendable (AlarmEvent) -> Bool, continuation: CheckedContinuation<AlarmEvent, Never>)] = []
    }

    private let state = Mutex(State())
    private let reader = Mutex<Task<Void, Never>?>(nil)

    /// Subscribes at once, so that no event published after `init` returns is missed.
    init(_ hub: AlarmEventHub) {
        let stream = hub.subscribe()
        let task = Task { [weak self] in
            for await event in stream { self?.append(event) }
        }
        reader.withLock { $0 = task }
    }

    deinit { reader.withLock { $0?.cancel() } }

    var events: [AlarmEvent] { state.withLock { $0.events } }

    func changes(_ id: AlarmID) -> [AlarmEvent.Change] {
        events.filter { $0.alarm.id == id }.map(\.change)
    }

    private func append(_ event: AlarmEvent) {
        let due = state.withLock { state -> [CheckedContinuation<AlarmEvent, Never>] in
            state.events.append(event)
            let due = state.waiters.filter { $0.predicate(event) }.map(\.continuation)
            state.waiters.removeAll { $0.predicate(event) }
            return due
        }
        for waiter in due { waiter.resume(returning: event) }
    }

    /// The first event (already published or still to come) that matches.
    @discardableResult
    func wait(for predicate: @escaping @Sendable (AlarmEvent) -> Bool) async -> AlarmEvent {
        await withCheckedContinuation { continuation in
            let found = state.withLock { state -> AlarmEvent? in
                if let event = state.events.first(where: predicate) { return event }
                state.waiters.append((predicate, continuation))
                return nil
            }
            if let found { continuation.resume(returning: found) }
        }
    }

    @discardableResult
    func waitForEnd(of id: AlarmID) async -> Alarm {
        await wait { event in
            if event.alarm.id == id, case .ended = event.change { return true }
            return false
        }.alarm
    }

    @discardableResult
    func waitForDelivery(of id: AlarmID, phone: Int64, status: DeliveryStatus) async -> Alarm {
        await wait { $0.alarm.id == id && $0.change == .delivery(phoneID: phone, status: status) }.alarm
    }
}

/// A service wired to in-memory doubles and a manual clock.
struct AlarmHarness {
    let journal: InMemoryJournal
    let directory: InMemoryDirectory
    let driver: ScriptedDriver
    let clock: ManualAlarmClock
    let service: AlarmService
    let log: EventLog

    init(
        journal: InMemoryJournal = InMemoryJournal(),
        directory: InMemoryDirectory = InMemoryDirectory(),
        driver: ScriptedDriver = ScriptedDriver(),
        clock: ManualAlarmClock = ManualAlarmClock(),
        technicalGroup: String? = "999"
    ) {
        self.journal = journal
        self.directory = directory
        self.driver = driver
        self.clock = clock
        service = AlarmService(journal: journal, directory: directory, drivers: [driver], settings: AlarmSettings(technicalGroup: technicalGroup), clock: clock)
        log = EventLog(service.events)
    }

    /// A group of the given people (created available unless a presence is given).
    @discardableResult
    func group(_ number: String, _ people: [(String, Presence)], rule: AcknowledgementRule = .any, repetitions: Int = 0, interval: Int = 30, driver: String = "test") async throws -> Group {
        var ids: [Int64] = []
        for (name, presence) in people {
            ids.append(try await directory.addPerson(name, driver: driver, presence: presence).member.id)
        }
        return try await directory.createGroup(Group(number: number, name: "Group \(number)", memberIDs: ids, rule: rule, repetitions: repetitions, repeatInterval: interval))
    }

    func raise(_ target: AlarmTarget = .group("12"), text: String = "Room 12 bed 1", priority: Priority = .high) async throws -> Alarm {
        try await service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: target, text: text, priority: priority))
    }
}
