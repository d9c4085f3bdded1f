#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Serial

/// The alarm core as the port service sees it, recording every call. `raise` can be held open to
/// prove the ACK waits for the journal commit, or made to fail like a full disk.
actor RecordingAlarms: ESPAAlarmSink {
    enum Call: Equatable {
        case raise(AlarmRequest)
        case end(AlarmID, EndReason, String?)
        case raiseTechnical(key: String, text: String)
        case clearTechnical(key: String)
    }

    private(set) var calls: [Call] = []
    private var open: [AlarmID: Alarm] = [:]
    private var nextID: AlarmID = 1
    private var journalled: [Alarm] = []
    var failRaise = false
    private var holding = false
    private var held: [CheckedContinuation<Void, Never>] = []
    private var watchers: [Int: (predicate: @Sendable ([Call]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var nextWatcher = 0

    init(journalled: [Alarm] = []) {
        self.journalled = journalled
    }

    func hold() { holding = true }

    func release() {
        holding = false
        let waiting = held
        held = []
        for continuation in waiting { continuation.resume() }
    }

    func setFailRaise(_ fail: Bool) { failRaise = fail }

    /// Returns once the recorded calls satisfy the predicate.
    func waitUntil(_ predicate: @escaping @Sendable ([Call]) -> Bool) async {
        if predicate(calls) { return }
        nextWatcher += 1
        let id = nextWatcher
        await withCheckedContinuation { watchers[id] = (predicate, $0) }
    }

    private func record(_ call: Call) {
        calls.append(call)
        for (id, watcher) in watchers where watcher.predicate(calls) {
            watchers[id] = nil
            watcher.continuation.resume()
        }
    }

    func raise(_ request: AlarmRequest) async throws -> Alarm {
        record(.raise(request))
        if holding { await withCheckedContinuation { held.append($0) } }
        if failRaise { throw JournalError.unwritable(path: "journal.sqlite", reason: "disk full") }
        let alarm = Alarm(id: nextID, request: request, receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
        nextID += 1
        open[alarm.id] = alarm
        return alarm
    }

    var openAlarms: [Alarm] { open.values.sorted { $0.id < $1.id } }

    func end(_ id: AlarmID, reason: EndReason, by actor: String?) async throws -> Alarm {
        record(.end(id, reason, actor))
        guard var alarm = open.removeValue(forKey: id) else { throw AlarmServiceError.notFound(id) }
        alarm.state = .ended
        alarm.endReason = reason
        return alarm
    }

    func alarms(matching query: AlarmQuery) async throws -> [Alarm] {
        journalled.filter { query.sourceKind == nil || $0.request.source.kind == query.sourceKind }
    }

    func raiseTechnical(key: String, text: String, priority: Priority) async -> AlarmID? {
        record(.raiseTechnical(key: key, text: text))
        return nil
    }

    func clearTechnical(key: String) async {
        record(.clearTechnical(key: key))
    }

    /// Whether the fault `key` was raised and then cleared. A port clears its faults when it
    /// starts too (an earlier run may have left them open), so a clear alone proves nothing.
    static func clearedAfterRaise(_ key: String, in calls: [Call]) -> Bool {
        guard let raised = calls.lastIndex(where: { if case .raiseTechnical(key, _) = $0 { true } else { false } }) else { return false }
        return calls[raised...].contains(.clearTechnical(key: key))
    }
}
