#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Testing
@testable import Storage

@Suite("Storage: escalation chains on groups and escalation calls in the journal")
struct EscalationStorageTests {
    @Test func aGroupsChainRoundTripsAndCanBeRemoved() async throws {
        try await withTemporaryDirectory { temporary in
            let store = try Store(path: temporary.file("tocsin.sqlite"))
            defer { store.close() }
            let chain = EscalationChain(delay: 120, noAnswerTime: 25, numbers: ["201", "+74951234567", "*55#"], answerAcknowledges: true)
            let created = try await store.directory.createGroup(Group(number: "12", name: "Ward 3", escalation: chain))
            #expect(try await store.directory.group(number: "12")?.escalation == chain)

            var changed = created
            changed.escalation = nil
            _ = try await store.directory.updateGroup(changed)
            #expect(try await store.directory.group(id: created.id)?.escalation == nil)
            #expect(try await store.directory.group(id: created.id) == changed)
        }
    }

    @Test func anInvalidChainIsRefusedNamingTheField() async throws {
        try await withTemporaryDirectory { temporary in
            let store = try Store(path: temporary.file("tocsin.sqlite"))
            defer { store.close() }
            let error = await #expect(throws: DirectoryError.self) {
                try await store.directory.createGroup(Group(number: "12", name: "Ward 3", escalation: EscalationChain(delay: 10, noAnswerTime: 400, numbers: ["201"])))
            }
            #expect(error == .invalid(field: "escalation.noAnswerTime", reason: "must be 5 to 300 seconds, not 400"))
            #expect(try await store.directory.groups() == [])
        }
    }

    @Test func escalationEntriesAreStoredAndReadBack() async throws {
        try await withTemporaryDirectory { temporary in
            let path = temporary.file("tocsin.sqlite")
            let at = Date(timeIntervalSinceReferenceDate: 800_000_000.25)
            let entries: [JournalEntry] = [
                .stateChanged(.escalating),
                .escalationCall(step: 1, number: "201"),
                .escalationOutcome(step: 1, number: "201", outcome: "no-answer", detail: "not answered within 20 s"),
                .escalationCall(step: 2, number: "+7 495"),
                .escalationOutcome(step: 2, number: "+7 495", outcome: "answered", detail: "answered by 202"),
            ]
            var id: AlarmID = 0
            do {
                let store = try Store(path: path)
                var alarm = try await store.journal.record(
                    AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "Fall"), at: at)
                id = alarm.id
                alarm.state = .escalating
                alarm.revision = 1
                try await store.journal.update(alarm, entries: entries, at: at)
                store.close()
            }
            let reopened = try Store(path: path)
            defer { reopened.close() }
            let records = try await reopened.journal.records(alarmID: id)
            #expect(records.map(\.entry) == [.received] + entries)
            #expect(records.last?.entry.kind == "call-outcome")
            #expect(records[2].entry.kind == "call")
        }
    }
}
