#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import ESPA444
import Logging

/// One open period of a port: feeds every read, timer and journal outcome through the link machine
/// in one task, in order, and performs its actions. Ends when the device goes away or the task is
/// cancelled.
final class ESPASession {
    typealias Instant = ContinuousClock.Instant

    enum Input: Sendable {
        case received([UInt8], at: Instant)
        case gone(String)
        case tick
        case outcome(LinkInput)
    }

    let settings: PortSettings
    private let alarms: any ESPAAlarmSink
    private let logger: Logger
    private let status: PortStatusBoard
    private let technical: AsyncStream<ESPAPortService.TechnicalChange>.Continuation
    private let silentKey: String
    private let transmissionErrorsKey: String
    private(set) var nextSequence: UInt64 = 1
    private var lastReceivedAt: Instant?
    /// Whether the peer sent anything in this session: a TCP port's reconnect backoff starts again
    /// only after a connection that carried traffic.
    var receivedAnything: Bool { lastReceivedAt != nil }
    private var timer: Task<Void, Never>?
    private var transmissionErrorTimes: [Instant] = []
    private var transmissionErrorsRaised = false

    init(
        settings: PortSettings, alarms: any ESPAAlarmSink, logger: Logger, status: PortStatusBoard,
        technical: AsyncStream<ESPAPortService.TechnicalChange>.Continuation, keys: (silent: String, transmissionErrors: String)
    ) {
        self.settings = settings
        self.alarms = alarms
        self.logger = logger
        self.status = status
        self.technical = technical
        silentKey = keys.silent
        transmissionErrorsKey = keys.transmissionErrors
    }

    /// Runs the line on `fd` (taken over) and returns why it ended.
    func run(fd: Int32, firstSequence: UInt64) async -> String {
        nextSequence = firstSequence
        let (inputs, input) = AsyncStream.makeStream(of: Input.self)
        let connection = SerialConnection(fd: fd, path: settings.device) { event in
            switch event {
            case .received(let bytes, let at): input.yield(.received(bytes, at: at))
            case .gone(let reason): input.yield(.gone(reason))
            }
        }
        defer {
            timer?.cancel()
            input.finish()
        }
        var machine = LinkMachine(settings: settings, firstSequence: firstSequence, now: .now)
        await perform(machine.start(now: .now), on: connection, input: input)
        var reason = "stopped"
        loop: for await item in inputs {
            switch item {
            case .received(let bytes, let at):
                lastReceivedAt = at
                logger.trace("received", metadata: ["bytes": "\(hex(bytes))"])
                publish {
                    $0.lastTraffic = Date()
                    if $0.state == .open { $0.state = .receiving }
                }
                await perform(machine.handle(.received(bytes), now: at), on: connection, input: input)
            case .tick:
                await perform(machine.handle(.tick, now: .now), on: connection, input: input)
            case .outcome(let outcome):
                if outcome == .committed { clearTransmissionErrors() }
                await perform(machine.handle(outcome, now: .now), on: connection, input: input)
            case .gone(let why):
                reason = why
                break loop
            }
        }
        connection.close()
        await connection.waitUntilClosed()
        return reason
    }

    private func perform(_ actions: [LinkAction<Instant>], on connection: SerialConnection, input: AsyncStream<Input>.Continuation) async {
        for action in actions {
            switch action {
            case .send(let bytes):
                await send(bytes, on: connection)
            case .deliver(let call):
                nextSequence = max(nextSequence, call.sequence + 1)
                publish { $0.blocks += 1 }
                deliver(call, input: input)
            case .reset(let call):
                nextSequence = max(nextSequence, call.sequence + 1)
                publish {
                    $0.blocks += 1
                    $0.resets += 1
                }
                reset(call, input: input)
            case .duplicate(let call):
                publish { $0.duplicates += 1 }
                clearTransmissionErrors()
                logger.notice("same block again after a lost ACK; not raised twice", metadata: ["reference": "\(call.reference)", "address": "\(call.address)"])
            case .received(let block):
                publish { $0.blocks += 1 }
                clearTransmissionErrors()
                logger.info("non-call block received and ACKed", metadata: ["block": "\(block)"])
            case .scheduleTimer(let at):
                timer?.cancel()
                timer = Task {
                    do {
                        try await Task.sleep(until: at, clock: .continuous)
                        input.yield(.tick)
                    } catch {}
                }
            case .linkSilent:
                let seconds = settings.supervisionTime.map { "\($0.components.seconds) s" } ?? "its supervision time"
                logger.warning("serial line silent: no poll, select or block", metadata: ["supervision": "\(seconds)"])
                publish { $0.state = .silent }
                technical.yield(.raise(key: silentKey, text: "\(settings.title): no poll, select or block for \(seconds); check the panel and the cable"))
            case .linkAlive:
                logger.notice("serial line alive again")
                publish { $0.state = .receiving }
                technical.yield(.clear(key: silentKey))
            case .protocolError(let message):
                logger.warning("ESPA line problem", metadata: ["problem": "\(message)"])
            case .transmitted(let id):
                logger.info("block transmitted", metadata: ["transmission": "\(id)"])
            case .transmissionFailed(let id, let reason):
                logger.warning("block transmission failed", metadata: ["transmission": "\(id)", "reason": "\(reason)"])
            }
        }
    }

    private func send(_ bytes: [UInt8], on connection: SerialConnection) async {
        // Some peers lose a reply that comes too soon after their own last byte (espa444.md §2).
        if settings.turnaround > .zero, let lastReceivedAt {
            try? await Task.sleep(until: lastReceivedAt.advanced(by: settings.turnaround), clock: .continuous)
        }
        do {
            try connection.write(bytes)
            logger.trace("sent", metadata: ["bytes": "\(hex(bytes))"])
        } catch {
            logger.warning("write to the serial port failed", metadata: ["error": "\(error)"])
            return
        }
        guard bytes.last == ESPA444.nak else { return }
        publish { $0.naks += 1 }
        if bytes.first == 0x31 { noteTransmissionError() }
    }

    private func deliver(_ call: Call, input: AsyncStream<Input>.Continuation) {
        let (priority, note) = alarmPriority(of: call)
        if let note { logger.warning("\(note)", metadata: ["reference": "\(call.reference)"]) }
        let request = AlarmRequest(
            source: AlarmSource(kind: .espa444, name: settings.label),
            sourceReference: call.reference.description,
            target: .group(call.address),
            text: call.text,
            priority: priority
        )
        let alarms = alarms, logger = logger
        Task {
            do {
                let alarm = try await alarms.raise(request)
                // Only now is the alarm on disk: the ACK may go.
                input.yield(.outcome(.committed))
                logger.info("ESPA call raised", metadata: ["alarm": "\(alarm.id)", "reference": "\(call.reference)", "group": "\(call.address)", "priority": "\(priority.rawValue)"])
            } catch {
                input.yield(.outcome(.rejected(.busy)))
                logger.error("ESPA call could not be journalled; answered '2' NAK (busy)", metadata: ["reference": "\(call.reference)", "error": "\(error)"])
            }
        }
    }

    private func reset(_ call: Call, input: AsyncStream<Input>.Continuation) {
        let alarms = alarms, logger = logger
        let source = AlarmSource(kind: .espa444, name: settings.label)
        Task {
            let running = await alarms.openAlarms.filter {
                $0.request.source == source && CallReference($0.request.sourceReference ?? "")?.isSameCall(as: call.reference) == true
            }
            var failed = false
            for alarm in running {
                do {
                    _ = try await alarms.end(alarm.id, reason: .client, by: "espa444 \(source.name)")
                } catch AlarmServiceError.alreadyEnded, AlarmServiceError.notFound {
                    // Ended by someone else in the meantime: the reset's work is done.
                } catch {
                    failed = true
                    logger.error("ESPA reset could not end the alarm", metadata: ["alarm": "\(alarm.id)", "error": "\(error)"])
                }
            }
            input.yield(.outcome(failed ? .rejected(.busy) : .committed))
            if running.isEmpty {
                logger.notice("ESPA reset with no running alarm for this address", metadata: ["reference": "\(call.reference)", "address": "\(call.address)"])
            } else if !failed {
                logger.info("ESPA reset ended alarms", metadata: ["alarms": "\(running.map(\.id))", "address": "\(call.address)"])
            }
        }
    }

    /// Record 6 as an alarm priority: `'1'`, `'2'`, `'3'` are emergency, high and standard
    /// (DESIGN §2); no record or any other value gets the port's default.
    func alarmPriority(of call: Call) -> (Priority, note: String?) {
        alarmPriorityMapping(call, default: settings.defaultPriority)
    }

    private func noteTransmissionError() {
        let now = ContinuousClock.now
        transmissionErrorTimes.append(now)
        transmissionErrorTimes.removeAll { $0.duration(to: now) > settings.bccBurstWindow }
        publish { $0.transmissionErrors += 1 }
        guard !transmissionErrorsRaised, settings.bccBurstLimit > 0, transmissionErrorTimes.count >= settings.bccBurstLimit else { return }
        transmissionErrorsRaised = true
        logger.error("burst of transmission errors on the serial line", metadata: ["count": "\(transmissionErrorTimes.count)"])
        publish { $0.state = .error; $0.note = "\(transmissionErrorTimes.count) bad blocks in \(settings.bccBurstWindow.components.seconds) s" }
        technical.yield(.raise(
            key: transmissionErrorsKey,
            text: "\(settings.title): \(transmissionErrorTimes.count) blocks with a bad BCC or character within \(settings.bccBurstWindow.components.seconds) s; check "
                + (settings.line.isTCP ? "the converter's baud rate and framing, the character set and the cable" : "baud rate, framing, character set and cable")
        ))
    }

    private func clearTransmissionErrors() {
        transmissionErrorTimes.removeAll()
        guard transmissionErrorsRaised else { return }
        transmissionErrorsRaised = false
        publish {
            $0.state = .receiving
            $0.note = ""
        }
        technical.yield(.clear(key: transmissionErrorsKey))
        logger.notice("good blocks again after transmission errors")
    }

    private func publish(_ change: (inout PortStatus) -> Void) {
        status.publish(change)
    }
}

/// Record 6 as an alarm priority, with a note to log when the value was not understood.
public func alarmPriorityMapping(_ call: Call, default fallback: Priority) -> (Priority, note: String?) {
    guard call.block.value(of: Record.priority) != nil else { return (fallback, nil) }
    switch call.priority {
    case .emergency: return (.emergency, nil)
    case .high: return (.high, nil)
    case .standard: return (.standard, nil)
    case .unrecognised(let value):
        return (fallback, "unrecognised priority '\(value)' in record 6; using the port's default \(fallback.rawValue)")
    }
}

/// Bytes as `01 31 02`, for logs and the tools.
public func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
        let text = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0" + text : text
    }.joined(separator: " ")
}
