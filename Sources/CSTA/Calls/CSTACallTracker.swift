/// Follows Tocsin's escalation calls through the monitor events and decides each one's outcome
/// (csta.md §5):
///
/// - **answered**: an EstablishedEvent whose answering device is not the calling device (some
///   PBXs also report the calling device's own leg as established when it connects by itself);
/// - **failed**: a FailedEvent, or a clearing whose cause means failure (`busy`, …), or MakeCall
///   refused, or the link lost;
/// - **no answer**: a clearing without Established and without a failure cause, or Tocsin's own
///   timer, which starts at the MakeCallResponse and starts again at the first DeliveredEvent.
///
/// Uni-tel sends no FailedEvent, so there a busy callee shows only as a ConnectionCleared.
/// Events are routed by `callID`. Events that arrive before the MakeCallResponse (so before the
/// callID is known) are matched by the calling device's number; events without any callID are
/// matched only while a single call is in progress. Anything else is reported as unmatched.
///
/// Whenever a call ends without being answered while the calling device's leg may still be up, the
/// tracker asks for that leg to be cleared, so no call is left ringing.
public struct CSTACallTracker<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What the tracker asks of the session.
    public enum Effect: Sendable, Hashable {
        case state(CSTACallToken, CSTACallState)
        /// Send ClearConnection for this connection (the calling device's leg).
        case clearConnection(CSTAConnectionID, CSTACallToken)
        /// Send ClearCall (used when only the callID is known).
        case clearCall(CSTAConnectionID, CSTACallToken)
        case notice(CSTANotice)
    }

    struct Call: Sendable {
        enum Phase: Sendable, Hashable {
            case awaitingResponse
            case originated
            case ringing
            /// The outcome was reported; the call is kept only to clear it or to see it end.
            case finished
        }

        var token: CSTACallToken
        var callingDevice: String
        var calledNumber: String
        var noAnswerAfter: Duration
        var phase: Phase = .awaitingResponse
        var callID: String?
        var callingConnection: CSTAConnectionID?
        var deadline: Instant?
        var clearSent = false
        /// `hangUp` came before the MakeCallResponse: clear as soon as the callID is known.
        var cancelWhenOriginated = false
    }

    private(set) var calls: [Call] = []
    /// CallIDs of calls already forgotten, newest last. A late event for one of them (ECSS-10 may
    /// send the ConnectionCleared for our ClearConnection after the next MakeCall went out) must
    /// not be adopted by a new call from the same device, or that call would end with the old
    /// call's outcome.
    private var forgottenCallIDs: [String] = []
    private static var forgottenCallIDLimit: Int { 64 }
    /// How long an answered call is followed, to clear its leftover leg if the callee hangs up
    /// first; after that it is forgotten even if no clearing event ever arrives.
    public let answeredCallRetention: Duration

    /// Failure causes (ECMA-269 EventCause) that make a clearing before answer a failure rather
    /// than a no-answer.
    public static var failureCauses: Set<String> {
        ["busy", "destNotObtainable", "numberUnallocated", "networkCongestion", "networkNotObtainable",
         "doNotDisturb", "incompatibleDestination", "blocked", "reorderTone", "resourcesNotAvailable",
         "trunksBusy", "networkOutOfService", "outOfService", "callBack", "invalidNumberFormat",
         "noAvailableAgents", "lockout", "unauthorised"]
    }

    public init(answeredCallRetention: Duration = .seconds(3600)) {
        self.answeredCallRetention = answeredCallRetention
    }

    /// Tokens of the calls being followed, in the order they were placed.
    public var trackedTokens: [CSTACallToken] { calls.map(\.token) }

    /// Whether the call with this token is being followed and has not reported its outcome.
    public func isInProgress(_ token: CSTACallToken) -> Bool {
        calls.contains { $0.token == token && $0.phase != .finished && !$0.cancelWhenOriginated }
    }

    /// Whether a followed call has this callID (leftover clean-up must not clear it).
    public func isTracking(callID: String) -> Bool {
        calls.contains { $0.callID == callID }
    }

    public var nextDeadline: Instant? {
        calls.compactMap(\.deadline).min()
    }

    // MARK: - Calls placed by Tocsin

    /// MakeCall has been sent (or queued) for `token`.
    public mutating func dialling(
        _ token: CSTACallToken, from callingDevice: String, to calledNumber: String, noAnswerAfter: Duration
    ) -> [Effect] {
        calls.append(Call(token: token, callingDevice: callingDevice, calledNumber: calledNumber, noAnswerAfter: noAnswerAfter))
        return [.state(token, .dialling)]
    }

    /// The MakeCallResponse for `token` arrived.
    public mutating func originated(_ token: CSTACallToken, callingConnection: CSTAConnectionID?, at now: Instant) -> [Effect] {
        guard let index = calls.firstIndex(where: { $0.token == token }) else { return [] }
        if let callingConnection {
            if let callID = callingConnection.callID { calls[index].callID = callID }
            if callingConnection.deviceID != nil || calls[index].callingConnection == nil {
                calls[index].callingConnection = CSTAConnectionID(
                    deviceID: callingConnection.deviceID ?? calls[index].callingConnection?.deviceID,
                    callID: calls[index].callID
                )
            }
        }
        if calls[index].cancelWhenOriginated {
            var effects: [Effect] = []
            clear(at: index, into: &effects)
            forget(at: index)
            return effects
        }
        guard calls[index].phase == .awaitingResponse else { return [] }
        calls[index].phase = .originated
        calls[index].deadline = now.advanced(by: calls[index].noAnswerAfter)
        let connection = calls[index].callingConnection ?? CSTAConnectionID(deviceID: nil, callID: calls[index].callID)
        return [.state(token, .originated(connection))]
    }

    /// MakeCall for `token` failed before any response carried a callID.
    public mutating func failed(_ token: CSTACallToken, _ failure: CSTACallFailure) -> [Effect] {
        guard let index = calls.firstIndex(where: { $0.token == token }) else { return [] }
        let call = forget(at: index)
        return call.phase == .finished || call.cancelWhenOriginated ? [] : [.state(token, .finished(.failed(failure)))]
    }

    /// Tocsin wants the call gone: it reports `cancelled` unless an outcome came first, and clears
    /// the call (at once, or as soon as the MakeCallResponse gives its callID).
    public mutating func hangUp(_ token: CSTACallToken) -> [Effect] {
        guard let index = calls.firstIndex(where: { $0.token == token }) else {
            return [.notice(.unknownCall(token))]
        }
        var effects: [Effect] = []
        if calls[index].phase != .finished, !calls[index].cancelWhenOriginated {
            effects.append(.state(token, .finished(.cancelled)))
        }
        if calls[index].phase == .awaitingResponse {
            calls[index].cancelWhenOriginated = true
            calls[index].deadline = nil
            return effects
        }
        clear(at: index, into: &effects)
        forget(at: index)
        return effects
    }

    /// MakeCall for `token` was never sent (it was still queued): forget the call, reporting
    /// `cancelled` unless an outcome came first.
    public mutating func withdraw(_ token: CSTACallToken) -> [Effect] {
        guard let index = calls.firstIndex(where: { $0.token == token }) else { return [] }
        let call = forget(at: index)
        return call.phase == .finished || call.cancelWhenOriginated ? [] : [.state(token, .finished(.cancelled))]
    }

    /// The link is gone: every call without an outcome fails, and all are forgotten. Calls left on
    /// the PBX are found by SnapshotDevice after the reconnect.
    public mutating func linkLost(_ fault: CSTALinkFault) -> [Effect] {
        let effects: [Effect] = calls.compactMap { call in
            call.phase == .finished || call.cancelWhenOriginated ? nil : .state(call.token, .finished(.failed(.linkDown(fault))))
        }
        while !calls.isEmpty { forget(at: 0) }
        return effects
    }

    // MARK: - Time

    public mutating func tick(at now: Instant) -> [Effect] {
        var effects: [Effect] = []
        var index = 0
        while index < calls.count {
            guard let deadline = calls[index].deadline, deadline <= now else {
                index += 1
                continue
            }
            if calls[index].phase == .finished {
                // An answered call past its retention: forget it without a word.
                forget(at: index)
                continue
            }
            let after = calls[index].noAnswerAfter
            effects.append(.state(calls[index].token, .finished(.noAnswer(.timerExpired(after: after)))))
            clear(at: index, into: &effects)
            forget(at: index)
        }
        return effects
    }

    // MARK: - Events

    public mutating func handle(_ event: CSTACallEvent, at now: Instant) -> [Effect] {
        guard let index = match(event) else { return [.notice(.unmatchedEvent(event))] }
        var effects: [Effect] = []
        let call = calls[index]
        let eventDevice = event.connection?.deviceID ?? event.subjectDevice
        let isCallingLeg = CSTADevice.sameNumber(eventDevice, call.callingDevice)
            && !CSTADevice.sameNumber(eventDevice, call.calledNumber)

        if call.phase == .finished {
            switch event.kind {
            case .connectionCleared where isCallingLeg, .callCleared:
                forget(at: index)
            case .connectionCleared:
                // The answering party hung up; the calling device's leg must not stay up.
                clear(at: index, into: &effects)
                forget(at: index)
            default:
                break
            }
            return effects
        }

        switch event.kind {
        case .serviceInitiated, .originated:
            if isCallingLeg, calls[index].callingConnection?.deviceID == nil, let connection = event.connection {
                calls[index].callingConnection = connection
            }
        case .delivered:
            let alerting = event.subjectDevice ?? event.connection?.deviceID
            if CSTADevice.sameNumber(alerting, call.callingDevice) && !CSTADevice.sameNumber(alerting, call.calledNumber) {
                break // The calling device itself alerting (a prompted origination).
            }
            if call.phase != .ringing {
                calls[index].phase = .ringing
                calls[index].deadline = now.advanced(by: call.noAnswerAfter)
                effects.append(.state(call.token, .ringing(alertingDevice: alerting)))
            }
        case .established:
            let answering = event.subjectDevice ?? event.connection?.deviceID
            if CSTADevice.sameNumber(answering, call.callingDevice) && !CSTADevice.sameNumber(answering, call.calledNumber) {
                if calls[index].callingConnection?.deviceID == nil, let connection = event.connection {
                    calls[index].callingConnection = connection
                }
                break
            }
            finish(at: index, .answered(answeringDevice: answering), into: &effects)
            calls[index].deadline = now.advanced(by: answeredCallRetention)
        case .failed:
            finish(at: index, .failed(.failedEvent(cause: event.cause)), into: &effects)
            clear(at: index, into: &effects)
            forget(at: index)
        case .connectionCleared, .callCleared:
            let outcome: CSTACallOutcome = if let cause = event.cause, Self.failureCauses.contains(cause) {
                .failed(.clearedBeforeAnswer(cause: cause))
            } else {
                .noAnswer(.clearedWithoutAnswer(cause: event.cause))
            }
            finish(at: index, outcome, into: &effects)
            if event.kind == .connectionCleared, !isCallingLeg { clear(at: index, into: &effects) }
            forget(at: index)
        }
        return effects
    }

    private mutating func finish(at index: Int, _ outcome: CSTACallOutcome, into effects: inout [Effect]) {
        calls[index].phase = .finished
        calls[index].deadline = nil
        effects.append(.state(calls[index].token, .finished(outcome)))
    }

    private mutating func clear(at index: Int, into effects: inout [Effect]) {
        let call = calls[index]
        guard !call.clearSent else { return }
        calls[index].clearSent = true
        if let connection = call.callingConnection, connection.deviceID != nil, let callID = call.callID ?? connection.callID {
            effects.append(.clearConnection(CSTAConnectionID(deviceID: connection.deviceID, callID: callID), call.token))
        } else if let callID = call.callID {
            effects.append(.clearCall(CSTAConnectionID(deviceID: call.callingDevice, callID: callID), call.token))
        } else {
            effects.append(.notice(.callNotClearable(call.token)))
        }
    }

    @discardableResult
    private mutating func forget(at index: Int) -> Call {
        let call = calls.remove(at: index)
        if let callID = call.callID {
            forgottenCallIDs.append(callID)
            if forgottenCallIDs.count > Self.forgottenCallIDLimit { forgottenCallIDs.removeFirst() }
        }
        return call
    }

    /// Finds the call an event belongs to, adopting the event's callID for a call that does not
    /// know its own yet.
    private mutating func match(_ event: CSTACallEvent) -> Int? {
        if let callID = event.callID {
            if let index = calls.firstIndex(where: { $0.callID == callID }) { return index }
            if forgottenCallIDs.contains(callID) { return nil }
            let devices = [event.connection?.deviceID, event.callingDevice, event.subjectDevice]
            if let index = calls.firstIndex(where: { call in
                call.callID == nil && devices.contains { CSTADevice.sameNumber($0, call.callingDevice) }
            }) {
                calls[index].callID = callID
                return index
            }
            return nil
        }
        return calls.count == 1 ? 0 : nil
    }
}
