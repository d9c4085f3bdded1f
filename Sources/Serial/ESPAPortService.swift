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
    public func deviceChanged() {
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

    private func superviseLine() async {
        var nextSequence = await seedSequence()
        var reportedProblem: String?
        var absentRaised = false
        publish { $0.state = .waiting; $0.note = "waiting for the device" }
        while !Task.isCancelled {
            let fd: Int32
            do {
                fd = try SerialDevice.open(path: settings.device, baud: settings.baud, framing: settings.framing)
            } catch {
                let text = "\(error)"
                if text != reportedProblem {
                    logger.warning("serial port not available; waiting for it", metadata: ["device": "\(settings.device)", "reason": "\(text)"])
                    reportedProblem = text
                }
                if case .absent = error {
                    publish { $0.state = .waiting; $0.note = "waiting for \(settings.device)" }
                } else {
                    publish { $0.state = .error; $0.note = text }
                }
                if !absentRaised {
                    technical.yield(.raise(key: absentKey, text: "Serial port \(settings.label): \(text)"))
                    absentRaised = true
                }
                await wakeup.wait(upTo: settings.presenceCheckInterval)
                continue
            }
            reportedProblem = nil
            if absentRaised {
                technical.yield(.clear(key: absentKey))
                absentRaised = false
            }
            logger.notice("serial port open", metadata: [
                "device": "\(settings.device)", "baud": "\(settings.baud)", "framing": "\(settings.framing)",
                "role": "\(settings.role.rawValue)", "first_sequence": "\(nextSequence)",
            ])
            publish { $0.state = .open; $0.note = "" }
            let session = ESPASession(settings: settings, alarms: alarms, logger: logger, status: status, technical: technical, keys: (silentKey, transmissionErrorsKey))
            let reason = await session.run(fd: fd, firstSequence: nextSequence)
            nextSequence = max(nextSequence, session.nextSequence)
            // A silent line that is now unplugged is reported as unplugged, once.
            technical.yield(.clear(key: silentKey))
            technical.yield(.clear(key: transmissionErrorsKey))
            guard !Task.isCancelled else { break }
            logger.warning("serial port closed", metadata: ["device": "\(settings.device)", "reason": "\(reason)"])
            publish { $0.state = .waiting; $0.note = "closed: \(reason)" }
            technical.yield(.raise(key: absentKey, text: "Serial port \(settings.label): \(settings.device) unplugged (\(reason))"))
            absentRaised = true
            reportedProblem = "closed"
        }
        logger.info("serial port stopped", metadata: ["device": "\(settings.device)"])
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
