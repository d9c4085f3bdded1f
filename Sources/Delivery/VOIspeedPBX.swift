// `VOIspeedPBX` carries `services.cgi` requests to a VOIspeed PBX: one HTTP GET per request,
// bounded in time and in the size of what is read, mapped to the pure `VOIspeed` target's
// answers or a `VOIspeedFault`. The SMS driver and the escalation dialer share it. As a service it
// also supervises the PBX: it asks for the current calls every `supervisionInterval`, shows the
// result on the link board (`voispeed` in `GET /api/links`), and raises the technical alarm
// `voispeed:<name>` while the PBX cannot be used, so a dead PBX is known before an alarm needs it.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Alarming
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
import VOIspeed

public final class VOIspeedPBX: Service, Sendable {
    /// `[voispeed]`'s connection keys. A change needs a restart, as for `[csta]`.
    public struct Settings: Sendable, Hashable, CustomStringConvertible {
        /// The PBX's name on the link board, in logs and in its technical alarm.
        public var name: String
        /// `http://192.168.1.65:3541`: where `/services.cgi` is.
        public var baseURL: String
        /// HTTP Basic credentials, for a PBX or a proxy in front of it that asks for them; the
        /// seed's `services.cgi` takes none. Empty sends none.
        public var username: String
        public var password: String
        /// The bound on one request, from connecting to the last byte read.
        public var timeout: Duration
        /// How often the PBX is asked for its current calls to prove it answers; nil: never.
        public var supervisionInterval: Duration?
        /// Failed supervision polls in a row before the technical alarm.
        public var supervisionFailures: Int

        public init(name: String = "voispeed", baseURL: String, username: String = "", password: String = "",
                    timeout: Duration = .seconds(5), supervisionInterval: Duration? = .seconds(60), supervisionFailures: Int = 2) {
            self.name = name
            self.baseURL = baseURL
            self.username = username
            self.password = password
            self.timeout = timeout
            self.supervisionInterval = supervisionInterval
            self.supervisionFailures = max(1, supervisionFailures)
        }

        // The password stays out of logs.
        public var description: String {
            "VOIspeedPBX.Settings(name: \(name), baseURL: \(baseURL), username: \(username), password: <redacted>, timeout: \(timeout))"
        }
    }

    public let settings: Settings
    private let client: HTTPClient
    private let links: LinkBoard
    private let alarms: AlarmService?
    private let userAgent: String
    private let logger: Logger
    private let failedSupervisions = Mutex(0)

    public init(client: HTTPClient, settings: Settings, links: LinkBoard, alarms: AlarmService? = nil, version: String = "0", logger: Logger) {
        self.client = client
        self.settings = settings
        self.links = links
        self.alarms = alarms
        self.userAgent = "Tocsin/\(version)"
        self.logger = logger
        links.set(LinkStatus(kind: "voispeed", name: settings.name, state: .connecting, detail: "\(settings.baseURL)/services.cgi: not asked yet", since: Date()))
    }

    /// The PBX as faults name it.
    public var peer: String { "the VOIspeed PBX at \(settings.baseURL)" }

    /// The technical alarm's key while the PBX cannot be used.
    public var faultKey: String { "voispeed:\(settings.name)" }

    /// Sends a request whose answer is `result=N;…`.
    public func send(_ request: VOIspeedRequest) async -> Result<VOIspeedAnswer, VOIspeedFault> {
        let exchanged = await exchange(request, limit: VOIspeedAnswer.sizeLimit)
        let result = exchanged.flatMap { bytes in
            Result { () throws(VOIspeedFault) in try VOIspeedAnswer.parse(bytes, peer: peer) }
        }
        // A refusal for want of permission takes the link down: nothing else will work either.
        record(result.flatMap { answer in
            guard answer.result == .notPermitted, let refusal = answer.refusal(of: request.service, peer: peer) else { return .success(()) }
            return .failure(refusal)
        }, of: request)
        return result
    }

    /// Asks for the current calls (`srv=3&info=7`).
    public func currentCalls() async -> Result<VOIspeedCallList, VOIspeedFault> {
        let exchanged = await exchange(.currentCalls, limit: VOIspeedCallList.sizeLimit)
        let result = exchanged.flatMap { bytes in
            Result { () throws(VOIspeedFault) in try VOIspeedCallList.parse(bytes, peer: peer) }
        }
        record(result.map { _ in () }, of: .currentCalls)
        return result
    }

    /// Adds to one of the PBX's counters on the link board.
    public func count(_ counter: String) {
        links.count(kind: "voispeed", name: settings.name, counter)
    }

    // MARK: - Supervision

    public func run() async throws {
        guard let interval = settings.supervisionInterval else {
            // Nothing to supervise; stay in the group until it shuts down.
            try? await gracefulShutdown()
            return
        }
        while !(Task.isCancelled || Task.isShuttingDownGracefully) {
            await supervise()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    /// One supervision poll: the link's state, and the technical alarm after
    /// `supervisionFailures` failed polls in a row (cleared by the next good one).
    func supervise() async {
        let result = await currentCalls()
        let failures = failedSupervisions.withLock { failures -> Int in
            if case .success = result { failures = 0 } else { failures += 1 }
            return failures
        }
        guard let alarms else { return }
        switch result {
        case .success:
            await alarms.clearTechnical(key: faultKey)
        case .failure(let fault) where failures == settings.supervisionFailures:
            logger.error("VOIspeed PBX cannot be used", metadata: ["pbx": "\(settings.name)", "fault": "\(fault)"])
            _ = await alarms.raiseTechnical(key: faultKey, text: "The VOIspeed PBX \(settings.name) cannot be used: \(fault). SMS and escalation calls through it fail.")
        case .failure:
            break
        }
    }

    // MARK: - HTTP

    /// The link's state after an exchange: the PBX answering at all is "up", even when it refuses
    /// one request for that request's reason; a refusal for want of permission (45) is "down",
    /// because then nothing Tocsin asks will work.
    private func record(_ result: Result<Void, VOIspeedFault>, of request: VOIspeedRequest) {
        count("requests")
        let answering = "\(settings.baseURL)/services.cgi: answering"
        switch result {
        case .success:
            setLink(.up, answering)
        case .failure(let fault):
            count("faults")
            switch fault.kind {
            case .refused(let code) where code != .notPermitted:
                setLink(.up, answering)
            case .unreachable:
                setLink(.absent, fault.detail)
            default:
                setLink(.down, fault.detail)
            }
            logger.debug("VOIspeed request failed", metadata: ["pbx": "\(settings.name)", "srv": "\(request.service.rawValue)", "fault": "\(fault)"])
        }
    }

    /// Sets the link's state and detail, keeping its counters.
    private func setLink(_ state: LinkStatus.State, _ detail: String) {
        let name = settings.name
        let counters = links.all.first { $0.kind == "voispeed" && $0.name == name }?.counters ?? [:]
        links.set(LinkStatus(kind: "voispeed", name: name, state: state, detail: detail, counters: counters, since: Date()))
    }

    /// One GET of `request`'s URL: the body (at most `limit` + 1 bytes, so a parser can tell an
    /// oversized answer), or the fault.
    private func exchange(_ request: VOIspeedRequest, limit: Int) async -> Result<[UInt8], VOIspeedFault> {
        let timeout = settings.timeout
        let deadline = ContinuousClock.now + timeout
        var http = HTTPClientRequest(url: request.url(base: settings.baseURL))
        http.method = .GET
        http.headers.add(name: "User-Agent", value: userAgent)
        if !settings.username.isEmpty || !settings.password.isEmpty {
            let token = Data("\(settings.username):\(settings.password)".utf8).base64EncodedString()
            http.headers.add(name: "Authorization", value: "Basic \(token)")
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(http, timeout: TimeAmount(timeout), logger: logger)
        } catch {
            return .failure(Self.fault(for: error, peer: peer, timeout: timeout))
        }
        guard let bytes = await BoundedResponseBody.read(response, limit: limit + 1, until: deadline) else {
            return .failure(VOIspeedFault(.timedOut, "\(peer) did not finish its answer within \(timeout.milliseconds) ms"))
        }
        guard response.status == .ok else {
            let text = String(decoding: bytes.prefix(200), as: UTF8.self)
            let printable = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
            let excerpt = printable.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            let quoted = excerpt.isEmpty ? "" : ": \(excerpt)"
            let code = Int(response.status.code)
            let hint = switch code {
            case 401, 403: " (check voispeed.username and voispeed.password, or the PBX's access rules)"
            case 404: " (no services.cgi there: check voispeed.base_url)"
            default: ""
            }
            return .failure(VOIspeedFault(.httpStatus(code), "\(peer) answered HTTP \(code)\(hint)\(quoted)"))
        }
        return .success(bytes)
    }

    static func fault(for error: any Error, peer: String, timeout: Duration) -> VOIspeedFault {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return VOIspeedFault(.timedOut, "no answer from \(peer) within \(timeout.milliseconds) ms")
            case .connectTimeout:
                return VOIspeedFault(.unreachable, "could not connect to \(peer) (connect timeout)")
            case .remoteConnectionClosed:
                return VOIspeedFault(.unreachable, "\(peer) closed the connection before a complete answer")
            case .cancelled:
                return VOIspeedFault(.unreachable, "the request to \(peer) was cancelled")
            default:
                return VOIspeedFault(.unreachable, "request to \(peer) failed: \(error)")
            }
        }
        if let error = error as? HTTPParserError {
            if case .invalidEOFState = error {
                return VOIspeedFault(.unreachable, "\(peer) closed the connection before a complete answer")
            }
            return VOIspeedFault(.malformed, "\(peer) sent a malformed HTTP answer: \(error)")
        }
        if let code = (error as? IOError)?.errnoCode {
            switch code {
            case ECONNREFUSED: return VOIspeedFault(.unreachable, "connection refused by \(peer)")
            case ECONNRESET, EPIPE: return VOIspeedFault(.unreachable, "connection reset by \(peer)")
            default: break
            }
        }
        if let error = error as? NIOConnectionError {
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            if refused { return VOIspeedFault(.unreachable, "connection refused by \(peer)") }
            return VOIspeedFault(.unreachable, "could not connect to \(peer): \(error)")
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return VOIspeedFault(.unreachable, "could not connect to \(peer) (connect timeout)")
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return VOIspeedFault(.unreachable, "\(peer) closed the connection before a complete answer")
            default: break
            }
        }
        if error is CancellationError { return VOIspeedFault(.unreachable, "the request to \(peer) was cancelled") }
        return VOIspeedFault(.unreachable, "request to \(peer) failed: \(error)")
    }
}
