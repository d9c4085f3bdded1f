#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Testing
@testable import Storage

@Suite("Store: opening, settings, migrations and damaged files")
struct StoreTests {
    private func tables(_ path: String) throws -> [String] {
        let database = try Database(path: path, mode: .readOnly)
        defer { database.close() }
        return try database.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name") { $0.string(0) }
    }

    @Test func freshFileIsMigratedAndReopenKeepsItsData() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            #expect(try store.writerSettings().userVersion == Store.schemaVersion)
            #expect(Store.schemaVersion == 2)
            let phone = try await store.directory.createPhone(Phone(name: "DECT 4711", driver: "webhook", address: "http://127.0.0.1:9/hook"))
            store.close()

            #expect(try tables(path) == ["alarm_groups", "alarms", "deliveries", "group_members", "journal", "members", "phones", "users"])

            let reopened = try Store(path: path)
            defer { reopened.close() }
            #expect(try reopened.writerSettings().userVersion == Store.schemaVersion)
            #expect(try await reopened.directory.phones() == [phone])
        }
    }

    @Test func theWALIsCheckpointedBesideTheWriterAndStaysBounded() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            defer { store.close() }
            let request = AlarmRequest(source: AlarmSource(kind: .rest, name: "test"), target: .group("12"), text: String(repeating: "x", count: 2000))
            // One transaction each: several thousand WAL frames, far past the threshold.
            for index in 0..<1500 {
                _ = try await store.journal.record(request, at: Date(timeIntervalSince1970: Double(index)))
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while store.checkpoints == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(store.checkpoints >= 1)
            // Without checkpoints the WAL would hold every frame written (well over 12 MiB here).
            let walBytes = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
            #expect(walBytes < 12 * 1_048_576, "WAL is \(walBytes) bytes")
            #expect(try await store.journal.alarms(matching: AlarmQuery(limit: 2000)).count == 1500)
        }
    }

    @Test func pragmasAreReallySetOnTheWriter() async throws {
        try await withTemporaryDirectory { directory in
            let store = try Store(path: directory.file("tocsin.sqlite"))
            defer { store.close() }
            let settings = try store.writerSettings()
            #expect(settings == Store.ConnectionSettings(
                journalMode: "wal", synchronous: 2, foreignKeys: 1,
                busyTimeoutMilliseconds: Int(Store.busyTimeoutMilliseconds), userVersion: Store.schemaVersion,
                tempStore: 2
            ))
            // WAL is a property of the file, so a second connection sees it too.
            let other = try Database(path: directory.file("tocsin.sqlite"), mode: .readOnly)
            defer { other.close() }
            #expect(try other.text(pragma: "journal_mode") == "wal")
        }
    }

    @Test func migrationsRunForwardOnceEachInItsOwnTransaction() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("steps.sqlite")
            let first = Migration(version: 1, summary: "one", sql: "CREATE TABLE one (x INTEGER)")
            let second = Migration(version: 2, summary: "two", sql: "CREATE TABLE two (x INTEGER)")
            let broken = Migration(version: 3, summary: "three", sql: "CREATE TABLE three (x INTEGER); INSERT INTO nowhere VALUES (1)")

            let database = try Database(path: path, mode: .readWrite)
            #expect(try database.migrate([second, first]) == [1, 2])
            #expect(try database.migrate([first, second]) == [])
            #expect(try database.integer(pragma: "user_version") == 2)

            let error = #expect(throws: StoreError.self) { try database.migrate([first, second, broken]) }
            guard case .sqlite(let failedPath, _, let code, let message) = error else {
                Issue.record("expected a SQLite error, got \(String(describing: error))")
                return
            }
            #expect(failedPath == path)
            #expect(code & 0xff == 1)
            #expect(message.contains("nowhere"))
            // The failed step left nothing behind: no table three, and the file is still at version 2.
            #expect(try database.integer(pragma: "user_version") == 2)
            #expect(database.inTransaction == false)
            database.close()
            #expect(try tables(path) == ["one", "two"])
        }
    }

    @Test func aFileFromANewerTocsinIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let database = try Database(path: path, mode: .readWrite)
            try database.execute("PRAGMA user_version = 99")
            database.close()

            let error = #expect(throws: StoreError.self) { try Store(path: path) }
            #expect(error == .newerSchema(path: path, found: 99, supported: Store.schemaVersion))
            #expect(error?.description.contains("schema version 99") == true)
            #expect(error?.description.contains(path) == true)
        }
    }

    @Test func aFileOfGarbageIsReportedAsDamagedWithItsPath() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            try directory.write((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }, to: "tocsin.sqlite")

            let error = #expect(throws: StoreError.self) { try Store(path: path) }
            guard case .corrupt(let reportedPath, let code, _) = error else {
                Issue.record("expected corrupt, got \(String(describing: error))")
                return
            }
            #expect(reportedPath == path)
            #expect(code == 26) // SQLITE_NOTADB
            #expect(error?.description.contains("move \(path) and its -wal and -shm files aside") == true)
        }
    }

    @Test func overwrittenPagesOfARealDatabaseFailTheQuickCheck() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            let text = String(repeating: "Room 12 bed 1 ", count: 40)
            for number in 0..<300 {
                _ = try await store.journal.record(
                    AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("\(number % 7)"), text: text),
                    at: Date(timeIntervalSince1970: 1_800_000_000 + Double(number))
                )
            }
            store.close()
            // Closing the last connection checkpoints the WAL into the main file and removes it.
            #expect(FileManager.default.fileExists(atPath: path + "-wal") == false)
            let size = try fileSize(path)
            #expect(size > 40 * 4096)
            // Keep the header page intact, so SQLite opens the file and only the check finds damage.
            try overwrite(path, offset: 4096 * 4, count: 4096 * 30, with: 0xA5)

            let error = #expect(throws: StoreError.self) { try Store(path: path) }
            guard case .corrupt(let reportedPath, _, let message) = error else {
                Issue.record("expected corrupt, got \(String(describing: error))")
                return
            }
            #expect(reportedPath == path)
            #expect(!message.isEmpty)
        }
    }

    @Test func aLocationThatCannotHoldAFileIsReportedWithItsPath() async throws {
        try await withTemporaryDirectory { directory in
            // Tests run as root, so permission bits would not stop SQLite; a regular file in place of
            // the parent directory does.
            try directory.write(Array("not a directory".utf8), to: "state")
            let path = directory.file("state/tocsin.sqlite")

            let error = #expect(throws: StoreError.self) { try Store(path: path) }
            guard case .cannotOpen(let reportedPath, let code, _) = error else {
                Issue.record("expected cannotOpen, got \(String(describing: error))")
                return
            }
            #expect(reportedPath == path)
            #expect(code & 0xff == 14) // SQLITE_CANTOPEN
            #expect(error?.description.contains("check that its directory exists") == true)

            let stateError = #expect(throws: StoreError.self) { try Store.open(stateDirectory: directory.file("state")) }
            #expect(stateError?.path == directory.file("state"))
        }
    }

    @Test func aDatabaseThatRefusesWALIsRefused() async throws {
        // An in-memory database cannot use WAL, as a file system without shared memory cannot.
        let error = #expect(throws: StoreError.self) { try Store(path: ":memory:") }
        #expect(error == .setting(path: ":memory:", pragma: "journal_mode", wanted: "wal", got: "memory"))
    }

    @Test func aRowThisVersionCannotReadIsReportedWithTableAndColumn() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            defer { store.close() }
            let alarm = try await store.journal.record(AlarmRequest(source: AlarmSource(kind: .rest, name: "a"), target: .group("1"), text: "x"), at: Date())
            let database = try Database(path: path, mode: .readWrite)
            try database.run("UPDATE alarms SET priority = 'Urgent' WHERE id = ?", [.integer(alarm.id)])
            database.close()

            let error = await #expect(throws: StoreError.self) { try await store.journal.alarm(id: alarm.id) }
            #expect(error == .unreadable(path: path, table: "alarms", column: "priority", value: "Urgent"))
        }
    }

    @Test func openCreatesTheStateDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.file("a/b/state")
            let store = try Store.open(stateDirectory: state)
            defer { store.close() }
            #expect(store.path == state + "/tocsin.sqlite")
            #expect(FileManager.default.fileExists(atPath: state + "/tocsin.sqlite"))
        }
    }

    @Test func writesAfterCloseFailWithClosed() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("tocsin.sqlite")
            let store = try Store(path: path)
            store.close()
            let error = await #expect(throws: StoreError.self) {
                try await store.journal.record(AlarmRequest(source: AlarmSource(kind: .rest, name: "a"), target: .group("1"), text: "x"), at: Date())
            }
            #expect(error == .closed(path: path))
        }
    }
}
