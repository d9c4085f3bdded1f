#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import CShim
import Logging
import Synchronization
import Testing
@testable import TocsinDaemon

/// Written before the release and read after it: a private page of data must survive it.
nonisolated(unsafe) private var dataWrittenBeforeRelease: [Int] = []

struct CodePagesTests {
    /// Resident KiB of this process's mappings of its own executable with these permissions.
    static func residentKiB(permissions: String) throws -> Int {
        let executable = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
            .split(separator: "\n").first { $0.split(separator: " ").count >= 6 && $0.contains(" r-xp ") }
            .map { String($0.split(separator: " ", omittingEmptySubsequences: true)[5]) }
        let smaps = try String(contentsOfFile: "/proc/self/smaps", encoding: .utf8).split(separator: "\n")
        var total = 0
        var counting = false
        for line in smaps {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 5, fields[0].contains("-"), fields[0].first?.isHexDigit == true {
                counting = fields.count >= 6 && String(fields[5]) == executable && fields[1] == Substring(permissions)
            } else if counting, fields.first == "Rss:", fields.count >= 2 {
                total += Int(fields[1]) ?? 0
            }
        }
        return total
    }

    @Test func releasesCodePagesAndKeepsDataAndCodeWorking() throws {
        dataWrittenBeforeRelease = (0..<100_000).map { $0 * 3 }
        let before = try Self.residentKiB(permissions: "r-xp")
        let advised = tocsin_release_clean_mappings()
        let after = try Self.residentKiB(permissions: "r-xp")
        #expect(advised > 0)
        // Running this test maps some code back at once; the rest of the test binary's code stays out.
        #expect(after < before / 2, "resident code \(before) KiB before, \(after) KiB after")
        #expect(dataWrittenBeforeRelease.count == 100_000)
        let sum = dataWrittenBeforeRelease.reduce(0, +)
        let expected = 3 * 99_999 * 50_000
        #expect(sum == expected)
        // Code and constants come back from the file unchanged.
        let json = try JSONEncoder().encode(["released": Int(advised)])
        #expect(try JSONDecoder().decode([String: Int].self, from: json)["released"] == Int(advised))
    }

    @Test func releasesAfterStartUpAndAfterEachQuietSpellThatFollowedAlarms() async throws {
        let (hub, pages, running) = try await Self.started(minute: .milliseconds(60))
        defer { running.cancel() }
        // Quiet with no alarm since the last release: nothing new to give back.
        try await Task.sleep(for: .milliseconds(200))
        #expect(pages.releaseCount == 1)

        let alarm = Self.alarm
        hub.publish(AlarmEvent(alarm: alarm, change: .raised))
        try await Self.waitFor { pages.releaseCount == 2 }
        try await Task.sleep(for: .milliseconds(200))
        #expect(pages.releaseCount == 2)

        // 0 turns the quiet releases off; the one after start-up has happened.
        pages.quietMinutes.store(0, ordering: .relaxed)
        hub.publish(AlarmEvent(alarm: alarm, change: .raised))
        try await Task.sleep(for: .milliseconds(300))
        #expect(pages.releaseCount == 2)
    }

    @Test func activityPostponesTheRelease() async throws {
        let (hub, pages, running) = try await Self.started(minute: .milliseconds(150))
        defer { running.cancel() }
        let alarm = Self.alarm
        // An event every 30 ms keeps the daemon from ever being quiet for 150 ms.
        for _ in 0..<15 {
            hub.publish(AlarmEvent(alarm: alarm, change: .raised))
            try await Task.sleep(for: .milliseconds(30))
        }
        #expect(pages.releaseCount == 1)
        try await Self.waitFor { pages.releaseCount == 2 }
    }

    /// A release schedule with a quiet spell of one (shortened) minute, after its first release.
    static func started(minute: Duration) async throws -> (AlarmEventHub, CodePages, Task<Void, Never>) {
        let hub = AlarmEventHub()
        let pages = CodePages(events: hub, quietMinutes: 1, logger: Logger(label: "test"))
        let running = Task { await pages.run(settle: .zero, check: .milliseconds(5), minute: minute) }
        try await waitFor { pages.releaseCount == 1 }
        return (hub, pages, running)
    }

    static let alarm = Alarm(id: 1, request: AlarmRequest(source: AlarmSource(kind: .rest, name: "test"), target: .group("1"), text: "t"), receivedAt: Date())

    static func waitFor(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<1000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }
}

