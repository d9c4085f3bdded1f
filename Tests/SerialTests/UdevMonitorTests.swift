#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Serial
import Synchronization
import Testing

/// The hot-plug monitor against a real udevd (DESIGN §7): the test starts `systemd-udevd --daemon`
/// and writes synthetic uevents to `/sys/class/tty/ttyS0/uevent`. It never opens `/dev/ttyS0`,
/// which is the machine's console.
@Suite(.serialized) struct UdevMonitorTests {
    static let udevd: String? = ["/lib/systemd/systemd-udevd", "/usr/lib/systemd/systemd-udevd", "/usr/bin/systemd-udevd"]
        .first { (path: String) in access(path, X_OK) == 0 }
    static let uevent = "/sys/class/tty/ttyS0/uevent"

    /// Writing uevents needs root, and the events need udevd (apt package `udev`). Without either
    /// the test is reported as skipped with this reason, not passed.
    static var available: Bool { getuid() == 0 && udevd != nil && access(uevent, W_OK) == 0 }

    @Test(.enabled(if: available, "needs root, systemd-udevd and /sys/class/tty/ttyS0/uevent to produce real udev events"))
    func theMonitorSeesColdplugAddAndRemoveFromUdevd() async throws {
        try Self.startUdevd()
        let monitor = try UdevMonitor(subsystem: "tty")
        defer { monitor.stop() }
        let seen = Mutex<[DeviceEvent]>([])
        let collector = Task {
            for await event in monitor.events { seen.withLock { $0.append(event) } }
        }
        defer { collector.cancel() }

        // Coldplug: ttyS0 is there already, reported after the monitor started.
        let present = try await Self.waitFor(seen) { $0.action == "present" && $0.syspath.hasSuffix("/ttyS0") }
        #expect(present.subsystem == "tty")
        #expect(present.devnode == "/dev/ttyS0")

        let added = UUID().uuidString.lowercased()
        try Self.write("add \(added) TOCSINTEST=add")
        let add = try await Self.waitFor(seen) { $0.properties["SYNTH_UUID"] == added }
        #expect(add.action == "add")
        #expect(add.devnode == "/dev/ttyS0")
        #expect(add.properties["SYNTH_ARG_TOCSINTEST"] == "add")
        // Keys of a synthetic uevent may hold only letters and digits (the kernel refuses "_").
        // It came through udevd (the "udev" source): udevd stamps the events it processed.
        #expect(add.properties["USEC_INITIALIZED"] != nil)

        let removed = UUID().uuidString.lowercased()
        try Self.write("remove \(removed)")
        let remove = try await Self.waitFor(seen) { $0.properties["SYNTH_UUID"] == removed }
        #expect(remove.action == "remove")
        #expect(remove.syspath.hasSuffix("/ttyS0"))

        // Put the console's udev state back as it was.
        let restored = UUID().uuidString.lowercased()
        try Self.write("add \(restored)")
        _ = try await Self.waitFor(seen) { $0.properties["SYNTH_UUID"] == restored }
    }

    /// Starts udevd unless one answers already (a stale /run/udev/control says nothing), then waits
    /// until it answers a ping.
    static func startUdevd() throws {
        guard let udevd else { return }
        if !run(["/usr/bin/udevadm", "control", "--ping", "--timeout=1"]) {
            _ = run([udevd, "--daemon"])
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !run(["/usr/bin/udevadm", "control", "--ping", "--timeout=1"]) {
            guard ContinuousClock.now < deadline else { throw SerialError.udev("systemd-udevd does not answer udevadm control --ping") }
            usleep(50_000)
        }
    }

    /// Runs a program to completion; true when it exits 0.
    static func run(_ arguments: [String]) -> Bool {
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, arguments[0], nil, nil, argv, environ) == 0 else { return false }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status == 0
    }

    static func write(_ text: String) throws {
        let fd = open(uevent, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SerialError.system(path: uevent, call: "open", errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw SerialError.system(path: uevent, call: "write", errno: errno) }
    }

    /// The first event matching, waiting up to ten seconds (udevd runs rules before it passes one on).
    static func waitFor(_ seen: borrowing Mutex<[DeviceEvent]>, _ predicate: (DeviceEvent) -> Bool) async throws -> DeviceEvent {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if let event = seen.withLock({ $0.first(where: predicate) }) { return event }
            guard ContinuousClock.now < deadline else {
                throw SerialError.udev("no matching event within 10 s; saw \(seen.withLock { $0.map(\.description) })")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
