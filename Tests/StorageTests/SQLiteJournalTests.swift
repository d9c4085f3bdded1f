#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Testing
@testable import Storage

@Suite("SQLiteJournal: alarms, entries, deliveries and group commit")
struct SQLiteJournalTests {
    /// Not a whole millisecond, so a store that rounded to milliseconds would fail the comparisons.
    let t0 = Date(timeIntervalSinceReferenceDate: 800_000_000.123_456_7)

    func request(group: String = "12", text: String = "Room 12 bed 1", priority: Priority = .high, kind: AlarmSource.Kind = .rest) -> AlarmRequest {
        AlarmRequest(source: AlarmSource(kind: kind, name: "admin"), sourceReference: "abc", target: .group(group), text: text, priority: priority, callbackNumber: "4711")
    }

    func delivery(phone: Int64, attempts: Int = 1, at: Date) -> Delivery {
        Delivery(
            destination: Destination(phoneID: phone, memberID: phone + 100, name: "Member \(phone)", driver: "webhook", address: "http://127.0.0.1:\(8000 + phone)/hook"),
            status: attempts > 0 ? .accepted : .pending, attempts: attempts, repetitions: 0,
            lastOutcome: attempts > 0 ? "accepted: HTTP 200" : nil, updatedAt: at
        )
    }

    @Test func aRoutedAlarmIsRecordedWithItsDeliveriesAndEntriesInOneWrite() async throws {
        try await withTemporaryDirectory { directory in
            let store = try Store(path: directory.file("tocsin.sqlite"))
            let t1 = t0.addingTimeInterval(0.001)
            let routed = Alarm(id: 0, request: request(), routedGroup: "12", routingNote: "skipped Bob (dnd)", state: .dispatching,
                               receivedAt: t0, updatedAt: t1, deliveries: [delivery(phone: 1, attempts: 0, at: t1), delivery(phone: 2, attempts: 0, at: t1)])
            let transactionsBefore = store.journal.transactions
            let recorded = try await store.journal.record(routed, entries: [
                StampedEntry(at: t0, entry: .received),
                StampedEntry(at: t1, entry: .routed(group: "12", destinations: 2, note: "skipped Bob (dnd)")),
                StampedEntry(at: t1, entry: .stateChanged(.dispatching)),
            ])
            #expect(store.journal.transactions == transactionsBefore + 1)
            #expect(recorded.id == 1)
            var expected = routed
            expected.id = 1
            #expect(recorded == expected)
            #expect(try await store.journal.alarm(id: 1) == expected)
            #expect(try await store.journal.records(alarmID: 1).map(\.entry) == [
                .received, .routed(group: "12", destinations: 2, note: "skipped Bob (dnd)"), .stateChanged(.dispatching),
            ])
            // Resumable as it stands: open, routed, both pushes still to make.
            #expect(try await store.journal.openAlarms().first?.deliveries.map(\.status) == [.pending, .pending])
            store.close()
        }
    }

    @Test func aFullAlarmRoundTripsThroughRecordUpdateAndReopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            let recorded = try await store.journal.record(request(text: "Zimmer 12 Bett 1 – Sturz \u{1F6A8} \0 nach NUL"), at: t0)
            #expect(recorded.id == 1)
            #expect(recorded.state == .received)
            #expect(recorded.revision == 0)
            #expect(recorded.receivedAt == t0)
            #expect(recorded.updatedAt == t0)
            #expect(try await store.journal.alarm(id: recorded.id) == recorded)

            var alarm = recorded
            let t1 = t0.addingTimeInterval(1.5)
            alarm.revision = 3
            alarm.state = .ended
            alarm.endReason = .finished
            alarm.routedGroup = "999"
            alarm.routingNote = "unknown group 12, raised to technical group 999"
            alarm.updatedAt = t1
            alarm.acknowledgedAt = t1
            alarm.acknowledgedBy = "Nurse Anna"
            alarm.endedAt = t1
            alarm.endedBy = "Nurse Anna"
            alarm.deliveries = [
                Delivery(destination: Destination(phoneID: 7, memberID: nil, name: "Webhook", driver: "webhook", address: "http://a"), status: .failed, attempts: 4, repetitions: 2, lastOutcome: "failed: HTTP 500", updatedAt: t1),
                delivery(phone: 3, at: t0),
            ]
            let entries: [JournalEntry] = [
                .routed(group: "999", destinations: 2, note: "unknown group 12"),
                .routed(group: nil, destinations: 0, note: nil),
                .stateChanged(.dispatching),
                .attempt(phoneID: 7, attempt: 2, repetition: 1),
                .outcome(phoneID: 3, status: .accepted, detail: "accepted: HTTP 200"),
                .acknowledged(by: "Nurse Anna", phoneID: 3),
                .acknowledged(by: "web", phoneID: nil),
                .ended(reason: .finished, by: "Nurse Anna"),
                .ended(reason: .failure, by: nil),
            ]
            try await store.journal.update(alarm, entries: entries, at: t1)
            #expect(try await store.journal.alarm(id: alarm.id) == alarm)
            store.close()

            let reopened = try Store(path: path)
            defer { reopened.close() }
            #expect(try await reopened.journal.alarm(id: alarm.id) == alarm)
            #expect(try await reopened.journal.alarm(id: 99) == nil)
            let records = try await reopened.journal.records(alarmID: alarm.id)
            #expect(records == [JournalRecord(alarmID: alarm.id, at: t0, entry: .received)] + entries.map { JournalRecord(alarmID: alarm.id, at: t1, entry: $0) })
            #expect(try await reopened.journal.records(alarmID: 99) == [])

            // A phone target and the optional request fields left empty round-trip too.
            let direct = try await reopened.journal.record(
                AlarmRequest(source: AlarmSource(kind: .espax, name: "client 1"), target: .phone("10.0.0.12"), text: "", priority: .emergency),
                at: t1
            )
            #expect(try await reopened.journal.alarm(id: direct.id) == direct)
            #expect(direct.request.target == .phone("10.0.0.12"))
            #expect(try await reopened.journal.alarms(matching: AlarmQuery(group: "10.0.0.12")) == [])
        }
    }

    @Test func aBatchTheFileCannotHoldFailsEveryWriteInItAndLeavesNoTrace() async throws {
        try await withTemporaryDirectory { directory in
            let store = try Store(path: directory.file("tocsin.sqlite"))
            defer { store.close() }
            let journal = store.journal
            let first = try await journal.record(request(), at: t0)
            // The file may not grow any more: every record needs a new page, so every one fails,
            // whether its batch fails as a whole or write by write.
            let pages = try store.writer.withDatabase { database throws(StoreError) in try database.integer(pragma: "page_count") }
            _ = try store.writer.withDatabase { database throws(StoreError) in try database.integer(pragma: "max_page_count = \(pages)") }
            let long = String(repeating: "Room 12 bed 1, fall detected. ", count: 300)
            let failures = await withTaskGroup(of: StoreError?.self) { tasks in
                for _ in 0..<50 {
                    tasks.addTask {
                        do {
                            _ = try await journal.record(self.request(text: long), at: self.t0)
                            return nil
                        } catch let error as StoreError {
                            return error
                        } catch {
                            return .closed(path: "unexpected \(error)")
                        }
                    }
                }
                var failures: [StoreError?] = []
                for await failure in tasks { failures.append(failure) }
                return failures
            }
            #expect(failures.count == 50)
            #expect(failures.allSatisfy { if case .sqlite(_, _, let code, _)? = $0 { code & 0xff == 13 } else { false } })
            #expect(try await journal.alarms(matching: AlarmQuery(limit: 100)).map(\.id) == [first.id])
            // Room again: the next alarm takes the next id, as if the failed ones had never been.
            _ = try store.writer.withDatabase { database throws(StoreError) in try database.integer(pragma: "max_page_count = 1073741823") }
            #expect(try await journal.record(request(text: long), at: t0).id == first.id + 1)
        }
    }

    @Test func manyEntriesKeepTheirOrderAcrossStatements() async throws {
        try await withTemporaryDirectory { directory in
            let store = try Store(path: directory.file("tocsin.sqlite"))
            defer { store.close() }
            var alarm = try await store.journal.record(request(), at: t0)
            alarm.revision = 1
            alarm.state = .dispatching
            alarm.routedGroup = "12"
            alarm.routingNote = "skipped Bob (dnd)"
            try await store.journal.update(alarm, entries: [.routed(group: "12", destinations: 1, note: "skipped Bob (dnd)")], at: t0)
            #expect(try await store.journal.alarm(id: alarm.id)?.routedGroup == "12")
            #expect(try await store.journal.alarm(id: alarm.id)?.routingNote == "skipped Bob (dnd)")
            // Entries go in several to a statement, in order, across statement boundaries.
            alarm.revision = 2
            alarm.state = .delivered
            let outcomes: [JournalEntry] = (1...(3 * SQLiteJournal.entriesPerInsert - 2)).map {
                .outcome(phoneID: Int64($0), status: .accepted, detail: "accepted \($0)")
            }
            try await store.journal.update(alarm, entries: outcomes, at: t0)
            let stored = try #require(try await store.journal.alarm(id: alarm.id))
            #expect(stored == alarm)
            #expect(try await store.journal.records(alarmID: alarm.id).map(\.entry)
                    == [.received, .routed(group: "12", destinations: 1, note: "skipped Bob (dnd)")] + outcomes)
        }
    }

    @Test func anOlderSnapshotNeverOverwritesANewerOneButItsEntriesAreKept() async throws {
        try await withTemporaryDirectory { directory in
            let store = try Store(path: directory.file("tocsin.sqlite"))
            defer { store.close() }
            var alarm = try await store.journal.record(request(), at: t0)
            alarm.revision = 2
            alarm.state = .delivered
            alarm.deliveries = [delivery(phone: 1, at: t0)]
            try await store.journal.update(alarm, entries: [.stateChanged(.delivered)], at: t0)

            var stale = alarm
            stale.revision = 1
            stale.state = .dispatching
            stale.deliveries = []
            try await store.journal.update(stale, entries: [.outcome(phoneID: 1, status: .failed, detail: "late")], at: t0)
            #expect(try await store.journal.alarm(id: alarm.id) == alarm)
            #expect(try await store.journal.records(alarmID: alarm.id).map(\.entry) == [
                .received, .stateChanged(.delivered), .outcome(phoneID: 1, status: .failed, detail: "late"),
            ])

            // The same revision again is a repeat of the same change, and is stored.
            var same = alarm
            same.routingNote = "again"
            try await store.journal.update(same, entries: [], at: t0)
            #expect(try await store.journal.alarm(id: alarm.id)?.routingNote == "again")
        }
    }

    @Test func updatingAnAlarmThatWasNeverRecordedFailsAndWritesNothing() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            defer { store.close() }
            let ghost = Alarm(id: 42, request: request(), receivedAt: t0, revision: 1)
            let error = await #expect(throws: StoreError.self) {
                try await store.journal.update(ghost, entries: [.received], at: t0)
            }
            #expect(error == .unknownAlarm(path: path, id: 42))
            #expect(try await store.journal.records(alarmID: 42) == [])
        }
    }

    @Test func openAlarmsSurviveCloseAndReopenOldestFirst() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            var ids: [AlarmID] = []
            for offset in [30.0, 10.0, 20.0] {
                ids.append(try await store.journal.record(request(text: "at \(offset)"), at: t0.addingTimeInterval(offset)).id)
            }
            var ended = try #require(try await store.journal.alarm(id: ids[2]))
            ended.state = .ended
            ended.endReason = .operator
            ended.endedAt = t0.addingTimeInterval(40)
            ended.revision = 1
            try await store.journal.update(ended, entries: [.ended(reason: .operator, by: "web")], at: t0.addingTimeInterval(40))
            var delivered = try #require(try await store.journal.alarm(id: ids[0]))
            delivered.state = .delivered
            delivered.revision = 1
            delivered.deliveries = [delivery(phone: 5, at: t0)]
            try await store.journal.update(delivered, entries: [], at: t0)
            store.close()

            let reopened = try Store(path: path)
            defer { reopened.close() }
            let open = try await reopened.journal.openAlarms()
            #expect(open.map(\.id) == [ids[1], ids[0]])
            #expect(open.map(\.request.text) == ["at 10.0", "at 30.0"])
            #expect(open[1] == delivered)
        }
    }

    @Test func concurrentRecordsGetDistinctIdsAndAreBatchedIntoFewTransactions() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            let count = 2_000
            let transactionsBefore = store.transactions
            let writesBefore = store.writes
            let journal = store.journal
            let start = ContinuousClock.now
            let alarms = try await withThrowingTaskGroup(of: Alarm.self) { tasks in
                for number in 0..<count {
                    tasks.addTask {
                        try await journal.record(self.request(group: "\(number % 10)", text: "alarm \(number)"), at: self.t0.addingTimeInterval(Double(number)))
                    }
                }
                var alarms: [Alarm] = []
                for try await alarm in tasks { alarms.append(alarm) }
                return alarms
            }
            let elapsed = (ContinuousClock.now - start).seconds
            let transactions = store.transactions - transactionsBefore
            let writes = store.writes - writesBefore
            print("StorageTests: \(count) concurrent records in \(elapsed) s = \(Int(Double(count) / elapsed)) records/s, \(transactions) transactions (debug build)")

            #expect(Set(alarms.map(\.id)).count == count)
            #expect(Set(alarms.map(\.id)) == Set(1...AlarmID(count)))
            #expect(writes == count)
            #expect(transactions >= 1)
            #expect(transactions * 4 <= count, "group commit should put many records in one transaction, got \(transactions) for \(count)")
            store.close()

            let reopened = try Store(path: path)
            defer { reopened.close() }
            let stored = try await reopened.journal.alarms(matching: AlarmQuery(limit: 10_000))
            #expect(stored.count == count)
            let byID = Dictionary(uniqueKeysWithValues: alarms.map { ($0.id, $0) })
            for alarm in stored { #expect(byID[alarm.id] == alarm) }
            #expect(try await reopened.journal.openAlarms().count == count)
        }
    }

    @Test func callersRecordingOneAfterAnotherShareTransactions() async throws {
        try await withTemporaryDirectory { directory in
            let store = try Store(path: directory.file("tocsin.sqlite"))
            defer { store.close() }
            let journal = store.journal
            let callers = 64
            let perCaller = 100
            let start = ContinuousClock.now
            // Each caller waits for its own commit before the next record, as an ESPA line does, so
            // batches form only from callers that overlap in time.
            let ids = try await withThrowingTaskGroup(of: [AlarmID].self) { tasks in
                for caller in 0..<callers {
                    tasks.addTask {
                        var ids: [AlarmID] = []
                        for number in 0..<perCaller {
                            ids.append(try await journal.record(self.request(group: "\(caller)", text: "line \(caller) call \(number)"), at: self.t0).id)
                        }
                        return ids
                    }
                }
                var all: [AlarmID] = []
                for try await ids in tasks { all += ids }
                return all
            }
            let elapsed = (ContinuousClock.now - start).seconds
            let total = callers * perCaller
            print("StorageTests: \(callers) callers x \(perCaller) sequential records in \(elapsed) s = \(Int(Double(total) / elapsed)) records/s, \(store.transactions) transactions for \(store.writes) writes (debug build)")
            #expect(Set(ids).count == total)
            #expect(store.writes == total)
            #expect(store.transactions * 4 <= store.writes, "mean batch below 4: \(store.transactions) transactions for \(store.writes) writes")
            #expect(try await journal.alarms(matching: AlarmQuery(group: "63", limit: 1_000)).map(\.request.text).first == "line 63 call 99")
        }
    }

    @Test func aWriteThatFailsAloneDoesNotFailTheOthersInItsBatch() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            defer { store.close() }
            let journal = store.journal
            // Each task pair races a good record against an update of an unknown alarm; the bad one
            // fails alone (in its savepoint, once the batch runs again) while the records still commit.
            let results = await withTaskGroup(of: Result<AlarmID, StoreError>.self) { tasks in
                for number in 0..<200 {
                    tasks.addTask {
                        do {
                            if number % 2 == 0 {
                                return .success(try await journal.record(self.request(), at: self.t0).id)
                            }
                            try await journal.update(Alarm(id: 100_000 + AlarmID(number), request: self.request(), receivedAt: self.t0), entries: [.received], at: self.t0)
                            return .success(-1)
                        } catch let error as StoreError {
                            return .failure(error)
                        } catch {
                            return .failure(.closed(path: "unexpected \(error)"))
                        }
                    }
                }
                var results: [Result<AlarmID, StoreError>] = []
                for await result in tasks { results.append(result) }
                return results
            }
            let ids = results.compactMap { try? $0.get() }
            let failures = results.compactMap { result -> StoreError? in
                if case .failure(let error) = result { return error }
                return nil
            }
            #expect(ids.count == 100)
            #expect(Set(ids) == Set(1...100))
            #expect(failures.count == 100)
            #expect(failures.allSatisfy { if case .unknownAlarm(path, _) = $0 { true } else { false } })
            #expect(try await journal.alarms(matching: AlarmQuery(limit: 1_000)).count == 100)
        }
    }

    @Test func queryFiltersNarrowTheListNewestFirst() async throws {
        try await withTemporaryDirectory { directory in
            let store = try Store(path: directory.file("tocsin.sqlite"))
            defer { store.close() }
            let journal = store.journal
            // id: group, priority, source, received offset
            let a = try await journal.record(request(group: "12", priority: .high, kind: .rest), at: t0)
            let b = try await journal.record(request(group: "12", priority: .low, kind: .espa444), at: t0.addingTimeInterval(10))
            let c = try await journal.record(request(group: "7", priority: .high, kind: .espax), at: t0.addingTimeInterval(20))
            var d = try await journal.record(request(group: "404", priority: .emergency, kind: .rest), at: t0.addingTimeInterval(30))
            d.routedGroup = "999"
            d.state = .ended
            d.endReason = .failure
            d.endedAt = t0.addingTimeInterval(31)
            d.revision = 1
            try await journal.update(d, entries: [], at: t0.addingTimeInterval(31))

            func ids(_ query: AlarmQuery) async throws -> [AlarmID] { try await journal.alarms(matching: query).map(\.id) }
            #expect(try await ids(AlarmQuery()) == [d.id, c.id, b.id, a.id])
            #expect(try await ids(AlarmQuery(open: true)) == [c.id, b.id, a.id])
            #expect(try await ids(AlarmQuery(open: false)) == [d.id])
            #expect(try await ids(AlarmQuery(group: "12")) == [b.id, a.id])
            #expect(try await ids(AlarmQuery(group: "999")) == [d.id])
            #expect(try await ids(AlarmQuery(group: "404")) == [d.id])
            #expect(try await ids(AlarmQuery(sourceKind: .rest)) == [d.id, a.id])
            #expect(try await ids(AlarmQuery(priority: .high)) == [c.id, a.id])
            #expect(try await ids(AlarmQuery(since: t0.addingTimeInterval(10))) == [d.id, c.id, b.id])
            #expect(try await ids(AlarmQuery(until: t0.addingTimeInterval(20))) == [b.id, a.id])
            #expect(try await ids(AlarmQuery(since: t0.addingTimeInterval(10), until: t0.addingTimeInterval(30))) == [c.id, b.id])
            #expect(try await ids(AlarmQuery(open: true, group: "12", sourceKind: .espa444, priority: .low)) == [b.id])
            #expect(try await ids(AlarmQuery(open: false, group: "12")) == [])
            #expect(try await ids(AlarmQuery(limit: 2)) == [d.id, c.id])
            #expect(try await ids(AlarmQuery(limit: 0)) == [])
        }
    }

    @Test func historyListsTheNewestAlarmsPushedToAPhone() async throws {
        try await withTemporaryDirectory { directory in
            let store = try Store(path: directory.file("tocsin.sqlite"))
            defer { store.close() }
            let journal = store.journal
            var pushed: [AlarmID] = []
            for number in 0..<8 {
                var alarm = try await journal.record(request(text: "alarm \(number)"), at: t0.addingTimeInterval(Double(number)))
                alarm.revision = 1
                // Phone 9 gets every alarm; phone 4 only the odd ones, and is never tried on alarm 7.
                alarm.deliveries = [delivery(phone: 9, at: t0)]
                if number % 2 == 1 { alarm.deliveries.append(delivery(phone: 4, attempts: number == 7 ? 0 : 1, at: t0)) }
                try await journal.update(alarm, entries: [], at: t0)
                pushed.append(alarm.id)
            }
            #expect(try await journal.history(phoneID: 9, limit: 5).map(\.id) == Array(pushed.reversed().prefix(5)))
            #expect(try await journal.history(phoneID: 4, limit: 5).map(\.id) == [pushed[5], pushed[3], pushed[1]])
            #expect(try await journal.history(phoneID: 4, limit: 5).first?.deliveries.count == 2)
            #expect(try await journal.history(phoneID: 1, limit: 5) == [])
        }
    }

    @Test func pruneDeletesOnlyAlarmsThatEndedBeforeTheCutoffWithTheirRows() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            defer { store.close() }
            let journal = store.journal
            func end(_ alarm: Alarm, at: Date) async throws -> Alarm {
                var alarm = alarm
                alarm.state = .ended
                alarm.endReason = .finished
                alarm.endedAt = at
                alarm.revision += 1
                alarm.deliveries = [delivery(phone: 2, at: at)]
                try await journal.update(alarm, entries: [.ended(reason: .finished, by: nil)], at: at)
                return alarm
            }
            let old = try await end(try await journal.record(request(), at: t0), at: t0.addingTimeInterval(5))
            let recent = try await end(try await journal.record(request(), at: t0), at: t0.addingTimeInterval(50))
            let stillOpen = try await journal.record(request(), at: t0.addingTimeInterval(-1_000))
            // More than one prune batch, to prove the batches add up.
            let many = SQLiteJournal.pruneBatchSize + 20
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for _ in 0..<many {
                    tasks.addTask { _ = try await end(try await journal.record(self.request(), at: self.t0), at: self.t0.addingTimeInterval(1)) }
                }
                try await tasks.waitForAll()
            }

            #expect(try await journal.prune(endedBefore: t0.addingTimeInterval(10)) == many + 1)
            #expect(try await journal.alarm(id: old.id) == nil)
            #expect(try await journal.records(alarmID: old.id) == [])
            #expect(try await journal.alarm(id: recent.id) == recent)
            #expect(try await journal.alarm(id: stillOpen.id) == stillOpen)
            #expect(try await journal.history(phoneID: 2, limit: 10).map(\.id) == [recent.id])
            #expect(try await journal.alarms(matching: AlarmQuery(limit: 10_000)).count == 2)
            #expect(try await journal.prune(endedBefore: t0.addingTimeInterval(10)) == 0)

            // No orphaned rows remain behind the cascade.
            let database = try Database(path: path, mode: .readOnly)
            defer { database.close() }
            #expect(try database.row("SELECT count(*) FROM journal WHERE alarm_id NOT IN (SELECT id FROM alarms)") { $0.int(0) } == 0)
            #expect(try database.row("SELECT count(*) FROM deliveries WHERE alarm_id NOT IN (SELECT id FROM alarms)") { $0.int(0) } == 0)

            // Ids are never reused after pruning.
            let next = try await journal.record(request(), at: t0)
            #expect(next.id == AlarmID(many + 4))
        }
    }
}
