// ESPAX owns the ESPA-X protocol, without any I/O: the `EX` framing (`EXFrameDecoder`), the message
// model and its XML (`ESPAXXMLReader`, `ESPAXServerMessage`), the server's session state machine
// (this file), and what a process tells its client in each reporting mode (`ESPAXProcessReporter`).
// Bytes, verdicts and the current time go in; messages to send and things to do come out. Sockets,
// TLS, credential storage and the alarm journal belong to the caller.

/// One client connection's ESPA-X session: login (407 before it, 401 and close on bad
/// credentials), the sessionID check, heartbeat supervision, logout, and the dispatch of requests.
///
/// Time is a value of any monotonic clock (`ContinuousClock.Instant` in the daemon). The caller
/// feeds bytes with `receive(_:at:)`, calls `tick(at:)` when `deadline` has passed, and carries out
/// the returned `ESPAXAction`s in order.
///
/// A wrong or missing `sessionID` on a request after login is answered with `RSP.<same>` 407
/// `Authentication Required`, naming the problem in `RSP-INFO`; the session stays up, and the
/// request neither counts as liveness nor is carried out.
public struct ESPAXSession<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public enum Phase: Sendable, Hashable {
        case awaitingLogin
        case checkingCredentials
        case loggedIn
        case closed
    }

    /// Counts for the live session view and metrics.
    public struct Counters: Sendable, Hashable {
        public var requests = 0
        public var heartbeats = 0
        public var processStarts = 0
        /// Requests refused (4xx, 5xx) and documents rejected (6xx).
        public var errors = 0
    }

    public let configuration: ESPAXSessionConfiguration
    /// What `REQ.S-CONDITION` reports; the caller keeps it current.
    public var condition: ESPAXServerCondition
    public private(set) var phase: Phase = .awaitingLogin
    public private(set) var sessionID: String?
    /// The login once it was accepted (or while it is being checked); the password is kept only
    /// until the verdict.
    public private(set) var client: String?
    public private(set) var clientSoftware: String?
    public private(set) var user: String?
    public let connectedAt: Instant
    public private(set) var loggedInAt: Instant?
    public private(set) var lastHeartbeatAt: Instant?
    /// The last moment the session was proven alive; the heartbeat deadline counts from here.
    public private(set) var lastLivenessAt: Instant
    public private(set) var counters = Counters()

    private var decoder: EXFrameDecoder
    private let reader: ESPAXXMLReader
    private var pendingLogin: (request: ESPAXLoginRequest, invokeID: UInt64, number: UInt32)?
    private var heldFrames: [EXFrame] = []

    public init(configuration: ESPAXSessionConfiguration = ESPAXSessionConfiguration(), connectedAt: Instant,
                condition: ESPAXServerCondition = ESPAXServerCondition()) {
        self.configuration = configuration
        self.condition = condition
        self.connectedAt = connectedAt
        self.lastLivenessAt = connectedAt
        self.decoder = EXFrameDecoder(maximumMessageSize: configuration.maximumMessageSize)
        self.reader = ESPAXXMLReader(maximumDocumentSize: configuration.maximumMessageSize)
    }

    /// When `tick(at:)` must next be called: the login deadline before login, the heartbeat
    /// deadline after it, nil once closed.
    public var deadline: Instant? {
        switch phase {
        case .awaitingLogin, .checkingCredentials: connectedAt.advanced(by: configuration.loginTimeout)
        case .loggedIn: lastLivenessAt.advanced(by: configuration.heartbeatInterval)
        case .closed: nil
        }
    }

    // MARK: - Input

    /// Bytes read from the connection, in any segmentation.
    public mutating func receive<Bytes: Sequence>(_ bytes: Bytes, at now: Instant) -> [ESPAXAction] where Bytes.Element == UInt8 {
        var actions = tick(at: now)
        guard phase != .closed else { return actions }
        decoder.append(bytes)
        let (frames, error) = decoder.frames()
        for frame in frames {
            guard phase != .closed else { return actions }
            actions += receive(frame: frame, at: now)
        }
        if let error, phase != .closed {
            counters.errors += 1
            actions.append(.send(.error(server: configuration.server.name, code: .invalidHeader, info: error.description), headerNumber: 0))
            actions.append(close(.framingError(error)))
        }
        return actions
    }

    /// One complete frame (for callers that frame themselves).
    public mutating func receive(frame: EXFrame, at now: Instant) -> [ESPAXAction] {
        var actions = tick(at: now)
        switch phase {
        case .closed:
            return actions
        case .checkingCredentials:
            if heldFrames.count >= configuration.maximumFramesDuringLogin {
                let limit = configuration.maximumFramesDuringLogin
                actions.append(.send(.error(server: configuration.server.name, code: .serviceUnavailable,
                                            info: "more than \(limit) messages sent before RSP.LOGIN"), headerNumber: frame.number))
                actions.append(close(.tooManyFramesDuringLogin(limit: limit)))
            } else {
                heldFrames.append(frame)
            }
            return actions
        case .awaitingLogin, .loggedIn:
            actions += handle(frame, at: now)
            return actions
        }
    }

    /// Closes the session when its deadline has passed.
    public mutating func tick(at now: Instant) -> [ESPAXAction] {
        guard let deadline, now >= deadline else { return [] }
        switch phase {
        case .awaitingLogin, .checkingCredentials:
            return [close(.loginTimeout(after: configuration.loginTimeout))]
        case .loggedIn:
            return [close(.heartbeatExpired(silentFor: lastLivenessAt.duration(to: now), limit: configuration.heartbeatInterval))]
        case .closed:
            return []
        }
    }

    /// The caller's verdict on the credentials it was asked to check. `sessionID` is fresh and
    /// random unless a test fixes it. Frames held during the check are answered after it.
    public mutating func completeLogin(_ verdict: ESPAXLoginVerdict, at now: Instant, sessionID newSessionID: String = ESPAXSessionID.random()) -> [ESPAXAction] {
        guard phase == .checkingCredentials, let pending = pendingLogin else { return [] }
        pendingLogin = nil
        let server = configuration.server
        switch verdict {
        case .accepted:
            phase = .loggedIn
            sessionID = newSessionID
            loggedInAt = now
            lastLivenessAt = now
            let response = ESPAXResponse(invokeID: pending.invokeID, sessionID: newSessionID, code: .ok,
                                         info: "Login successful, heartbeat interval \(Self.seconds(configuration.heartbeatInterval)) s")
            var actions: [ESPAXAction] = [.send(.loginResponse(response, server: server), headerNumber: pending.number)]
            let held = heldFrames
            heldFrames = []
            for frame in held where phase != .closed {
                actions += handle(frame, at: now)
            }
            return actions
        case .badCredentials:
            counters.errors += 1
            let response = ESPAXResponse(invokeID: pending.invokeID, sessionID: ESPAXResponse.noSession, code: .unauthorized,
                                         info: "Unknown client or user, or wrong password")
            heldFrames = []
            return [.send(.loginResponse(response, server: server), headerNumber: pending.number),
                    close(.badCredentials(client: pending.request.client, user: pending.request.user))]
        case .refused(let code, let info):
            counters.errors += 1
            let response = ESPAXResponse(invokeID: pending.invokeID, sessionID: ESPAXResponse.noSession, code: code, info: info)
            heldFrames = []
            return [.send(.loginResponse(response, server: server), headerNumber: pending.number),
                    close(.loginRefused(code, info: info))]
        }
    }

    /// A graceful stop: `CMD.SHUTDOWN` to a logged-in client, then close.
    public mutating func shutdown(reason: ESPAXShutdownReason = .normal, mode: ESPAXShutdownMode = .quick) -> [ESPAXAction] {
        switch phase {
        case .closed:
            return []
        case .loggedIn:
            let command = ESPAXServerMessage.shutdown(sessionID: sessionID ?? ESPAXResponse.noSession, reason: reason, mode: mode)
            return [.send(command, headerNumber: 0), close(.shutdown(reason))]
        case .awaitingLogin, .checkingCredentials:
            return [close(.shutdown(reason))]
        }
    }

    /// The connection went away by itself; nothing more will be sent.
    public mutating func connectionClosed() {
        phase = .closed
        pendingLogin = nil
        heldFrames = []
    }

    // MARK: - Dispatch

    private mutating func handle(_ frame: EXFrame, at now: Instant) -> [ESPAXAction] {
        let document: ESPAXDocument
        do {
            document = try reader.read(frame.body)
        } catch {
            counters.errors += 1
            return [.send(.error(server: configuration.server.name, code: error.responseCode, info: error.description), headerNumber: frame.number)]
        }
        guard document.kind == .request else {
            counters.errors += 1
            if document.name == "PROPRIETARY" {
                return [errorIndication(.notImplemented, "PROPRIETARY messages are not supported", frame)]
            }
            return [errorIndication(.invalidMessage, "\(document.name) is not a request a client may send", frame)]
        }
        guard ESPAXRequest.names.contains(document.name) else {
            counters.errors += 1
            return [errorIndication(.notImplemented, "\(document.name) is not implemented", frame)]
        }
        counters.requests += 1
        // A missing or malformed invokeID falls back to the header number, where the Icinga client
        // puts its invokeID, so the client can still match the answer.
        let invokeID = document.invokeID ?? UInt64(frame.number)
        let request: ESPAXRequest
        do {
            // Known names never return nil here.
            request = try ESPAXRequest(document)!
        } catch {
            return [refuse(document, invokeID: invokeID, code: .badRequest, info: error.description)]
        }
        switch phase {
        case .awaitingLogin:
            guard case .login(let login) = request else {
                return [refuse(document, invokeID: invokeID, code: .authenticationRequired,
                               info: "Send REQ.LOGIN before \(document.name)")]
            }
            phase = .checkingCredentials
            client = login.client
            clientSoftware = login.clientSoftware
            user = login.user
            pendingLogin = (login, invokeID, EXFrame.headerNumber(forInvokeID: invokeID))
            return [.checkCredentials(login)]
        case .loggedIn:
            return handleLoggedIn(request, document, invokeID: invokeID, at: now)
        case .checkingCredentials, .closed:
            return []
        }
    }

    private mutating func handleLoggedIn(_ request: ESPAXRequest, _ document: ESPAXDocument, invokeID: UInt64, at now: Instant) -> [ESPAXAction] {
        let sessionID = self.sessionID ?? ESPAXResponse.noSession
        if case .login = request {
            return [refuse(document, invokeID: invokeID, code: .conflict,
                           info: "Already logged in as session \(sessionID); send REQ.LOGOUT first")]
        }
        guard let given = document.sessionID else {
            return [refuse(document, invokeID: invokeID, code: .wrongSession,
                           info: "sessionID missing; repeat the sessionID from RSP.LOGIN")]
        }
        guard given == sessionID else {
            return [refuse(document, invokeID: invokeID, code: .wrongSession,
                           info: "sessionID does not belong to this session; repeat the sessionID from RSP.LOGIN")]
        }
        if configuration.anyRequestIsLiveness { lastLivenessAt = now }
        let number = EXFrame.headerNumber(forInvokeID: invokeID)
        let context = ESPAXRequestContext(invokeID: invokeID, sessionID: sessionID, client: client ?? "", user: user ?? "")
        switch request {
        case .login:
            return []
        case .heartbeat:
            counters.heartbeats += 1
            lastHeartbeatAt = now
            lastLivenessAt = now
            return [.send(.heartbeatResponse(context.response(.ok)), headerNumber: number)]
        case .logout:
            return [.send(.logoutResponse(context.response(.ok, info: "Logged out")), headerNumber: number), close(.logout)]
        case .condition:
            return [.send(.conditionResponse(context.response(.ok), condition: condition), headerNumber: number)]
        case .parameters:
            counters.errors += 1
            return [.send(.parametersResponse(context.response(.notImplemented, info: "REQ.S-PARAMETERS is not implemented")), headerNumber: number)]
        case .processStart(let start):
            counters.processStarts += 1
            return [.startProcess(start, context)]
        case .processStop(let selector):
            return [.stopProcess(selector, context)]
        case .processGetStat(let query):
            return [.queryProcesses(query, context)]
        }
    }

    // MARK: - Helpers

    private mutating func close(_ reason: ESPAXCloseReason) -> ESPAXAction {
        phase = .closed
        pendingLogin = nil
        heldFrames = []
        return .close(reason)
    }

    private func errorIndication(_ code: ESPAXResponseCode, _ info: String, _ frame: EXFrame) -> ESPAXAction {
        .send(.error(server: configuration.server.name, code: code, info: info), headerNumber: frame.number)
    }

    /// `RSP.<same>` with a refusal code, or `IND.ERROR` for requests that have no response form.
    private mutating func refuse(_ document: ESPAXDocument, invokeID: UInt64, code: ESPAXResponseCode, info: String) -> ESPAXAction {
        counters.errors += 1
        // Before login the client's own sessionID is echoed if it sent one that fits the XSD.
        let sessionID = self.sessionID
            ?? document.sessionID.flatMap { ESPAXXMLWriter.conformingValue($0, for: "sessionID") == $0 ? $0 : nil }
            ?? ESPAXResponse.noSession
        let response = ESPAXResponse(invokeID: invokeID, sessionID: sessionID, code: code, info: info)
        let message = ESPAXServerMessage.refusal(
            of: document.name, response, server: configuration.server, condition: condition,
            reference: document["CP-PR-REF"]?.truncatedToScalars(ESPAXProcessStartRequest.referenceLimit))
        return .send(message, headerNumber: EXFrame.headerNumber(forInvokeID: invokeID))
    }

    private static func seconds(_ duration: Duration) -> Int64 { duration.components.seconds }
}

extension ESPAXServerMessage {
    /// The response form of a request name, carrying a refusal. Each form gets the fields its XSD
    /// type requires (`SP-PR-TAN` 0 on `RSP.P-START`, `S-HEALTH` on `RSP.S-CONDITION`, the server's
    /// names on `RSP.LOGIN`); names without a response form get `IND.ERROR`.
    public static func refusal(
        of requestName: String, _ response: ESPAXResponse, server: ESPAXServerIdentity,
        condition: ESPAXServerCondition = ESPAXServerCondition(), reference: String? = nil
    ) -> ESPAXServerMessage {
        switch requestName {
        case "REQ.LOGIN": .loginResponse(response, server: server)
        case "REQ.HEARTBEAT": .heartbeatResponse(response)
        case "REQ.LOGOUT": .logoutResponse(response)
        case "REQ.S-CONDITION": .conditionResponse(response, condition: condition)
        case "REQ.S-PARAMETERS": .parametersResponse(response)
        case "REQ.P-START": .processStartResponse(response, reference: reference, tan: 0, load: nil)
        case "REQ.P-STOP": .processStopResponse(response)
        case "REQ.P-GETSTAT": .processGetStatResponse(response)
        default: .error(server: server.name, code: response.code, info: response.info)
        }
    }
}
