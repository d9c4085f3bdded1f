// CSTA owns Tocsin's side of a CSTA link to a PBX, without any I/O: the Annex J.2 and
// NUL-delimited framing (`AnnexJFrameDecoder`, `NulFrameDecoder`), invoke IDs, the ECMA-354
// session and ECMA-323 messages in the Eltex ECSS-10 and Uni-tel dialects (`CSTARequest`,
// `CSTAMessage`, read with a hardened libxml2 reader), the client session machine (this file) and
// the escalation-call tracker (`CSTACallTracker`). Bytes, calls to place and the current time go
// in; bytes to send, timers and call outcomes come out. Sockets, TLS and the escalation policy
// belong to the caller.

/// The client side of one PBX link, from connecting to stopping, across reconnects:
///
/// 1. `start` asks for a connection; `connected` sends StartApplicationSession with the dialect's
///    login.
/// 2. The PosResponse's `actualSessionDuration` (not the requested one) sets the refresh, sent
///    after `refreshFraction` of it.
/// 3. MonitorStart runs on every calling device, then SnapshotDevice finds calls left behind by an
///    earlier session and clears them; then the link is up.
/// 4. `placeCall` sends MakeCall and the tracker follows the call to its outcome.
/// 5. Every request times out after `requestTimeout`; a timeout, a refused refresh,
///    ApplicationSessionTerminated, a framing error or a lost connection takes the link down:
///    pending requests and calls fail, and the session reconnects with a doubling back-off.
///
/// On Annex J.2 links responses are matched by invoke ID (1…9998, skipping outstanding ones). On
/// dialects with `maximumOutstandingRequests` (Uni-tel: 1, without invoke IDs) further requests
/// wait in a queue, and each response is matched with the oldest request on the wire.
///
/// Time is a value of any monotonic clock (`ContinuousClock.Instant` in the daemon). The caller
/// carries out the returned actions in order and calls `tick(at:)` when a `scheduleTimer` instant
/// has come.
public struct CSTASession<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public enum Phase: Sendable, Hashable {
        case idle
        case connecting(attempt: Int)
        case startingSession
        case startingMonitors
        case clearingLeftovers
        case up
        case waitingToReconnect(until: Instant)
        case stopping
        case stopped
    }

    public typealias Action = CSTAAction<Instant>

    /// Why a request was sent, which decides what its answer does.
    enum Purpose: Sendable, Hashable {
        case startSession
        case refreshSession
        case stopSession
        case monitorStart(device: String)
        case monitorStop
        case makeCall(CSTACallToken)
        case clear(CSTAConnectionID)
        case snapshot(device: String)
    }

    struct Outstanding: Sendable {
        var invokeID: InvokeID?
        var request: CSTARequest
        var purpose: Purpose
        var deadline: Instant
    }

    public let configuration: CSTASessionConfiguration
    public private(set) var phase: Phase = .idle
    public private(set) var sessionID: String?
    /// The duration the server granted last.
    public private(set) var sessionDuration: Duration?
    /// Monitor cross-reference IDs by calling device.
    public private(set) var monitors: [String: String] = [:]
    public private(set) var tracker: CSTACallTracker<Instant>

    private var attempt = 0
    private var failures = 0
    private var refreshAt: Instant?
    private var outstanding: [Outstanding] = []
    private var queued: [(request: CSTARequest, purpose: Purpose)] = []
    private var invokeIDs = InvokeIDAllocator()
    private var annexJDecoder = AnnexJFrameDecoder()
    private var nulDecoder = NulFrameDecoder()
    private let reader = CSTAXMLReader()
    private var snapshotsPending: Set<String> = []
    private var scheduled: Instant?
    /// Calls asked for while the link was down. A session blip (a refused refresh, an expired
    /// session, a reconnect) must not burn through an escalation chain in microseconds, so each call
    /// waits for the link for up to its own no-answer time and is placed as soon as the link is up.
    private var waitingForLink: [WaitingCall] = []
    /// Why the link went down last, for calls that give up waiting.
    private var lastFault: CSTALinkFault?

    struct WaitingCall: Sendable {
        var token: CSTACallToken
        var callingDevice: String
        var calledNumber: String
        var noAnswerAfter: Duration
        var giveUpAt: Instant
    }

    public init(configuration: CSTASessionConfiguration) {
        self.configuration = configuration
        self.tracker = CSTACallTracker(answeredCallRetention: configuration.answeredCallRetention)
    }

    public var isUp: Bool { phase == .up }

    /// Whether a connection is open (from `connected` until `close` or a reported loss).
    private var isConnected: Bool {
        switch phase {
        case .startingSession, .startingMonitors, .clearingLeftovers, .up, .stopping: true
        default: false
        }
    }

    /// Requests on the wire, oldest first (for status pages and tests).
    public var outstandingRequestNames: [String] { outstanding.map(\.request.name) }
    /// Requests waiting for their turn on a one-at-a-time dialect.
    public var queuedRequestNames: [String] { queued.map(\.request.name) }

    /// The next instant `tick(at:)` has work to do.
    public var nextDeadline: Instant? {
        var candidates: [Instant] = outstanding.map(\.deadline)
        if case .waitingToReconnect(let until) = phase { candidates.append(until) }
        if let refreshAt, isConnected { candidates.append(refreshAt) }
        if let callDeadline = tracker.nextDeadline { candidates.append(callDeadline) }
        candidates += waitingForLink.map(\.giveUpAt)
        return candidates.min()
    }

    // MARK: - Connection lifecycle

    /// Starts the client: the first connection is asked for at once.
    public mutating func start(at now: Instant) -> [Action] {
        guard phase == .idle else { return [] }
        return finish(connect(), at: now)
    }

    /// The connection of `attempt` is open.
    public mutating func connected(attempt: Int, at now: Instant) -> [Action] {
        guard attempt == self.attempt, phase == .connecting(attempt: attempt) else { return [] }
        phase = .startingSession
        annexJDecoder = AnnexJFrameDecoder()
        nulDecoder = NulFrameDecoder()
        invokeIDs = InvokeIDAllocator()
        let request = CSTARequest.startApplicationSession(
            applicationID: configuration.applicationID, login: configuration.login,
            requestedSessionDuration: configuration.requestedSessionDuration
        )
        return finish(send(request, .startSession, at: now), at: now)
    }

    /// The connection of `attempt` could not be opened.
    public mutating func connectFailed(attempt: Int, reason: String, at now: Instant) -> [Action] {
        guard attempt == self.attempt, phase == .connecting(attempt: attempt) else { return [] }
        return finish(goDown(.connectFailed(reason), closing: false, at: now), at: now)
    }

    /// The connection of `attempt` broke or the peer closed it.
    public mutating func connectionLost(attempt: Int, reason: String, at now: Instant) -> [Action] {
        guard attempt == self.attempt else { return [] }
        if phase == .stopping {
            return finish(stopNow(closing: false), at: now)
        }
        guard isConnected else { return [] }
        return finish(goDown(.connectionLost(reason), closing: false, at: now), at: now)
    }

    /// Stops gracefully: clears calls in progress, stops the monitors and the session, then closes.
    public mutating func stop(at now: Instant) -> [Action] {
        let unplaced = giveUpWaiting(.stopped)
        switch phase {
        case .stopping, .stopped:
            return unplaced
        case .up, .startingMonitors, .clearingLeftovers:
            var actions: [Action] = []
            // Calls still queued never reached the PBX: nothing to clear for them.
            for entry in queued {
                if case .makeCall(let token) = entry.purpose { actions += apply(tracker.withdraw(token), at: now) }
            }
            queued.removeAll()
            for token in tracker.trackedTokens { actions += apply(tracker.hangUp(token), at: now) }
            phase = .stopping
            for device in configuration.callingDevices {
                if let crossRefID = monitors[device] { actions += send(.monitorStop(crossRefID: crossRefID), .monitorStop, at: now) }
            }
            actions += send(.stopApplicationSession(sessionID: sessionID), .stopSession, at: now)
            return finish(unplaced + actions, at: now)
        case .idle, .waitingToReconnect:
            return finish(unplaced + stopNow(closing: false), at: now)
        case .connecting, .startingSession:
            return finish(unplaced + stopNow(closing: true), at: now)
        }
    }

    // MARK: - Calls

    /// Places an escalation call from `callingDevice` (one of the configured calling devices) to
    /// `calledNumber`. Tocsin's own no-answer timer runs `noAnswerAfter` from the MakeCallResponse,
    /// and again from the first DeliveredEvent. While the link is being re-established the call
    /// waits for it, for up to `noAnswerAfter`, and then fails with the fault that took the link
    /// down; a client that is not started or is stopping fails it at once.
    public mutating func placeCall(
        _ token: CSTACallToken, from callingDevice: String, to calledNumber: String, noAnswerAfter: Duration, at now: Instant
    ) -> [Action] {
        if tracker.trackedTokens.contains(token) || waitingForLink.contains(where: { $0.token == token }) {
            return [.callState(token, .finished(.failed(.duplicateToken)))]
        }
        guard configuration.callingDevices.contains(callingDevice) else {
            return [.callState(token, .finished(.failed(.callingDeviceNotMonitored(callingDevice))))]
        }
        switch phase {
        case .up:
            return finish(dial(token, from: callingDevice, to: calledNumber, noAnswerAfter: noAnswerAfter, at: now), at: now)
        case .idle, .stopping, .stopped:
            return [.callState(token, .finished(.failed(.linkDown(lastFault ?? .notConnected))))]
        case .connecting, .startingSession, .startingMonitors, .clearingLeftovers, .waitingToReconnect:
            waitingForLink.append(WaitingCall(token: token, callingDevice: callingDevice, calledNumber: calledNumber,
                                              noAnswerAfter: noAnswerAfter, giveUpAt: now.advanced(by: noAnswerAfter)))
            return finish([.notice(.callWaitingForLink(token: token, calledNumber: calledNumber))], at: now)
        }
    }

    private mutating func dial(_ token: CSTACallToken, from callingDevice: String, to calledNumber: String, noAnswerAfter: Duration, at now: Instant) -> [Action] {
        var actions = apply(tracker.dialling(token, from: callingDevice, to: calledNumber, noAnswerAfter: noAnswerAfter), at: now)
        actions += send(.makeCall(callingDevice: callingDevice, calledDirectoryNumber: calledNumber), .makeCall(token), at: now)
        return actions
    }

    /// Fails the calls waiting for the link that `giveUp` picks (all of them by default).
    private mutating func giveUpWaiting(_ fault: CSTALinkFault, where giveUp: (WaitingCall) -> Bool = { _ in true }) -> [Action] {
        let given = waitingForLink.filter(giveUp)
        waitingForLink.removeAll(where: giveUp)
        return given.map { .callState($0.token, .finished(.failed(.linkDown(fault)))) }
    }

    /// Hangs up an escalation call (the alarm was acknowledged, or the chain moves on).
    public mutating func hangUp(_ token: CSTACallToken, at now: Instant) -> [Action] {
        if let index = waitingForLink.firstIndex(where: { $0.token == token }) {
            waitingForLink.remove(at: index)
            return finish([.callState(token, .finished(.cancelled))], at: now)
        }
        if let index = queued.firstIndex(where: { $0.purpose == .makeCall(token) }) {
            // Never sent: nothing to clear on the PBX.
            queued.remove(at: index)
            return finish(apply(tracker.withdraw(token), at: now), at: now)
        }
        return finish(apply(tracker.hangUp(token), at: now), at: now)
    }

    // MARK: - Input

    /// Bytes read from the connection, in any segmentation.
    public mutating func received<Bytes: Sequence>(_ bytes: Bytes, at now: Instant) -> [Action] where Bytes.Element == UInt8 {
        guard isConnected else { return [] }
        var actions: [Action] = []
        let result: (frames: [CSTAFrame], error: CSTAFramingError?)
        switch configuration.dialect.framing {
        case .annexJ:
            annexJDecoder.append(bytes)
            result = annexJDecoder.frames()
        case .nulDelimited:
            nulDecoder.append(bytes)
            result = nulDecoder.frames()
        }
        for frame in result.frames {
            actions += handle(frame, at: now)
            guard isConnected else { return finish(actions, at: now) }
        }
        if let error = result.error {
            actions += goDown(.framing(error), closing: true, at: now)
        }
        return finish(actions, at: now)
    }

    /// Does what is due at `now`: reconnecting, request time-outs, the session refresh and the
    /// calls' no-answer timers.
    public mutating func tick(at now: Instant) -> [Action] {
        var actions: [Action] = []
        if case .waitingToReconnect(let until) = phase, until <= now {
            actions += connect()
        }
        if let expired = outstanding.first(where: { $0.deadline <= now }) {
            let fault = CSTALinkFault.requestTimedOut(request: expired.request.name, after: configuration.requestTimeout)
            if phase == .stopping {
                actions += stopNow(closing: true)
            } else {
                actions += goDown(fault, closing: true, at: now)
            }
            return finish(actions, at: now)
        }
        if isConnected, phase != .stopping, let refreshAt, refreshAt <= now {
            self.refreshAt = nil
            let request = CSTARequest.resetApplicationSessionTimer(
                sessionID: sessionID, requestedSessionDuration: configuration.requestedSessionDuration
            )
            actions += send(request, .refreshSession, at: now)
        }
        actions += apply(tracker.tick(at: now), at: now)
        actions += giveUpWaiting(lastFault ?? .notConnected) { $0.giveUpAt <= now }
        return finish(actions, at: now)
    }

    // MARK: - Frames

    private mutating func handle(_ frame: CSTAFrame, at now: Instant) -> [Action] {
        let message: CSTAMessage
        do {
            message = try CSTAMessage(try reader.read(frame.body))
        } catch {
            return [.notice(.unreadableDocument(error))]
        }
        if message.isResponse {
            return handleResponse(message, invokeID: frame.invokeID, at: now)
        }
        switch message {
        case .applicationSessionTerminated(_, let reason):
            return goDown(.sessionTerminated(reason: reason), closing: true, at: now)
        case .systemStatus:
            return transmitAnswer(.systemStatusResponse, invokeID: frame.invokeID ?? InvokeID(unchecked: 0))
        case .event(let event):
            return apply(tracker.handle(event, at: now), at: now)
        default:
            return [.notice(.ignoredMessage(name: message.name))]
        }
    }

    private mutating func handleResponse(_ message: CSTAMessage, invokeID: InvokeID?, at now: Instant) -> [Action] {
        let index: Int?
        switch configuration.dialect.framing {
        case .annexJ: index = outstanding.firstIndex { $0.invokeID == invokeID }
        case .nulDelimited: index = outstanding.isEmpty ? nil : 0
        }
        guard let index else {
            return [.notice(.unmatchedResponse(name: message.name, invokeID: invokeID))]
        }
        let entry = outstanding.remove(at: index)
        let request = entry.request
        let isAnswer: Bool = switch message {
        case .errorCode: true
        case .startApplicationSessionNegResponse, .resetApplicationSessionTimerNegResponse, .stopApplicationSessionNegResponse:
            message.name == request.name + "NegResponse"
        default:
            request.positiveResponseNames.contains(message.name)
        }
        guard isAnswer else {
            return goDown(.unexpectedResponse(request: request.name, received: message.name), closing: true, at: now)
        }
        var actions = answer(entry.purpose, with: message, at: now)
        actions += pump(at: now)
        return actions
    }

    /// What an answer does, by the purpose of the request it answers.
    private mutating func answer(_ purpose: Purpose, with message: CSTAMessage, at now: Instant) -> [Action] {
        switch purpose {
        case .startSession:
            switch message {
            case .startApplicationSessionPosResponse(let sessionID, _, let actual):
                self.sessionID = sessionID
                grant(actual, at: now)
                phase = .startingMonitors
                return startMonitors(at: now)
            case .startApplicationSessionNegResponse(let error):
                return goDown(.sessionRefused(error.description), closing: true, at: now)
            case .errorCode(let error):
                return goDown(.sessionRefused(error.description), closing: true, at: now)
            default:
                return []
            }
        case .refreshSession:
            switch message {
            case .resetApplicationSessionTimerPosResponse(let actual):
                grant(actual, at: now)
                return []
            case .resetApplicationSessionTimerNegResponse(let error):
                return goDown(.sessionRefreshRefused(error.description), closing: true, at: now)
            case .errorCode(let error):
                return goDown(.sessionRefreshRefused(error.description), closing: true, at: now)
            default:
                return []
            }
        case .monitorStart(let device):
            switch message {
            case .monitorStartResponse(let crossRefID):
                monitors[device] = crossRefID
                let started = configuration.callingDevices.allSatisfy { monitors[$0] != nil }
                return started ? startClearingLeftovers(at: now) : []
            case .errorCode(let error):
                return goDown(.monitorRefused(device: device, error), closing: true, at: now)
            default:
                return []
            }
        case .snapshot(let device):
            var actions: [Action] = []
            switch message {
            case .snapshotDeviceResponse(let calls):
                for call in calls {
                    guard let callID = call.connection.callID, !tracker.isTracking(callID: callID) else { continue }
                    actions.append(.notice(.leftoverCallCleared(call.connection)))
                    actions += send(.clearConnection(call.connection), .clear(call.connection), at: now)
                }
            case .errorCode(let error):
                actions.append(.notice(.snapshotRefused(device: device, error)))
            default:
                break
            }
            snapshotsPending.remove(device)
            if snapshotsPending.isEmpty, phase == .clearingLeftovers { actions += goUp(at: now) }
            return actions
        case .makeCall(let token):
            switch message {
            case .makeCallResponse(let connection):
                return apply(tracker.originated(token, callingConnection: connection, at: now), at: now)
            case .errorCode(let error):
                return apply(tracker.failed(token, .refused(error)), at: now)
            default:
                return []
            }
        case .clear(let connection):
            if case .errorCode(let error) = message { return [.notice(.clearRefused(connection, error))] }
            return []
        case .monitorStop:
            return []
        case .stopSession:
            return stopNow(closing: true)
        }
    }

    // MARK: - Session steps

    private mutating func grant(_ actual: Int?, at now: Instant) {
        let seconds = actual ?? configuration.requestedSessionDuration
        let duration = Duration.seconds(seconds)
        sessionDuration = duration
        // Never refresh more often than once a second, whatever a server grants.
        let fraction = min(max(configuration.refreshFraction, 0.1), 0.9)
        refreshAt = now.advanced(by: max(duration * fraction, .seconds(1)))
    }

    private mutating func startMonitors(at now: Instant) -> [Action] {
        monitors = [:]
        let devices = configuration.callingDevices
        if devices.isEmpty { return startClearingLeftovers(at: now) }
        var actions: [Action] = []
        for device in devices { actions += send(.monitorStart(device: device), .monitorStart(device: device), at: now) }
        return actions
    }

    private mutating func startClearingLeftovers(at now: Instant) -> [Action] {
        guard configuration.clearsLeftoverCalls, !configuration.callingDevices.isEmpty else { return goUp(at: now) }
        phase = .clearingLeftovers
        snapshotsPending = Set(configuration.callingDevices)
        var actions: [Action] = []
        for device in configuration.callingDevices {
            actions += send(.snapshotDevice(device: device), .snapshot(device: device), at: now)
        }
        return actions
    }

    private mutating func goUp(at now: Instant) -> [Action] {
        phase = .up
        failures = 0
        lastFault = nil
        var actions: [Action] = [.linkUp(sessionID: sessionID ?? "", sessionDuration: sessionDuration ?? .seconds(configuration.requestedSessionDuration))]
        let waiting = waitingForLink
        waitingForLink.removeAll()
        for call in waiting {
            actions += dial(call.token, from: call.callingDevice, to: call.calledNumber, noAnswerAfter: call.noAnswerAfter, at: now)
        }
        return actions
    }

    private mutating func connect() -> [Action] {
        attempt += 1
        phase = .connecting(attempt: attempt)
        return [.connect(attempt: attempt)]
    }

    /// Takes the link down: fails what is pending, forgets the session and schedules the reconnect.
    private mutating func goDown(_ fault: CSTALinkFault, closing: Bool, at now: Instant) -> [Action] {
        var actions: [Action] = closing ? [.close(fault)] : []
        actions += failPending(fault)
        actions.append(.linkDown(fault))
        lastFault = fault
        failures += 1
        var delay = configuration.initialReconnectDelay
        for _ in 1..<failures where delay < configuration.maximumReconnectDelay { delay = delay * 2 }
        phase = .waitingToReconnect(until: now.advanced(by: min(delay, configuration.maximumReconnectDelay)))
        return actions
    }

    private mutating func stopNow(closing: Bool) -> [Action] {
        var actions: [Action] = closing ? [.close(.stopped)] : []
        actions += failPending(.stopped)
        actions.append(.linkDown(.stopped))
        phase = .stopped
        return actions
    }

    private mutating func failPending(_ fault: CSTALinkFault) -> [Action] {
        var actions: [Action] = []
        for entry in outstanding { actions += abandon(entry.purpose, fault) }
        for entry in queued { actions += abandon(entry.purpose, fault) }
        outstanding.removeAll()
        queued.removeAll()
        actions += apply(tracker.linkLost(fault), at: nil)
        sessionID = nil
        sessionDuration = nil
        refreshAt = nil
        monitors = [:]
        snapshotsPending = []
        return actions
    }

    private mutating func abandon(_ purpose: Purpose, _ fault: CSTALinkFault) -> [Action] {
        guard case .makeCall(let token) = purpose else { return [] }
        return apply(tracker.failed(token, .linkDown(fault)), at: nil)
    }

    // MARK: - Sending

    /// Sends a request now, or queues it while the dialect's limit of outstanding requests is
    /// reached.
    private mutating func send(_ request: CSTARequest, _ purpose: Purpose, at now: Instant) -> [Action] {
        guard isConnected else { return abandon(purpose, .notConnected) }
        if let limit = configuration.dialect.maximumOutstandingRequests, outstanding.count >= limit {
            queued.append((request, purpose))
            return []
        }
        return transmit(request, purpose, at: now)
    }

    private mutating func transmit(_ request: CSTARequest, _ purpose: Purpose, at now: Instant) -> [Action] {
        let body = request.document(in: configuration.dialect)
        var invokeID: InvokeID?
        let bytes: [UInt8]
        do {
            switch configuration.dialect.framing {
            case .annexJ:
                guard let id = invokeIDs.next(skipping: Set(outstanding.compactMap(\.invokeID))) else {
                    return goDown(.invokeIDsExhausted(request: request.name), closing: true, at: now)
                }
                invokeID = id
                bytes = try CSTAFrame.annexJ(invokeID: id, body: body)
            case .nulDelimited:
                bytes = try CSTAFrame.nulDelimited(body: body)
            }
        } catch {
            var actions: [Action] = [.notice(.requestNotFramed(request: request.name, error))]
            if case .makeCall(let token) = purpose { actions += apply(tracker.failed(token, .notSent(error)), at: now) }
            return actions
        }
        outstanding.append(Outstanding(invokeID: invokeID, request: request, purpose: purpose,
                                       deadline: now.advanced(by: configuration.requestTimeout)))
        return [.send(bytes)]
    }

    /// Answers a server request with its own invoke ID; not an outstanding request of ours.
    private func transmitAnswer(_ request: CSTARequest, invokeID: InvokeID) -> [Action] {
        let body = request.document(in: configuration.dialect)
        do {
            switch configuration.dialect.framing {
            case .annexJ: return [.send(try CSTAFrame.annexJ(invokeID: invokeID, body: body))]
            case .nulDelimited: return [.send(try CSTAFrame.nulDelimited(body: body))]
            }
        } catch {
            return [.notice(.requestNotFramed(request: request.name, error))]
        }
    }

    /// Sends queued requests while the dialect allows.
    private mutating func pump(at now: Instant) -> [Action] {
        var actions: [Action] = []
        while !queued.isEmpty, isConnected {
            if let limit = configuration.dialect.maximumOutstandingRequests, outstanding.count >= limit { break }
            let next = queued.removeFirst()
            actions += transmit(next.request, next.purpose, at: now)
        }
        return actions
    }

    /// Turns the tracker's effects into actions.
    private mutating func apply(_ effects: [CSTACallTracker<Instant>.Effect], at now: Instant?) -> [Action] {
        var actions: [Action] = []
        for effect in effects {
            switch effect {
            case .state(let token, let state):
                actions.append(.callState(token, state))
            case .clearConnection(let connection, _):
                if let now, isConnected { actions += send(.clearConnection(connection), .clear(connection), at: now) }
            case .clearCall(let connection, _):
                if let now, isConnected { actions += send(.clearCall(connection), .clear(connection), at: now) }
            case .notice(let notice):
                actions.append(.notice(notice))
            }
        }
        return actions
    }

    /// Appends `scheduleTimer` when the next deadline moved.
    private mutating func finish(_ actions: [Action], at now: Instant) -> [Action] {
        var actions = actions
        let deadline = nextDeadline
        if let deadline, deadline != scheduled {
            actions.append(.scheduleTimer(at: deadline))
        }
        scheduled = deadline
        return actions
    }
}
