#if canImport(Glibc)
import Glibc
#endif
import Alarming
import Logging
import NIOPosix
import Storage
import Testing
@testable import TocsinDaemon

/// The watchdog against a real AF_UNIX datagram socket (as systemd listens), a real SQLite store in a
/// temporary directory, the real alarm service and the real NIO event loops.
struct WatchdogTests {
    static func store() throws -> Store {
        var template = Array("/tmp/tocsin-watchdog-XXXXXX".utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        return try Store(path: folder + "/tocsin.sqlite")
    }

    /// A datagram socket standing in for systemd's notify socket, with a receive time limit so a
    /// missing datagram fails the test instead of hanging it.
    struct NotifySocket: ~Copyable {
        let fd: Int32
        let path: String

        init() throws {
            path = "/tmp/tocsin-watchdog-\(getpid())-\(Int.random(in: 0..<1_000_000))"
            fd = try SystemdNotifierTests.listen(Array(path.utf8))
            var limit = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(fd)
            unlink(path)
        }

        /// Waits (at most 10 s) for the next datagram.
        func next() -> String {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        }

        /// A datagram that is already there, or "" at once.
        func pending() -> String { SystemdNotifierTests.receive(fd) }
    }

    static func service(_ store: Store) -> AlarmService {
        AlarmService(journal: store.journal, directory: store.directory, drivers: [], settings: AlarmSettings())
    }

    // MARK: - What systemd asked for

    @Test func pingsAtHalfTheIntervalSystemdGave() {
        #expect(Watchdog.interval(environment: ["WATCHDOG_USEC": "30000000"], processID: 42) == .seconds(15))
        #expect(Watchdog.interval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"], processID: 42) == .seconds(15))
        #expect(Watchdog.interval(environment: ["WATCHDOG_USEC": "1000", "WATCHDOG_PID": ""], processID: 42) == .microseconds(500))
    }

    @Test func noWatchdogWhenSystemdAskedForNoneOrForAnotherProcess() {
        #expect(Watchdog.interval(environment: [:], processID: 42) == nil)
        #expect(Watchdog.interval(environment: ["WATCHDOG_USEC": "0"], processID: 42) == nil)
        #expect(Watchdog.interval(environment: ["WATCHDOG_USEC": "-5"], processID: 42) == nil)
        #expect(Watchdog.interval(environment: ["WATCHDOG_USEC": "30s"], processID: 42) == nil)
        #expect(Watchdog.interval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "43"], processID: 42) == nil)
        #expect(Watchdog.interval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "x"], processID: 42) == nil)
    }

    @Test func statusLineNamesOpenAlarmsAndTheRoundTrip() {
        #expect(Watchdog.status(.init(openAlarms: 0, roundTrip: .milliseconds(3))) == "0 open alarms; event loops, alarm core and journal answered in 3 ms")
        #expect(Watchdog.status(.init(openAlarms: 1, roundTrip: .microseconds(1_999))) == "1 open alarm; event loops, alarm core and journal answered in 1 ms")
        #expect(Watchdog.status(.init(openAlarms: 12, roundTrip: .seconds(2))) == "12 open alarms; event loops, alarm core and journal answered in 2000 ms")
    }

    // MARK: - The round trip

    @Test func aHealthyRoundTripSendsWatchdogAndStatusInOneDatagram() async throws {
        let socket = try NotifySocket()
        let store = try Self.store()
        defer { store.close() }
        let transactionsBefore = store.transactions
        let watchdog = Watchdog(
            environment: ["WATCHDOG_USEC": "30000000"], processID: getpid(),
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]),
            logger: Logger(label: "test"),
            probe: Watchdog.healthProbe(eventLoops: MultiThreadedEventLoopGroup.singleton, alarms: Self.service(store), store: store)
        )
        #expect(await watchdog.beat())
        let datagram = socket.next()
        let lines = datagram.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2)
        #expect(lines.first == "WATCHDOG=1")
        #expect(lines.last?.hasPrefix("STATUS=0 open alarms; event loops, alarm core and journal answered in ") == true)
        #expect(lines.last?.hasSuffix(" ms") == true)
        // The journal part really went through the writer: one committed transaction.
        #expect(store.transactions == transactionsBefore + 1)
    }

    @Test func aClosedJournalWithholdsThePingAndSaysWhy() async throws {
        let socket = try NotifySocket()
        let store = try Self.store()
        store.close()
        let watchdog = Watchdog(
            environment: ["WATCHDOG_USEC": "30000000"], processID: getpid(),
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]),
            logger: Logger(label: "test"),
            probe: Watchdog.healthProbe(eventLoops: MultiThreadedEventLoopGroup.singleton, alarms: Self.service(store), store: store)
        )
        #expect(await watchdog.beat() == false)
        #expect(socket.next() == "STATUS=Unhealthy, watchdog ping withheld: the database \(store.path) is closed")
        #expect(socket.pending() == "")
    }

    @Test func aStuckRoundTripSendsNothingAtAll() async throws {
        let socket = try NotifySocket()
        let (gate, release) = AsyncStream.makeStream(of: Void.self)
        let watchdog = Watchdog(
            environment: ["WATCHDOG_USEC": "20000"], processID: getpid(),
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]),
            logger: Logger(label: "test"),
            probe: {
                for await _ in gate {}
                return .init(openAlarms: 0, roundTrip: .zero)
            }
        )
        let beat = Task { await watchdog.beat() }
        // The probe is parked on the gate; give the beat every chance to (wrongly) send something.
        for _ in 0..<100 { await Task.yield() }
        #expect(socket.pending() == "")
        release.finish()
        #expect(await beat.value)
        #expect(socket.next().hasPrefix("WATCHDOG=1\nSTATUS=0 open alarms;"))
    }

    // MARK: - The service

    @Test func runKeepsPingingUntilCancelled() async throws {
        let socket = try NotifySocket()
        let store = try Self.store()
        defer { store.close() }
        let watchdog = Watchdog(
            environment: ["WATCHDOG_USEC": "20000", "WATCHDOG_PID": "\(getpid())"], processID: getpid(),
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]),
            logger: Logger(label: "test"),
            probe: Watchdog.healthProbe(eventLoops: MultiThreadedEventLoopGroup.singleton, alarms: Self.service(store), store: store)
        )
        #expect(watchdog.interval == .microseconds(10_000))
        let running = Task { try await watchdog.run() }
        for _ in 0..<3 {
            #expect(socket.next().hasPrefix("WATCHDOG=1\nSTATUS=0 open alarms;"))
        }
        running.cancel()
        try await running.value
    }

    @Test func withoutWatchdogUsecRunSendsNothingAndEndsOnCancellation() async throws {
        let socket = try NotifySocket()
        let watchdog = Watchdog(
            environment: [:], processID: getpid(),
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]),
            logger: Logger(label: "test"),
            probe: { Issue.record("the probe ran without a watchdog"); return .init(openAlarms: 0, roundTrip: .zero) }
        )
        #expect(watchdog.interval == nil)
        let running = Task { try await watchdog.run() }
        for _ in 0..<100 { await Task.yield() }
        running.cancel()
        try await running.value
        #expect(socket.pending() == "")
    }
}
