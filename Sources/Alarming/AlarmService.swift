#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// Settings of the alarm core that a reload may change.
public struct AlarmSettings: Sendable, Hashable {
    /// Where alarms for unknown groups, undeliverable alarms and supervision faults go.
    public var technicalGroup: String?

    public init(technicalGroup: String? = nil) {
        self.technicalGroup = technicalGroup
    }

    /// The technical group, or nil when it is turned off; the configuration spells "off" as "".
    var effectiveTechnicalGroup: String? {
        guard let technicalGroup, !technicalGroup.isEmpty else { return nil }
        return technicalGroup
    }
}

public enum AlarmServiceError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(AlarmID)
    case alreadyEnded(AlarmID)
    /// A raise that refuses a running reference found alarm `id` still open with it.
    case referenceStillOpen(AlarmID)

    public var description: String {
        switch self {
        case .notFound(let id): "no alarm \(id)"
        case .alreadyEnded(let id): "alarm \(id) has already ended"
        case .referenceStillOpen(let id): "alarm \(id) with the same reference is still open"
        }
    }
}

/// Owns the life of every open alarm: routing, pushing through the drivers with retries,
/// repetitions, acknowledgement, ending, and resuming after a restart. Every change is journalled
/// before it is published, and `raise` returns only once the alarm is on disk.
public actor AlarmService {
    private struct SourceReference: Hashable {
        var source: AlarmSource
        var reference: String
    }

    /// The changes of one alarm waiting for its next journal write.
    private struct QueuedWrite {
        var snapshot: Alarm
        var entries: [StampedEntry] = []
        var changes: [AlarmEvent.Change] = []
        var waiting: [CheckedContinuation<Alarm, Never>] = []
    }

    private let journal: any AlarmJournal
    private let directory: any Directory
    private var drivers: [String: any DeliveryDriver]
    /// Places the calls of escalation chains; nil until a PBX client or VOIspeed is configured.
    private var dialer: (any EscalationDialer)?
    private var settings: AlarmSettings
    private let clock: any AlarmClock
    private let logger: Logger
    public nonisolated let events: AlarmEventHub

    private var open: [AlarmID: Alarm] = [:]
    /// Open alarms by source and reference: ESPA-X asks at every P-START whether the reference is
    /// still running, and a scan of thousands of open alarms per request would cap the rate.
    private var openByReference: [SourceReference: AlarmID] = [:]
    private var tasks: [AlarmID: Task<Void, Never>] = [:]
    /// Every delivery task until it has returned, including cancelled ones still unwinding.
    private var running: [Int: Task<Void, Never>] = [:]
    private var nextTaskNumber = 0
    /// Open technical alarms by their fault key, so a fault raises one alarm, not one per check.
    private var technical: [String: AlarmID] = [:]
    /// Technical alarms being journalled right now, so that a second report of the same fault
    /// waits for the first instead of raising a twin.
    private var technicalInFlight: [String: Task<AlarmID?, Never>] = [:]
    /// Changes of an alarm committed while its previous journal write was still on its way to disk.
    /// They go to the journal together, as one write of the newest snapshot with every entry, so an
    /// alarm pushed to 500 phones costs a handful of writes instead of a thousand in a row.
    private var queuedWrites: [AlarmID: QueuedWrite] = [:]
    /// The task writing each alarm's queued changes. One per alarm, so that an alarm's writes reach
    /// the journal, and its events reach subscribers, in revision order even though the actor is
    /// reentrant.
    private var journalWriters: [AlarmID: Task<Void, Never>] = [:]
    /// Alarms whose queued changes nobody waits for (the start of a delivery attempt): they go to
    /// the journal with the alarm's next change that somebody does wait for, usually the attempt's
    /// outcome a few milliseconds later, or `backgroundWriteLinger` after they were queued. A push
    /// that a phone answers at once then costs one write instead of two.
    private var lingering: Set<AlarmID> = []
    private var lingeringFlush: Task<Void, Never>?
    static let backgroundWriteLinger = Duration.milliseconds(50)
    /// Alarms that have just ended but whose end is still being journalled: asked about in that
    /// moment, the journal would still call them open.
    private var closing: [AlarmID: Alarm] = [:]
    private var stopped = false
    /// Who gave the latest acknowledgement that did not yet meet an `all` rule, to name them when
    /// the rule is met by another destination failing for good.
    private var partialAcknowledgements: [AlarmID: String] = [:]

    public init(
        journal: any AlarmJournal,
        directory: any Directory,
        drivers: [any DeliveryDriver],
        settings: AlarmSettings,
        clock: any AlarmClock = SystemAlarmClock(),
        events: AlarmEventHub = AlarmEventHub(),
        logger: Logger = Logger(label: "tocsin.alarming"),
        dialer: (any EscalationDialer)? = nil
    ) {
        self.dialer = dialer
        self.journal = journal
        self.directory = directory
        self.drivers = Dictionary(drivers.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.settings = settings
        self.clock = clock
        self.events = events
        self.logger = logger
    }

    // MARK: - Lifecycle

    /// Loads the alarms that had not ended and resumes their delivery. Returns how many.
    @discardableResult
    public func start() async throws -> Int {
        let alarms = try await journal.openAlarms()
        for alarm in alarms where open[alarm.id] == nil {
            adopt(alarm)
            if alarm.request.source.kind == .technical, let key = alarm.request.sourceReference {
                technical[key] = alarm.id
            }
        }
        for alarm in alarms { spawn(alarm.id) }
        if !alarms.isEmpty {
            logger.notice("resuming open alarms", metadata: ["count": "\(alarms.count)"])
        }
        return alarms.count
    }

    /// Stops all delivery work. Open alarms stay open in the journal and resume at the next start.
    public func shutdown() async {
        stopped = true
        let running = Array(tasks.values)
        tasks.removeAll()
        for task in running { task.cancel() }
        for task in running { await task.value }
        await waitForDeliveries()
        // What the cancelled deliveries had decided still goes to the journal before it closes.
        flushLingeringWrites()
        while let writer = journalWriters.values.first { await writer.value }
    }

    public func update(settings: AlarmSettings) {
        self.settings = settings
    }

    public func register(driver: any DeliveryDriver) {
        drivers[driver.name] = driver
    }

    /// Sets (or with nil removes) the dialer of escalation chains. Chains already running keep the
    /// dialer they started with for the call in progress.
    public func register(dialer: (any EscalationDialer)?) {
        self.dialer = dialer
    }

    public var openCount: Int { open.count }

    // MARK: - Requests from adapters and staff

    /// Records a new alarm durably and starts its delivery. When this returns, the caller may
    /// acknowledge its peer: the alarm survives a crash from here on.
    ///
    /// The alarm is routed first and goes to disk routed, in one write: routing reads a directory
    /// that is served from memory, and a second write an alarm would cost every source's rate.
    public func raise(_ request: AlarmRequest) async throws -> Alarm {
        try await raise(request, refusingOpenReference: false)
    }

    /// `raise`; with `refusingOpenReference`, a request whose source reference still names an open
    /// alarm of the same source is refused with `referenceStillOpen` instead (ESPA-X answers a
    /// running `CP-PR-REF` with 450), checked in the same step as the raise.
    public func raise(_ request: AlarmRequest, refusingOpenReference: Bool) async throws -> Alarm {
        if refusingOpenReference, let reference = request.sourceReference,
           let running = openAlarm(source: request.source, reference: reference) {
            throw AlarmServiceError.referenceStillOpen(running.id)
        }
        let receivedAt = clock.now()
        let routing = await route(request)
        var alarm = Alarm(id: 0, request: request, receivedAt: receivedAt)
        let routed = Self.apply(routing, to: &alarm, at: clock.now())
        alarm = try await journal.record(alarm, entries: [StampedEntry(at: receivedAt, entry: .received)]
            + routed.map { StampedEntry(at: alarm.updatedAt, entry: $0) })
        adopt(alarm)
        AlarmMetrics.raised(request)
        logRerouting(alarm)
        events.publish(AlarmEvent(alarm: alarm, change: .raised))
        events.publish(AlarmEvent(alarm: alarm, change: .routed))
        spawn(alarm.id)
        return alarm
    }

    /// A person confirmed the alarm. With a phone, under the `all` rule, the alarm ends only when
    /// every phone that took it has acknowledged; without one (web page, REST) it ends at once.
    public func acknowledge(_ id: AlarmID, by person: String, phoneID: Int64? = nil) async throws -> Alarm {
        guard let before = open[id] else { throw try await missing(id) }
        // The rule comes from the directory, which suspends: the alarm is read again afterwards so
        // that a delivery outcome committed meanwhile is not overwritten by a stale copy.
        let rule = phoneID == nil ? .any : await rule(for: before)
        guard var alarm = open[id] else { throw try await missing(id) }
        var entries: [JournalEntry] = [.acknowledged(by: person, phoneID: phoneID)]
        let now = clock.now()
        if let phoneID, let index = alarm.deliveries.firstIndex(where: { $0.destination.phoneID == phoneID }) {
            alarm.deliveries[index].status = .acknowledged
            alarm.deliveries[index].updatedAt = now
        }
        // Under `any` one person is enough, even on a phone the alarm was not pushed to (one
        // reached by escalation); under `all` that phone does not stand in for the others.
        let satisfied = phoneID == nil || rule == .any || Self.isSatisfied(alarm, rule: rule)
        var changes: [AlarmEvent.Change] = [.acknowledged(by: person, phoneID: phoneID)]
        if satisfied {
            markAcknowledged(&alarm, by: person, at: now, entries: &entries)
            changes.append(.ended(.finished))
        } else {
            partialAcknowledgements[id] = person
        }
        alarm = await commit(alarm, entries: entries, changes: changes)
        if satisfied { finish(id) }
        return alarm
    }

    /// Whether the acknowledgements so far meet the group's rule. Under `all`, every destination
    /// that took the alarm or may still take it must have acknowledged; a destination that finally
    /// failed cannot, so it does not hold the alarm open.
    static func isSatisfied(_ alarm: Alarm, rule: AcknowledgementRule) -> Bool {
        let acknowledged = alarm.deliveries.contains { $0.status == .acknowledged }
        switch rule {
        case .any:
            return acknowledged
        case .all:
            return acknowledged && alarm.deliveries.allSatisfy { $0.status == .acknowledged || $0.status == .failed }
        }
    }

    private func markAcknowledged(_ alarm: inout Alarm, by person: String?, at now: Date, entries: inout [JournalEntry]) {
        alarm.state = .acknowledged
        alarm.acknowledgedAt = now
        alarm.acknowledgedBy = person
        entries.append(.stateChanged(.acknowledged))
        close(&alarm, reason: .finished, by: person, at: now, entries: &entries)
    }

    /// Ends an alarm on behalf of its source (`.client`), an operator or the server.
    public func end(_ id: AlarmID, reason: EndReason, by actor: String?) async throws -> Alarm {
        guard var alarm = open[id] else { throw try await missing(id) }
        var entries: [JournalEntry] = []
        close(&alarm, reason: reason, by: actor, at: clock.now(), entries: &entries)
        alarm = await commit(alarm, entries: entries, changes: [.ended(reason)])
        finish(id)
        return alarm
    }

    public func alarm(id: AlarmID) async throws -> Alarm? {
        if let alarm = open[id] ?? closing[id] { return alarm }
        return try await journal.alarm(id: id)
    }

    public func alarms(matching query: AlarmQuery) async throws -> [Alarm] {
        try await journal.alarms(matching: query)
    }

    /// The running alarm from this source with this reference, if any (ESPA-X duplicate
    /// `CP-PR-REF`, ESPA 4.4.4 reset by call address).
    public func openAlarm(source: AlarmSource, reference: String) -> Alarm? {
        openByReference[SourceReference(source: source, reference: reference)].flatMap { open[$0] }
    }

    public var openAlarms: [Alarm] { open.values.sorted { $0.id < $1.id } }

    // MARK: - Technical alarms

    /// Raises one technical alarm per fault key; raising it again while it is open does nothing.
    @discardableResult
    public func raiseTechnical(key: String, text: String, priority: Priority = .high) async -> AlarmID? {
        if let id = technical[key], open[id] != nil { return id }
        if let inFlight = technicalInFlight[key] { return await inFlight.value }
        let raising = Task { await self.raiseTechnicalNow(key: key, text: text, priority: priority) }
        technicalInFlight[key] = raising
        let id = await raising.value
        technicalInFlight[key] = nil
        return id
    }

    private func raiseTechnicalNow(key: String, text: String, priority: Priority) async -> AlarmID? {
        guard let group = settings.effectiveTechnicalGroup else {
            logger.critical("technical fault with no technical group configured", metadata: ["fault": "\(key)", "text": "\(text)"])
            return nil
        }
        let request = AlarmRequest(
            source: AlarmSource(kind: .technical, name: "tocsin"),
            sourceReference: key,
            target: .group(group),
            text: text,
            priority: priority
        )
        do {
            let alarm = try await raise(request)
            technical[key] = alarm.id
            return alarm.id
        } catch {
            logger.critical("technical alarm could not be journalled", metadata: ["fault": "\(key)", "error": "\(error)"])
            return nil
        }
    }

    /// The fault is gone: ends its technical alarm, if one is open.
    public func clearTechnical(key: String) async {
        // A raise still being journalled would otherwise leave its alarm open after the clear.
        if let inFlight = technicalInFlight[key] { _ = await inFlight.value }
        guard let id = technical.removeValue(forKey: key), open[id] != nil else { return }
        _ = try? await end(id, reason: .finished, by: "tocsin")
    }

    // MARK: - Delivery

    private func spawn(_ id: AlarmID) {
        guard !stopped, tasks[id] == nil else { return }
        nextTaskNumber += 1
        let number = nextTaskNumber
        let task = Task { [weak self] in
            await self?.run(id)
            await self?.taskReturned(number)
        }
        tasks[id] = task
        running[number] = task
    }

    private func taskReturned(_ number: Int) {
        running[number] = nil
    }

    /// Waits until every delivery task has returned: an alarm waiting for its next repetition
    /// keeps this waiting. For an orderly stop after `shutdown`, and for tests.
    public func waitForDeliveries() async {
        while let task = running.values.first {
            await task.value
        }
    }

    private func run(_ id: AlarmID) async {
        defer { tasks[id] = nil }
        if open[id]?.state == .received {
            await routeAlarm(id)
        }
        guard let alarm = open[id], alarm.isOpen else { return }

        // The first push goes to every destination that has not taken the alarm yet. After a
        // restart that skips the ones that had accepted it: nobody is paged twice for one push.
        let firstPush = alarm.deliveries.filter { $0.status == .pending || $0.status == .sending }
        await push(id, to: firstPush.map(\.destination), repetition: 0)
        // A shutdown cut the push short: that is no failure, the next start resumes it.
        if Task.isCancelled { return }
        guard let afterFirst = open[id], afterFirst.isOpen else { return }
        let chain = await escalationChain(for: afterFirst)
        if !afterFirst.deliveries.contains(where: { $0.status.hasTakenAlarm }) {
            // Nobody has the alarm on a device: calling someone is then the only way left.
            if let chain {
                await escalate(id, chain: chain)
            } else if afterFirst.deliveries.isEmpty {
                await fail(id, reason: afterFirst.routingNote ?? "group \(afterFirst.routedGroup ?? "?") has no member who can take alarms")
            } else {
                await fail(id, reason: "no destination took the alarm")
            }
            return
        }
        // Under `all`, a phone that acknowledged while another was still being tried did not end
        // the alarm; if that other one then failed for good, the rule is met now.
        if await completeIfAcknowledged(id) { return }
        guard let chain else {
            await repeatUntilAcknowledged(id)
            return
        }
        await withTaskGroup(of: Void.self) { work in
            work.addTask { await self.repeatUntilAcknowledged(id) }
            work.addTask { await self.escalate(id, chain: chain) }
            // A chain that ends the alarm (answered and acknowledging, or exhausted) must not leave
            // the repetitions asleep until their next interval.
            while await work.next() != nil {
                if open[id] == nil { work.cancelAll() }
            }
        }
    }

    /// Routes an alarm that was journalled before it was routed: one left by an earlier version
    /// of Tocsin, which recorded alarms first and routed them afterwards.
    private func routeAlarm(_ id: AlarmID) async {
        guard let request = open[id]?.request else { return }
        let routing = await route(request)
        // Routing suspends on the directory; the alarm may have been acknowledged or ended meanwhile.
        guard var alarm = open[id], alarm.state == .received else { return }
        let entries = Self.apply(routing, to: &alarm, at: clock.now())
        logRerouting(alarm)
        _ = commitInBackground(alarm, entries: entries, changes: [.routed])
    }

    /// Gives the alarm its group, note and deliveries, and returns the entries that say so.
    private static func apply(_ routing: Routing, to alarm: inout Alarm, at now: Date) -> [JournalEntry] {
        alarm.routedGroup = routing.group
        alarm.routingNote = routing.note
        alarm.deliveries = routing.destinations.map { Delivery(destination: $0, updatedAt: now) }
        alarm.state = .dispatching
        alarm.updatedAt = now
        return [.routed(group: routing.group, destinations: routing.destinations.count, note: routing.note), .stateChanged(.dispatching)]
    }

    private func logRerouting(_ alarm: Alarm) {
        guard let note = alarm.routingNote else { return }
        logger.warning("alarm rerouted", metadata: ["alarm": "\(alarm.id)", "note": "\(note)"])
    }

    private struct Routing {
        var group: String?
        var destinations: [Destination]
        var note: String?
    }

    private func route(_ request: AlarmRequest) async -> Routing {
        switch request.target {
        case .group(let number):
            switch await findGroup(number) {
            case .found(let group): return await routing(to: group, note: nil)
            case .missing: return await technicalRouting(note: "unknown group \(number)", instead: number)
            case .failed(let error): return await technicalRouting(note: "group \(number) could not be looked up (\(error))", instead: number)
            }
        case .phone(let address):
            do {
                if let phone = try await directory.phone(address: address) {
                    let destination = Destination(phoneID: phone.id, name: phone.name, driver: phone.driver, address: phone.address)
                    return Routing(group: nil, destinations: [destination], note: nil)
                }
            } catch {
                logger.error("directory lookup failed", metadata: ["phone": "\(address)", "error": "\(error)"])
            }
            return await technicalRouting(note: "unknown phone \(address)")
        }
    }

    /// Routing to the technical group instead of the `instead` group that could not be used.
    private func technicalRouting(note: String, instead failedGroup: String? = nil) async -> Routing {
        guard let number = settings.effectiveTechnicalGroup else {
            return Routing(group: nil, destinations: [], note: "\(note), and no technical group to raise it to")
        }
        if number == failedGroup {
            // The technical group itself is what failed; looking it up again says nothing new.
            return Routing(group: nil, destinations: [], note: note)
        }
        switch await findGroup(number) {
        case .found(let group):
            return await routing(to: group, note: "\(note), raised to technical group \(number)")
        case .missing:
            return Routing(group: nil, destinations: [], note: "\(note), and the technical group \(number) does not exist")
        case .failed(let error):
            return Routing(group: nil, destinations: [], note: "\(note), and the technical group \(number) could not be looked up (\(error))")
        }
    }

    private enum GroupLookup {
        case found(Group)
        case missing
        case failed(String)
    }

    private func findGroup(_ number: String) async -> GroupLookup {
        do {
            guard let group = try await directory.group(number: number) else { return .missing }
            return .found(group)
        } catch {
            logger.error("directory lookup failed", metadata: ["group": "\(number)", "error": "\(error)"])
            return .failed("\(error)")
        }
    }

    private func lookupGroup(_ number: String) async -> Group? {
        if case .found(let group) = await findGroup(number) { return group }
        return nil
    }

    private func routing(to group: Group, note: String?) async -> Routing {
        var destinations: [Destination] = []
        var skipped: [String] = []
        var seen = Set<Int64>()
        let members: [MemberWithPhone]
        do {
            members = try await directory.membersWithPhones(ids: group.memberIDs)
        } catch {
            logger.error("directory lookup failed", metadata: ["group": "\(group.number)", "error": "\(error)"])
            let notes = (note.map { [$0] } ?? []) + ["the members of group \(group.number) could not be looked up (\(error))"]
            return Routing(group: group.number, destinations: [], note: notes.joined(separator: "; "))
        }
        for entry in members {
            let member = entry.member
            guard member.presence.canTakeAlarms else {
                skipped.append("\(member.name) (\(member.presence.rawValue))")
                continue
            }
            guard let phone = entry.phone else {
                skipped.append("\(member.name) (no phone \(member.phoneID))")
                continue
            }
            // Two members sharing one phone get one push, not two.
            guard seen.insert(phone.id).inserted else { continue }
            destinations.append(Destination(phoneID: phone.id, memberID: member.id, name: member.name, driver: phone.driver, address: phone.address))
        }
        var notes = note.map { [$0] } ?? []
        if !skipped.isEmpty { notes.append("skipped " + skipped.joined(separator: ", ")) }
        return Routing(group: group.number, destinations: destinations, note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    private func rule(for alarm: Alarm) async -> AcknowledgementRule {
        guard let number = alarm.routedGroup, let group = await lookupGroup(number) else { return .any }
        return group.rule
    }

    private func push(_ id: AlarmID, to destinations: [Destination], repetition: Int) async {
        // One destination needs no child task.
        if destinations.count == 1 {
            await push(id, to: destinations[0], repetition: repetition)
            return
        }
        await withTaskGroup(of: Void.self) { tasks in
            for destination in destinations {
                tasks.addTask { await self.push(id, to: destination, repetition: repetition) }
            }
        }
    }

    private func push(_ id: AlarmID, to destination: Destination, repetition: Int) async {
        guard let driver = drivers[destination.driver] else {
            await recordOutcome(id, destination, repetition: repetition, .failed(reason: "no delivery driver named \(destination.driver)", retryable: false), final: true)
            return
        }
        let policy = driver.retryPolicy
        for attempt in 1...policy.maxAttempts {
            guard !Task.isCancelled, var alarm = open[id], alarm.isOpen,
                  let index = alarm.deliveries.firstIndex(where: { $0.destination.phoneID == destination.phoneID }),
                  alarm.deliveries[index].status != .acknowledged
            else { return }
            alarm.deliveries[index].attempts += 1
            if repetition == 0 { alarm.deliveries[index].status = .sending }
            alarm.deliveries[index].updatedAt = clock.now()
            alarm = commitInBackground(alarm, entries: [.attempt(phoneID: destination.phoneID, attempt: attempt, repetition: repetition)], changes: [])

            let outcome = await driver.deliver(DeliveryRequest(alarm: alarm, destination: destination, attempt: attempt, repetition: repetition))
            if case .failed(_, true) = outcome, attempt < policy.maxAttempts {
                await recordOutcome(id, destination, repetition: repetition, outcome, final: false)
                do { try await clock.sleep(for: policy.backoff(after: attempt)) } catch { return }
                continue
            }
            await recordOutcome(id, destination, repetition: repetition, outcome, final: true, attempts: attempt)
            return
        }
    }

    private func recordOutcome(_ id: AlarmID, _ destination: Destination, repetition: Int, _ outcome: DeliveryOutcome, final: Bool, attempts: Int = 1) async {
        guard var alarm = open[id], let index = alarm.deliveries.firstIndex(where: { $0.destination.phoneID == destination.phoneID }) else { return }
        var delivery = alarm.deliveries[index]
        let previous = delivery.status
        switch outcome {
        case .accepted:
            if previous != .acknowledged { delivery.status = .accepted }
        case .queued:
            if previous != .acknowledged && previous != .accepted { delivery.status = .queued }
        case .failed:
            // A repetition that fails does not undo an earlier accepted push.
            if final && !previous.hasTakenAlarm { delivery.status = .failed }
        }
        if final && repetition > 0 { delivery.repetitions = max(delivery.repetitions, repetition) }
        // The last of a run of retryable failures is not retried: say so instead of "will retry".
        var detail = outcome.summary
        if final, case .failed(let reason, true) = outcome {
            detail = "failed after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason)"
        }
        delivery.lastOutcome = detail
        delivery.updatedAt = clock.now()
        AlarmMetrics.outcome(driver: destination.driver, outcome)
        if delivery.status.hasTakenAlarm && !previous.hasTakenAlarm {
            AlarmMetrics.delivered(driver: destination.driver, priority: alarm.request.priority, after: delivery.updatedAt.timeIntervalSince(alarm.receivedAt))
        }
        alarm.deliveries[index] = delivery
        var entries: [JournalEntry] = [.outcome(phoneID: destination.phoneID, status: delivery.status, detail: detail)]
        if delivery.status.hasTakenAlarm && alarm.state == .dispatching {
            alarm.state = .delivered
            entries.append(.stateChanged(.delivered))
        }
        if case .failed = outcome, final {
            logger.warning("delivery failed", metadata: ["alarm": "\(id)", "phone": "\(destination.name)", "driver": "\(destination.driver)", "outcome": "\(detail)"])
        }
        _ = await commit(alarm, entries: entries, changes: [.delivery(phoneID: destination.phoneID, status: delivery.status)])
    }

    private func repeatUntilAcknowledged(_ id: AlarmID) async {
        guard let number = open[id]?.routedGroup, let group = await lookupGroup(number), group.repetitions > 0 else { return }
        let interval = Duration.seconds(min(max(group.repeatInterval, Group.repeatIntervalRange.lowerBound), Group.repeatIntervalRange.upperBound))
        while true {
            guard let alarm = open[id], alarm.isOpen else { return }
            let done = alarm.deliveries.map(\.repetitions).max() ?? 0
            guard done < group.repetitions else { return }
            do { try await clock.sleep(for: interval) } catch { return }
            guard let current = open[id], current.isOpen else { return }
            let targets = current.deliveries.filter { $0.status != .acknowledged }.map(\.destination)
            if targets.isEmpty { return }
            await push(id, to: targets, repetition: done + 1)
            // A repetition to a destination that has no driver still counts, so the loop ends.
            if let after = open[id], (after.deliveries.map(\.repetitions).max() ?? 0) <= done { return }
        }
    }

    // MARK: - Escalation

    private func escalationChain(for alarm: Alarm) async -> EscalationChain? {
        guard let number = alarm.routedGroup, let group = await lookupGroup(number) else { return nil }
        return group.escalation
    }

    /// Runs the group's escalation chain: waits until `delay` after the alarm arrived, then calls
    /// each number in turn until one answers. An acknowledgement from anywhere cancels this task,
    /// and the dialer then clears the call in progress. An exhausted chain fails the alarm.
    private func escalate(_ id: AlarmID, chain: EscalationChain) async {
        guard let alarm = open[id] else { return }
        // Measured from the arrival, so a restart does not give the alarm a second full delay.
        let remaining = Double(chain.delay) - clock.now().timeIntervalSince(alarm.receivedAt)
        if remaining > 0 {
            do { try await clock.sleep(for: .milliseconds(Int64((remaining * 1000).rounded(.up)))) } catch { return }
        }
        guard !Task.isCancelled, var current = open[id], current.isOpen else { return }
        if current.state != .escalating {
            current.state = .escalating
            _ = await commit(current, entries: [.stateChanged(.escalating)], changes: [])
        }
        for (index, number) in chain.numbers.enumerated() {
            let step = index + 1
            guard !Task.isCancelled, let before = open[id], before.isOpen else { return }
            _ = await commit(before, entries: [.escalationCall(step: step, number: number)], changes: [.escalation(step: step, number: number, outcome: nil)])
            let outcome: CallOutcome
            if let dialer {
                outcome = await dialer.placeCall(from: nil, to: number, noAnswerAfter: .seconds(chain.noAnswerTime))
            } else {
                outcome = .failed(detail: "no escalation dialer is configured: set up [csta] or [voispeed]")
            }
            await recordCall(id, step: step, number: number, outcome)
            switch outcome {
            case .answered:
                await reached(id, number: number, acknowledging: chain.answerAcknowledges)
                return
            case .cancelled:
                return
            case .noAnswer, .failed:
                continue
            }
        }
        guard !Task.isCancelled, open[id] != nil else { return }
        await fail(id, reason: "escalation chain exhausted: none of \(chain.numbers.joined(separator: ", ")) answered")
    }

    private func recordCall(_ id: AlarmID, step: Int, number: String, _ outcome: CallOutcome) async {
        let level: Logger.Level = if case .answered = outcome { .notice } else { .warning }
        logger.log(level: level, "escalation call ended", metadata: ["alarm": "\(id)", "step": "\(step)", "number": "\(number)", "outcome": "\(outcome)"])
        // A call cleared because the alarm ended is still part of its history.
        let snapshot: Alarm?
        if let alarm = open[id] ?? closing[id] {
            snapshot = alarm
        } else {
            snapshot = try? await journal.alarm(id: id)
        }
        guard let snapshot else { return }
        _ = await commit(
            snapshot,
            entries: [.escalationOutcome(step: step, number: number, outcome: outcome.word, detail: outcome.detail)],
            changes: [.escalation(step: step, number: number, outcome: outcome)]
        )
    }

    /// Someone answered. Either that acknowledges the alarm, or the alarm goes back to waiting for
    /// an acknowledgement with the chain done.
    private func reached(_ id: AlarmID, number: String, acknowledging: Bool) async {
        if acknowledging {
            _ = try? await acknowledge(id, by: number)
            return
        }
        guard var alarm = open[id], alarm.state == .escalating else { return }
        alarm.state = .delivered
        _ = await commit(alarm, entries: [.stateChanged(.delivered)], changes: [])
    }

    /// Ends the alarm as acknowledged when the acknowledgements already given meet its rule.
    private func completeIfAcknowledged(_ id: AlarmID) async -> Bool {
        guard let before = open[id] else { return true }
        guard before.deliveries.contains(where: { $0.status == .acknowledged }) else { return false }
        let rule = await rule(for: before)
        guard var alarm = open[id], alarm.isOpen else { return true }
        guard Self.isSatisfied(alarm, rule: rule) else { return false }
        var entries: [JournalEntry] = []
        let by = partialAcknowledgements[id]
            ?? alarm.deliveries.filter { $0.status == .acknowledged }.max { $0.updatedAt < $1.updatedAt }?.destination.name
        markAcknowledged(&alarm, by: by, at: clock.now(), entries: &entries)
        _ = await commit(alarm, entries: entries, changes: [.ended(.finished)])
        finish(id, cancellingTask: false)
        return true
    }

    private func fail(_ id: AlarmID, reason: String) async {
        guard var alarm = open[id], alarm.isOpen else { return }
        var entries: [JournalEntry] = []
        close(&alarm, reason: .failure, by: nil, at: clock.now(), entries: &entries)
        logger.error("alarm could not be delivered", metadata: ["alarm": "\(id)", "reason": "\(reason)"])
        _ = await commit(alarm, entries: entries, changes: [.ended(.failure)])
        // `fail` runs in the alarm's own delivery task: cancelling it here would cancel the
        // journal write of the technical alarm below.
        finish(id, cancellingTask: false)
        if alarm.request.source.kind != .technical {
            let target = alarm.routedGroup ?? alarm.request.target.value
            await raiseTechnical(
                key: "undeliverable:\(id)",
                text: "Alarm \(id) for \(target) could not be delivered (\(reason)): \(alarm.request.text)",
                priority: alarm.request.priority < .high ? alarm.request.priority : .high
            )
        }
    }

    // MARK: - Bookkeeping

    private func close(_ alarm: inout Alarm, reason: EndReason, by actor: String?, at now: Date, entries: inout [JournalEntry]) {
        alarm.state = .ended
        alarm.endReason = reason
        alarm.endedAt = now
        alarm.endedBy = actor
        entries.append(.ended(reason: reason, by: actor))
        AlarmMetrics.ended(alarm, reason: reason)
    }

    private func adopt(_ alarm: Alarm) {
        open[alarm.id] = alarm
        if let reference = alarm.request.sourceReference {
            openByReference[SourceReference(source: alarm.request.source, reference: reference)] = alarm.id
        }
    }

    private func forget(_ id: AlarmID) {
        guard let alarm = open.removeValue(forKey: id), let reference = alarm.request.sourceReference else { return }
        let key = SourceReference(source: alarm.request.source, reference: reference)
        if openByReference[key] == id { openByReference[key] = nil }
    }

    /// Forgets a closed alarm and stops its delivery task. The task itself passes
    /// `cancellingTask: false`, so that it can finish what it does after closing the alarm.
    private func finish(_ id: AlarmID, cancellingTask: Bool = true) {
        forget(id)
        partialAcknowledgements[id] = nil
        if let key = technical.first(where: { $0.value == id })?.key { technical[key] = nil }
        if cancellingTask { tasks.removeValue(forKey: id)?.cancel() }
    }

    /// Journals a change and then publishes it. If the journal cannot be written the alarm still
    /// goes on in memory: delivering an alarm matters more than recording it.
    ///
    /// The in-memory alarm is replaced before the first suspension, so every other path of this
    /// reentrant actor sees the new revision (and a closed alarm is gone from `open` at once, so no
    /// late delivery outcome can bring it back). The caller resumes once the change is on disk.
    private func commit(_ alarm: Alarm, entries: [JournalEntry], changes: [AlarmEvent.Change]) async -> Alarm {
        var alarm = alarm
        let now = clock.now()
        alarm.revision += 1
        alarm.updatedAt = now
        let id = alarm.id
        if alarm.isOpen {
            open[id] = alarm
        } else {
            forget(id)
            closing[id] = alarm
        }
        let ended = !alarm.isOpen
        let stamped = entries.map { StampedEntry(at: now, entry: $0) }
        // The caller gets back the snapshot that was written, which includes its change and maybe
        // later ones of the same write. Waiting callers hold no copy of their own meanwhile: with
        // 500 phones, 500 private copies of a 500-delivery alarm would cost tens of megabytes.
        let written = await withCheckedContinuation { (written: CheckedContinuation<Alarm, Never>) in
            queueWrite(alarm, entries: stamped, changes: changes, written: written)
        }
        if ended { closing[id] = nil }
        return written
    }

    /// Like `commit`, for a change the caller need not wait for: the start of a delivery attempt,
    /// and the routing of an alarm an earlier version journalled unrouted. The write is queued in
    /// order with the alarm's others, so it is journalled, and its events published, before any
    /// later change of the alarm; it lingers for the next one (see `lingering`), and the caller goes
    /// on at once. Losing it in a crash changes nothing on restart: an alarm that was not yet routed
    /// is routed again, and a destination that had not accepted is pushed again either way.
    private func commitInBackground(_ alarm: Alarm, entries: [JournalEntry], changes: [AlarmEvent.Change]) -> Alarm {
        precondition(alarm.isOpen, "an end is always awaited")
        var alarm = alarm
        let now = clock.now()
        alarm.revision += 1
        alarm.updatedAt = now
        open[alarm.id] = alarm
        queueWrite(alarm, entries: entries.map { StampedEntry(at: now, entry: $0) }, changes: changes, written: nil)
        return alarm
    }

    private func queueWrite(_ snapshot: Alarm, entries: [StampedEntry], changes: [AlarmEvent.Change], written: CheckedContinuation<Alarm, Never>?) {
        let id = snapshot.id
        var write = queuedWrites[id] ?? QueuedWrite(snapshot: snapshot)
        // A call outcome recorded after the end commits a copy read back from the journal, which
        // may be older than a snapshot already queued; the journal keeps the newest anyway.
        if snapshot.revision > write.snapshot.revision { write.snapshot = snapshot }
        write.entries += entries
        write.changes += changes
        if let written { write.waiting.append(written) }
        queuedWrites[id] = write
        guard journalWriters[id] == nil else { return }
        if write.waiting.isEmpty {
            lingering.insert(id)
            // Real time, not the alarm clock: this is about batching disk writes, and a test's
            // stopped clock must not hold them back.
            if lingeringFlush == nil {
                lingeringFlush = Task {
                    try? await Task.sleep(for: Self.backgroundWriteLinger)
                    self.flushLingeringWrites()
                }
            }
            return
        }
        lingering.remove(id)
        startJournalWriter(id)
    }

    private func flushLingeringWrites() {
        lingeringFlush?.cancel()
        lingeringFlush = nil
        let due = lingering
        lingering = []
        for id in due where journalWriters[id] == nil && queuedWrites[id] != nil { startJournalWriter(id) }
    }

    private func startJournalWriter(_ id: AlarmID) {
        // An unstructured task, so that a delivery task cancelled by an acknowledgement still
        // writes what it had already decided.
        journalWriters[id] = Task { await self.writeQueued(id) }
    }

    private func writeQueued(_ id: AlarmID) async {
        while let write = queuedWrites.removeValue(forKey: id) {
            do {
                try await journal.update(write.snapshot, entries: write.entries)
            } catch {
                logger.critical("journal write failed", metadata: ["alarm": "\(id)", "error": "\(error)"])
            }
            // Each event names its own change; the alarm it carries is the one just written, which
            // may already include later changes of the same write.
            for change in write.changes { events.publish(AlarmEvent(alarm: write.snapshot, change: change)) }
            for waiting in write.waiting { waiting.resume(returning: write.snapshot) }
        }
        journalWriters[id] = nil
    }

    private func missing(_ id: AlarmID) async throws -> AlarmServiceError {
        if closing[id] != nil { return .alreadyEnded(id) }
        if let stored = try await journal.alarm(id: id), !stored.isOpen { return .alreadyEnded(id) }
        return .notFound(id)
    }
}
