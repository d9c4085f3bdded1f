// `CiscoPhoneDriver` pushes an alarm to a Cisco IP phone (CUCM enterprise firmware): `POST
// /CGI/Execute` with HTTP Basic credentials and a `CiscoIPPhoneExecute` that points the phone at
// Tocsin's own alarm page (`<public base URL>/cisco/alarms/<id>?phone=<phone id>`) and, by
// priority, plays a tone. The phone then fetches that page from Tocsin's web server. Admission
// goes through a `PushGate`: bounded concurrency across phones, one push per phone at a time.

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
import Synchronization

public final class CiscoPhoneDriver: DeliveryDriver {
    /// `[cisco]` in the configuration file.
    public struct Settings: Sendable, Hashable {
        /// The phone's push credentials (an application user CUCM, or the phone's authentication
        /// URL, accepts).
        public var username: String
        public var password: String
        /// How phones reach Tocsin's web server, such as `http://10.0.0.5:8080`: the alarm URL in
        /// each push starts with it.
        public var publicBaseURL: String
        /// The `Play:` file for each priority; priorities without one push no tone.
        public var tones: [Priority: String]
        /// The bound on one push without a tone (the reference client's 10 s).
        public var timeout: Duration
        /// Added to `timeout` when the push plays a tone: the phone answers only after playback.
        public var toneAllowance: Duration
        /// Pushes in flight at once across all phones.
        public var concurrency: Int
        public var retryPolicy: RetryPolicy

        public init(
            username: String = "",
            password: String = "",
            publicBaseURL: String = "http://127.0.0.1:8080",
            tones: [Priority: String] = [:],
            timeout: Duration = .seconds(10),
            toneAllowance: Duration = .seconds(3),
            concurrency: Int = 64,
            retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 3, initialBackoff: .seconds(1), maxBackoff: .seconds(4))
        ) {
            self.username = username
            self.password = password
            self.publicBaseURL = publicBaseURL
            self.tones = tones
            self.timeout = timeout
            self.toneAllowance = toneAllowance
            self.concurrency = concurrency
            self.retryPolicy = retryPolicy
        }
    }

    /// A phone's answer is a few hundred bytes; more than this is not a phone.
    public static let responseBodyLimit = 16 * 1024

    public let name = "cisco"
    private let client: HTTPClient
    private let settingsBox: Mutex<Settings>
    private let gateBox: Mutex<PushGate>
    private let logger: Logger

    public init(client: HTTPClient, settings: Settings, logger: Logger) {
        self.client = client
        self.settingsBox = Mutex(settings)
        self.gateBox = Mutex(PushGate(limit: settings.concurrency))
        self.logger = logger
    }

    public var settings: Settings { settingsBox.withLock { $0 } }
    public var retryPolicy: RetryPolicy { settings.retryPolicy }
    public var gate: PushGate { gateBox.withLock { $0 } }

    /// Applies reloaded settings. A new concurrency takes a new gate; pushes admitted by the old one
    /// finish under it.
    public func update(settings: Settings) {
        let old = settingsBox.withLock { current -> Settings in
            defer { current = settings }
            return current
        }
        if old.concurrency != settings.concurrency {
            gateBox.withLock { $0 = PushGate(limit: settings.concurrency) }
        }
    }

    /// The page the phone is sent to for one alarm. The web server's phone routes serve it.
    public static func alarmURL(base: String, alarmID: AlarmID, phoneID: Int64) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/cisco/alarms/\(alarmID)?phone=\(phoneID)"
    }

    /// `10.1.2.3`, `10.1.2.3:8080`, `phone.example:80` or a full `http(s)://…` base: where
    /// `/CGI/Execute` is.
    public static func executeURL(address: String) -> String? {
        let trimmed = address.trimmingXMLSpace()
        guard !trimmed.isEmpty, !trimmed.contains(" ") else { return nil }
        if trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://") {
            var base = trimmed
            while base.hasSuffix("/") { base.removeLast() }
            guard base.split(separator: "/", omittingEmptySubsequences: true).count >= 2 else { return nil }
            return base.hasSuffix("/CGI/Execute") ? base : base + "/CGI/Execute"
        }
        guard !trimmed.contains("/") else { return nil }
        return "http://\(trimmed)/CGI/Execute"
    }

    /// The Execute object for one push.
    public func execute(for request: DeliveryRequest, settings: Settings) -> CiscoExecute {
        CiscoExecute(
            url: Self.alarmURL(base: settings.publicBaseURL, alarmID: request.alarm.id, phoneID: request.destination.phoneID),
            tone: settings.tones[request.alarm.request.priority]
        )
    }

    public func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome {
        let address = request.destination.address
        let phone = "phone \(request.destination.phoneID) (\(address))"
        guard let url = Self.executeURL(address: address) else {
            return .failed(reason: "invalid Cisco phone address \"\(address)\" of phone \(request.destination.phoneID): give the phone's IP address or host, with an optional :port", retryable: false)
        }
        let settings = self.settings
        let execute = execute(for: request, settings: settings)
        let gate = self.gate
        guard await gate.enter(address) else {
            return .failed(reason: "the push to \(phone) was cancelled while waiting for its turn", retryable: true)
        }
        defer { gate.leave(address) }

        var http = HTTPClientRequest(url: url)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        http.headers.add(name: "Authorization", value: Self.basicAuthorization(user: settings.username, password: settings.password))
        http.body = .bytes(ByteBuffer(string: execute.formBody))
        let timeout = settings.timeout + (execute.tone == nil ? .zero : settings.toneAllowance)
        let outcome = await send(http, phone: phone, timeout: timeout)
        logger.debug("cisco push", metadata: [
            "alarm": "\(request.alarm.id)", "phone": "\(request.destination.phoneID)", "address": "\(address)",
            "attempt": "\(request.attempt)", "repetition": "\(request.repetition)", "outcome": "\(outcome.summary)",
        ])
        return outcome
    }

    public static func basicAuthorization(user: String, password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    private func send(_ request: HTTPClientRequest, phone: String, timeout: Duration) async -> DeliveryOutcome {
        let deadline = ContinuousClock.now + timeout
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(timeout), logger: logger)
        } catch {
            if Task.isCancelled { return .failed(reason: "the push to \(phone) was cancelled", retryable: true) }
            return Self.outcome(for: error, phone: phone, timeout: timeout)
        }
        let body = await Self.readBody(response, until: deadline)
        guard let body else {
            return .failed(reason: "\(phone) did not finish its answer within \(timeout.milliseconds) ms", retryable: true)
        }
        let code = response.status.code
        switch code {
        case 200..<300:
            return CiscoExecuteAnswer.parse(body).outcome(phone: phone)
        case 401, 403:
            return .failed(reason: "\(phone) refused the credentials (HTTP \(code)): check [cisco] username and password and the phone's authentication URL", retryable: false)
        case 404:
            return .failed(reason: "\(phone) has no /CGI/Execute (HTTP 404): not a Cisco phone on CUCM firmware, or web access is disabled", retryable: false)
        default:
            // Some firmware answers a CiscoIPPhoneError with a non-2xx status.
            if case .error = CiscoExecuteAnswer.parse(body) { return CiscoExecuteAnswer.parse(body).outcome(phone: phone) }
            return .failed(reason: "\(phone) answered HTTP \(code)", retryable: code == 408 || code == 429 || code >= 500)
        }
    }

    /// The body as text, or nil when it did not arrive by the deadline.
    private static func readBody(_ response: HTTPClientResponse, until deadline: ContinuousClock.Instant) async -> String? {
        let bytes = await BoundedResponseBody.read(response, limit: responseBodyLimit, until: deadline)
        guard let bytes else { return nil }
        // Phones answer in ISO-8859-1 or UTF-8; the status words are ASCII either way, and Latin-1
        // bytes that are not valid UTF-8 only garble the free text that is quoted.
        return String(decoding: bytes, as: UTF8.self)
    }

    static func outcome(for error: any Error, phone: String, timeout: Duration) -> DeliveryOutcome {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .failed(reason: "no answer from \(phone) within \(timeout.milliseconds) ms", retryable: true)
            case .connectTimeout:
                return .failed(reason: "could not connect to \(phone) (connect timeout): is it unplugged or unreachable?", retryable: true)
            case .remoteConnectionClosed:
                return .failed(reason: "\(phone) closed the connection before a complete answer", retryable: true)
            default:
                return .failed(reason: "push to \(phone) failed: \(error)", retryable: true)
            }
        }
        if let error = error as? NIOConnectionError {
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            if refused { return .failed(reason: "connection refused by \(phone): is its web access enabled?", retryable: true) }
            return .failed(reason: "could not connect to \(phone): \(error)", retryable: true)
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .failed(reason: "connection refused by \(phone): is its web access enabled?", retryable: true)
            case ECONNRESET, EPIPE: return .failed(reason: "connection reset by \(phone)", retryable: true)
            default: break
            }
        }
        if let error = error as? HTTPParserError {
            if case .invalidEOFState = error {
                return .failed(reason: "\(phone) closed the connection before a complete answer", retryable: true)
            }
            return .failed(reason: "\(phone) sent a malformed HTTP answer: \(error)", retryable: true)
        }
        return .failed(reason: "push to \(phone) failed: \(error)", retryable: true)
    }
}
