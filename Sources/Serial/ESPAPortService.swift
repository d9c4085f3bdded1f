#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import ESPA444
import Logging
import ServiceLifecycle

/// One configured ESPA 4.4.4 port, supervised for as long as the daemon runs.
///
/// - A device that is absent is waited for, never a fatal error (ser2net's habit): it is tried
///   again on every udev event and every `presenceCheckInterval`, in case udevd is not running.
/// - While open, the port's link machine answers the line. A call is raised with the alarm core
///   and the block is ACKed only after `raise` returned, which is the durable journal commit; a
///   failed raise is answered `'2' NAK` so the panel tries again. A reset (call type `'1'`) ends
///   the running alarm with the same call address on this port.
/// - On hang-up (read 0, `EIO`, `ENODEV`, `ENXIO`) the port is closed and waited for again.
/// - Unplugged or missing, silent past the supervision time, and a burst of transmission errors
///   each raise a technical alarm, cleared when the fault ends. State, last traffic and counters
///   go to the shared `LinkBoard` (kind `serial`) and to the log.
public final class ESPAPortService: Service, Sendable {
    public let settings: PortSettings
    private let alarms: any ESPAAlarmSink
    private let links: LinkBoard
    private let logger: Logger
    private let wakeup = Wakeup()
    private let status: PortStatusBoard
    private let technical: AsyncStream<TechnicalChange>.Continuation
    private let technicalChanges: AsyncStream<TechnicalChange>

    enum TechnicalChange: Sendable {
        case raise(key: String, text: String)
        case clear(key: String)
    }

    public init(settings: PortSettings, alarms: any ESPAAlarmSink, links: LinkBoard, logger: Logger) {
        self.settings = settings
        self.alarms = alarms
        self.links = links
        var logger = logger
        logger[metadataKey: "port"] = "\(settings.label)"
        self.logger = logger
        status = PortStatusBoard(PortStatus(settings: settings), links: links)
        (technicalChanges, technical) = AsyncStream.makeStream(of: TechnicalChange.self)
    }

    /// The fault keys of this port's technical alarms.
    public var absentKey: String { "serial.\(settings.label).absent" }
    public var silentKey: String { "serial.\(settings.label).silent" }
    public var transmissionErrorsKey: String { "serial.\(settings.label).transmission-errors" }

    /// udev saw a tty come or go: look for the device now rather than at the next periodic check.
    /// A TCP port keeps to its reconnect backoff.
    public func deviceChanged() {
        guard !settings.line.isTCP else { return }
        wakeup.signal()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.supervise() }
    }

    /// Runs until cancelled: waits for the device, opens it, runs the line, and starts over when
    /// the device goes away.
    public func supervise() async {
        await withTaskGroup(of: Void.self) { group in
            // Technical alarms are journalled one after another, in the order the faults happened,
            // without holding up the line.
            group.addTask { [alarms, technicalChanges] in
                for await change in technicalChanges {
                    switch change {
                    case .raise(let key, let text): await alarms.raiseTechnical(key: key, text: text, priority: .high)
                    case .clear(let key): await alarms.clearTechnical(key: key)
                    }
                }
            }
            await superviseLine()
            technical.finish()
            await group.waitForAll()
        }
        links.remove(kind: "serial", name: settings.label)
    }

    /// Why the line could not be opened this time, and how the port shows it.
    private struct OpenFailure: Error {
        var text: String
        /// `.waiting` for an absent device or an unreachable converter, `.error` for one that is
        /// there but unusable (busy, not a tty).
        var state: PortStatus.State
    }

    /// Opens the line and returns the fd and what to log about it.
    private func openLine() async -> Result<(fd: Int32, metadata: Logger.Metadata), OpenFailure> {
        do {
            let opened = try await settings.line.open(baud: settings.baud, framing: settings.framing, tcp: settings.tcp)
            var metadata: Logger.Metadata = ["device": "\(settings.device)"]
            if settings.line.isTCP {
                metadata["peer"] = "\(opened.peer ?? "?")"
                metadata["local"] = "\(opened.local ?? "?")"
                metadata["keepalive"] = "\(settings.tcp.keepalive)"
            } else {
                metadata["baud"] = "\(settings.baud)"
                metadata["framing"] = "\(settings.framing)"
            }
            return .success((opened.fd, metadata))
        } catch SerialError.absent(let path) {
            return .failure(OpenFailure(text: "\(SerialError.absent(path: path))", state: .waiting))
        } catch let error as TCPError {
            // An unreachable converter is waited for like an absent device.
            return .failure(OpenFailure(text: "\(error)", state: .waiting))
        } catch {
            return .failure(OpenFailure(text: "\(error)", state: .error))
        }
    }

    /// The pause before the next attempt after `failures` failed ones in a row. A serial port looks
    /// again every `presenceCheckInterval` or on a udev event; a TCP port backs off so that an
    /// unreachable converter is not hammered, and is not woken by udev.
    private func pause(afterFailures failures: Int) async {
        switch settings.line {
        case .serial: await wakeup.wait(upTo: settings.presenceCheckInterval)
        case .tcp: try? await Task.sleep(for: settings.tcp.reconnectDelay(afterFailures: failures))
        }
    }

    private func superviseLine() async {
        var nextSequence = await seedSequence()
        var reportedProblem: String?
        var absentRaised = false
        var failures = 0
        // The alarm core resumes the technical alarms an earlier run left open. The faults of a
        // session are that session's; the port's absence is settled by the first open.
        var opened = false
        technical.yield(.clear(key: silentKey))
        technical.yield(.clear(key: transmissionErrorsKey))
        let tcp = settings.line.isTCP
        publish { $0.state = .waiting; $0.note = tcp ? "connecting to \(settings.device)" : "waiting for the device" }
        supervision: while !Task.isCancelled {
            let fd: Int32
            var metadata: Logger.Metadata
            switch await openLine() {
            case .success(let opened):
                (fd, metadata) = opened
            case .failure(let failure):
                guard !Task.isCancelled else { break supervision }
                failures += 1
                if failure.text != reportedProblem {
                    logger.warning(tcp ? "TCP port cannot connect; retrying" : "serial port not available; waiting for it",
                                   metadata: ["device": "\(settings.device)", "reason": "\(failure.text)"])
                    reportedProblem = failure.text
                }
                let retry = tcp ? "; next attempt in \(Self.seconds(settings.tcp.reconnectDelay(afterFailures: failures)))" : ""
                publish {
                    $0.state = failure.state
                    $0.note = failure.state == .waiting && !tcp ? "waiting for \(settings.device)" : failure.text + retry
                }
                if !absentRaised {
                    technical.yield(.raise(key: absentKey, text: "\(settings.title): \(failure.text)"))
                    absentRaised = true
                }
                await pause(afterFailures: failures)
                continue
            }
            reportedProblem = nil
            if absentRaised || !opened {
                technical.yield(.clear(key: absentKey))
                absentRaised = false
            }
            opened = true
            metadata["role"] = "\(settings.role.rawValue)"
            metadata["first_sequence"] = "\(nextSequence)"
            logger.notice(tcp ? "TCP port connected" : "serial port open", metadata: metadata)
            publish { $0.state = .open; $0.note = "" }
            let session = ESPASession(settings: settings, alarms: alarms, logger: logger, status: status, technical: technical, keys: (silentKey, transmissionErrorsKey))
            let reason = await session.run(fd: fd, firstSequence: nextSequence)
            nextSequence = max(nextSequence, session.nextSequence)
            // A silent line that is now unplugged is reported as unplugged, once.
            technical.yield(.clear(key: silentKey))
            technical.yield(.clear(key: transmissionErrorsKey))
            guard !Task.isCancelled else { break }
            // A connection the converter took and dropped without a byte counts as another failed
            // attempt, so a converter that accepts and closes at once is not reconnected in a tight loop.
            failures = session.receivedAnything ? 0 : failures + 1
            logger.warning(tcp ? "TCP port connection lost" : "serial port closed", metadata: ["device": "\(settings.device)", "reason": "\(reason)"])
            publish { $0.state = .waiting; $0.note = "closed: \(reason)" }
            let lost = tcp ? "connection to \(settings.device) lost" : "\(settings.device) unplugged"
            technical.yield(.raise(key: absentKey, text: "\(settings.title): \(lost) (\(reason))"))
            absentRaised = true
            reportedProblem = "closed"
            if tcp { await pause(afterFailures: max(1, failures)) }
        }
        logger.info(tcp ? "TCP port stopped" : "serial port stopped", metadata: ["device": "\(settings.device)"])
    }

    /// `4 s`, `500 ms`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    /// The sequence after the highest one this port has journalled, so call references stay unique
    /// across restarts. If the journal cannot be asked, the time in milliseconds is used: larger
    /// than any earlier sequence unless the clock went back.
    private func seedSequence() async -> UInt64 {
        do {
            let recent = try await alarms.alarms(matching: AlarmQuery(sourceKind: .espa444, limit: 10_000))
            let highest = recent
                .filter { $0.request.source.name == settings.label }
                .compactMap { CallReference($0.request.sourceReference ?? "")?.sequence }
                .max()
            return (highest ?? 0) + 1
        } catch {
            let fallback = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
            logger.error("cannot read the journal to seed call sequences; using the clock", metadata: ["error": "\(error)", "first_sequence": "\(fallback)"])
            return fallback
        }
    }

    private func publish(_ change: (inout PortStatus) -> Void) {
        status.publish(change)
    }
}
