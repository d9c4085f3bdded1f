#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import ESPAX
import Logging
import Synchronization

/// Turns process requests into alarms and alarm events into indications. It answers
/// `REQ.P-START` only after `AlarmService.raise` returned (the alarm is journalled), refuses a
/// running `CP-PR-REF` of the same client with 450, ends alarms for `REQ.P-STOP`, lists them for
/// `REQ.P-GETSTAT`, and reports each process to the session that started it in the configured mode.
///
/// Ordering: the response and the first indications of a process are written under the same lock
/// as every later indication, so a client always reads `RSP.P-START`, `IND.P-STARTED`, then the
/// rest, however fast the alarm moves.
public final class ESPAXProcessDesk: Sendable {
    private struct Tracked {
        var link: ESPAXConnectionLink
        var reporter: ESPAXProcessReporter
        var progress: ESPAXProcessProgress
        /// A `REQ.P-STOP` is ending this alarm: its `IND.P-ENDED` follows `RSP.P-STOP`.
        var stopping = false
    }

    private struct ReferenceKey: Hashable { var client: String; var reference: String }

    /// The tracked processes by alarm, and by connection as well: a closed connection drops its
    /// own processes without a pass over everyone's (in callisto mode a process stays tracked
    /// until its alarm ends, so there can be tens of thousands).
    private struct TrackedProcesses {
        private var byAlarm: [AlarmID: Tracked] = [:]
        private var byConnection: [Int: Set<AlarmID>] = [:]

        var count: Int { byAlarm.count }

        subscript(id: AlarmID) -> Tracked? {
            get { byAlarm[id] }
            set {
                let before = byAlarm[id]?.link.id
                byAlarm[id] = newValue
                let after = newValue?.link.id
                guard before != after else { return }
                if let before {
                    byConnection[before]?.remove(id)
                    if byConnection[before]?.isEmpty == true { byConnection[before] = nil }
                }
                if let after { byConnection[after, default: []].insert(id) }
            }
        }

        mutating func removeValue(forKey id: AlarmID) -> Tracked? {
            let removed = self[id]
            self[id] = nil
            return removed
        }

        mutating func forget(connection id: Int) {
            for alarm in byConnection.removeValue(forKey: id) ?? [] { byAlarm[alarm] = nil }
        }
    }

    private struct State {
        var tracked = TrackedProcesses()
        /// Snapshots of ESPA-X alarms whose `raise` has not returned to the desk yet.
        var early: [AlarmID: (alarm: Alarm, at: ContinuousClock.Instant)] = [:]
        var lastEarlyPurge: ContinuousClock.Instant?
        /// References being raised right now: `openAlarm` cannot see them yet.
        var starting: Set<ReferenceKey> = []
        /// P-STARTs without `CP-PR-REF` being raised right now, by client.
        var startingWithoutReference: [String: Int] = [:]

        /// Whether an event of this alarm may come before its `raise` returns to the desk. Only
        /// then is its snapshot kept: events of processes no session follows any more (their
        /// connection closed, the alarm goes on) must not pile up here.
        func mayBeStarting(_ request: AlarmRequest) -> Bool {
            if let reference = request.sourceReference {
                return starting.contains(ReferenceKey(client: request.source.name, reference: reference))
            }
            return startingWithoutReference[request.source.name, default: 0] > 0
        }
    }

    /// Early snapshots are purged of the stale ones once there are this many, at most once a second.
    static let earlyPurgeThreshold = 1_000

    private let state = Mutex(State())
    private let alarms: AlarmService
    private let directory: any Directory
    public let mode: ESPAXReportingMode
    private let logger: Logger

    public init(alarms: AlarmService, directory: any Directory, mode: ESPAXReportingMode, logger: Logger) {
        self.alarms = alarms
        self.directory = directory
        self.mode = mode
        self.logger = logger
    }

    /// How many processes are reported to sessions right now.
    public var trackedCount: Int { state.withLock { $0.tracked.count } }
    /// How many snapshots wait for their `raise` to return (for tests).
    var earlySnapshotCount: Int { state.withLock { $0.early.count } }

    static func source(_ client: String) -> AlarmSource { AlarmSource(kind: .espax, name: client) }

    // MARK: - Events

    /// The events the desk reads: those of alarms ESPA-X clients started. Subscribe with it, so the
    /// hub does not wake the desk for the others. `raised` and `routed` carry the very snapshot
    /// that `raise` returns to the desk, which registers the process with it, so they would only
    /// wake the desk twice an alarm to keep a copy it already gets.
    public static func wants(_ event: AlarmEvent) -> Bool {
        guard event.alarm.request.source.kind == .espax else { return false }
        switch event.change {
        case .raised, .routed: return false
        default: return true
        }
    }

    /// Reads the alarm events until the stream ends. Subscribe (with `wants`) before the listener accepts.
    public func run(events: AsyncStream<AlarmEvent>) async {
        for await event in events {
            handle(event.alarm)
        }
    }

    func handle(_ alarm: Alarm) {
        state.withLock { state in
            guard var tracked = state.tracked[alarm.id] else {
                guard state.mayBeStarting(alarm.request) else { return }
                let now = ContinuousClock.now
                if let known = state.early[alarm.id], known.alarm.revision > alarm.revision { return }
                if state.early.count >= Self.earlyPurgeThreshold, state.lastEarlyPurge.map({ now - $0 >= .seconds(1) }) ?? true {
                    // Left by raises that failed or by anonymous processes of the same client.
                    state.early = state.early.filter { now - $0.value.at < .seconds(30) }
                    state.lastEarlyPurge = now
                }
                state.early[alarm.id] = (alarm, now)
                return
            }
            // The stop reports this end itself, after RSP.P-STOP; the snapshot is left for it.
            if tracked.stopping, alarm.state == .ended { return }
            let changes = tracked.progress.changes(for: alarm)
            send(changes, alarm: alarm, tracked: &tracked)
            if tracked.progress.ended, !tracked.stopping {
                state.tracked[alarm.id] = nil
            } else {
                state.tracked[alarm.id] = tracked
            }
        }
    }

    private func send(_ changes: [ESPAXProcessChange], alarm: Alarm, tracked: inout Tracked) {
        let now = Date()
        var messages: [ESPAXServerMessage] = []
        for change in changes { messages += tracked.reporter.report(change, at: now) }
        tracked.link.send(messages)
    }

    /// Drops the processes of a closed connection; their alarms go on.
    func forget(connection id: Int) {
        state.withLock { state in
            state.tracked.forget(connection: id)
        }
    }

    // MARK: - REQ.P-START

    func start(_ request: ESPAXProcessStartRequest, _ context: ESPAXRequestContext, link: ESPAXConnectionLink) async {
        guard let target = request.target else {
            link.send([startResponse(context, .badRequest, request, tan: 0, info: "one of CP-GROUPID or CP-PHONENO is required")])
            return
        }
        let source = Self.source(context.client)
        let key = request.reference.map { ReferenceKey(client: context.client, reference: $0) }
        // A reference being raised right now is refused here; one already open, by the raise itself.
        if let key, !state.withLock({ $0.starting.insert(key).inserted }) {
            link.send([duplicateResponse(context, request, tan: 0)])
            return
        }
        if key == nil { state.withLock { $0.startingWithoutReference[context.client, default: 0] += 1 } }
        defer {
            state.withLock { state in
                if let key {
                    state.starting.remove(key)
                } else if let count = state.startingWithoutReference[context.client] {
                    state.startingWithoutReference[context.client] = count > 1 ? count - 1 : nil
                }
            }
        }

        var unknownGroup = false
        if case .group(let number) = target {
            do {
                unknownGroup = try await directory.group(number: number) == nil
            } catch {
                // The alarm service routes an unreadable group to the technical group itself.
                logger.error("directory lookup failed for an ESPA-X process", metadata: ["group": "\(number)", "error": "\(error)"])
            }
        }
        let alarmRequest = AlarmRequest(
            source: source, sourceReference: request.reference,
            target: target.alarmTarget, text: request.text ?? "",
            priority: request.priority.flatMap { Priority(rawValue: $0.rawValue) } ?? .standard,
            callbackNumber: request.callbackNumber ?? request.callingNumber)
        let alarm: Alarm
        do {
            alarm = try await alarms.raise(alarmRequest, refusingOpenReference: true)
        } catch AlarmServiceError.referenceStillOpen(let running) {
            link.send([duplicateResponse(context, request, tan: UInt64(running))])
            return
        } catch {
            logger.error("ESPA-X process could not be journalled", metadata: ["client": "\(context.client)", "error": "\(error)"])
            link.send([startResponse(context, .internalServerError, request, tan: 0,
                                     info: "the alarm could not be journalled; send it again or use another path")])
            return
        }
        if unknownGroup {
            state.withLock { _ = $0.early.removeValue(forKey: alarm.id) }
            link.send([startResponse(context, ESPAXResponseCode.unknownGroup, request, tan: UInt64(alarm.id),
                                     info: "unknown group \(request.groupID ?? ""); alarm \(alarm.id) raised to the technical group")])
            return
        }
        register(alarm, request: request, context: context, link: link)
    }

    private func register(_ alarm: Alarm, request: ESPAXProcessStartRequest, context: ESPAXRequestContext, link: ESPAXConnectionLink) {
        let identity = Self.identity(of: alarm)
        var tracked = Tracked(link: link, reporter: ESPAXProcessReporter(mode: mode, sessionID: context.sessionID, process: identity),
                              progress: ESPAXProcessProgress())
        state.withLock { state in
            let latest = state.early.removeValue(forKey: alarm.id).map(\.alarm).flatMap { $0.revision > alarm.revision ? $0 : nil } ?? alarm
            let response = startResponse(context, .ok, request, tan: UInt64(alarm.id), info: nil)
            link.send([response] + tracked.reporter.started(created: alarm.receivedAt))
            let changes = tracked.progress.changes(for: latest)
            send(changes, alarm: latest, tracked: &tracked)
            if !tracked.progress.ended { state.tracked[alarm.id] = tracked }
        }
    }

    private func duplicateResponse(_ context: ESPAXRequestContext, _ request: ESPAXProcessStartRequest, tan: UInt64) -> ESPAXServerMessage {
        startResponse(context, .duplicate, request, tan: tan,
                      info: "CP-PR-REF \(request.reference ?? "") is still running for client \(context.client)")
    }

    private func startResponse(_ context: ESPAXRequestContext, _ code: ESPAXResponseCode, _ request: ESPAXProcessStartRequest,
                               tan: UInt64, info: String?) -> ESPAXServerMessage {
        .processStartResponse(context.response(code, info: info), reference: request.reference, tan: tan, load: nil)
    }

    static func identity(of alarm: Alarm) -> ESPAXProcessIdentity {
        var identity = ESPAXProcessIdentity(reference: alarm.request.sourceReference, tan: UInt64(alarm.id))
        switch alarm.request.target {
        case .group(let number): identity.groupID = number
        case .phone(let number): identity.phoneNumber = number
        }
        return identity
    }

    // MARK: - REQ.P-STOP

    func stop(_ selector: ESPAXProcessSelector, _ context: ESPAXRequestContext, link: ESPAXConnectionLink) async {
        let source = Self.source(context.client)
        let found: Alarm?
        if let tan = selector.tan {
            var candidate: Alarm?
            if tan <= UInt64(Int64.max) { candidate = try? await alarms.alarm(id: AlarmID(tan)) }
            found = candidate.flatMap { $0.request.source == source && selector.matches(reference: $0.request.sourceReference, tan: tan) ? $0 : nil }
        } else if let reference = selector.reference {
            found = await alarms.openAlarm(source: source, reference: reference)
        } else {
            found = nil
        }
        guard let alarm = found, alarm.isOpen else {
            let what = selector.tan.map { "SP-PR-TAN \($0)" } ?? "CP-PR-REF \(selector.reference ?? "")"
            let info = found == nil ? "no process \(what) of client \(context.client)" : "process \(what) has already ended"
            link.send([.processStopResponse(context.response(.gone, info: info))])
            return
        }
        state.withLock { $0.tracked[alarm.id]?.stopping = true }
        let ended: Alarm
        do {
            ended = try await alarms.end(alarm.id, reason: .client, by: "espax \(context.client)")
        } catch {
            state.withLock { $0.tracked[alarm.id]?.stopping = false }
            link.send([.processStopResponse(context.response(.gone, info: "process SP-PR-TAN \(alarm.id) has already ended"))])
            return
        }
        state.withLock { state in
            link.send([.processStopResponse(context.response(.ok, info: "Process \(alarm.id) ended"))])
            if var tracked = state.tracked.removeValue(forKey: alarm.id) {
                tracked.stopping = false
                let changes = tracked.progress.changes(for: ended)
                send(changes, alarm: ended, tracked: &tracked)
            } else {
                // Started by an earlier session of this client: tell this one how it ended.
                var reporter = ESPAXProcessReporter(mode: mode, sessionID: context.sessionID, process: Self.identity(of: ended))
                link.send(reporter.report(.ended(.client, acknowledged: ended.acknowledgedAt != nil,
                                                 anyAccepted: ended.deliveries.contains { $0.status.hasTakenAlarm }), at: Date()))
            }
        }
    }

    // MARK: - REQ.P-GETSTAT

    func query(_ query: ESPAXProcessQuery, _ context: ESPAXRequestContext, link: ESPAXConnectionLink) async {
        let source = Self.source(context.client)
        let selector = query.selector
        let open = await alarms.openAlarms.filter {
            $0.request.source == source && selector.matches(reference: $0.request.sourceReference, tan: UInt64($0.id))
        }
        state.withLock { state in
            var messages: [ESPAXServerMessage] = [.processGetStatResponse(context.response(.ok, info: "\(open.count) running"))]
            for alarm in open {
                let reporter = state.tracked[alarm.id]?.reporter
                    ?? ESPAXProcessReporter(mode: mode, sessionID: context.sessionID, process: Self.identity(of: alarm))
                let status: ESPAXProcessStatus = reporter.hasReportedEnd ? .postprocessing : .active
                guard selector.maskIncludes(status) else { continue }
                var message = reporter.status(created: alarm.receivedAt, acknowledged: alarm.acknowledgedAt != nil)
                if case .processStatus(var report) = message {
                    report.sessionID = context.sessionID
                    message = .processStatus(report)
                }
                messages.append(message)
            }
            messages.append(.processSync(sessionID: context.sessionID))
            link.send(messages)
        }
    }
}

extension ESPAXProcessTarget {
    var alarmTarget: AlarmTarget {
        switch self {
        case .group(let number): .group(number)
        case .phone(let number): .phone(number)
        }
    }
}
