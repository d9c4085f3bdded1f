// Delivery owns the drivers that put an alarm in front of a person: one attempt per call, with
// its own time bound, mapped to a `DeliveryOutcome`. The alarm service decides about retries,
// repetitions and journalling; a driver only says what one attempt came to.
//
// `WebhookDriver` pushes an alarm as one JSON POST to an http or https URL through the daemon's
// `PushHTTPClient`, which keeps connections to each receiver alive. The Cisco push and SIP MESSAGE
// drivers sit beside it, and so does the VOIspeed PBX (`VOIspeedPBX`), which carries the pure
// `VOIspeed` target's requests for its SMS driver and for the escalation dialer it also offers the
// alarm core.

#if canImport(Glibc)
import Glibc
#endif
import Alarming
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Pushes alarms to webhook receivers: `POST <address>` with a JSON body (see `WebhookPayload`)
/// and an `Idempotency-Key` that stays the same across the retries of one push, so a receiver can
/// drop the duplicate a retry after a lost response causes.
public final class WebhookDriver: DeliveryDriver {
    /// The settings a configuration reload may change (`[webhook]` in the configuration file).
    public struct Settings: Sendable, Hashable {
        /// The bound on one attempt, from connecting to the last byte read.
        public var timeout: Duration
        public var retryPolicy: RetryPolicy

        public init(timeout: Duration = .milliseconds(5000), retryPolicy: RetryPolicy = RetryPolicy()) {
            self.timeout = timeout
            self.retryPolicy = retryPolicy
        }

        /// The `[webhook]` keys as the configuration file spells them.
        public init(timeoutMilliseconds: Int, maxAttempts: Int, initialBackoffMilliseconds: Int, maxBackoffMilliseconds: Int) {
            self.init(
                timeout: .milliseconds(timeoutMilliseconds),
                retryPolicy: RetryPolicy(
                    maxAttempts: maxAttempts,
                    initialBackoff: .milliseconds(initialBackoffMilliseconds),
                    maxBackoff: .milliseconds(maxBackoffMilliseconds)
                )
            )
        }
    }

    /// How much of a response body is read: enough to quote a receiver's error message, and no
    /// more, so a misbehaving receiver cannot make the daemon buffer megabytes.
    public static let responseBodyLimit = 1024

    public let name = "webhook"
    private let client: PushHTTPClient
    private let settingsBox: Mutex<Settings>
    private let userAgent: String
    private let logger: Logger
    /// Parsed addresses, invalid ones too: a phone's address is parsed once, not at every push
    /// (URL parsing was a noticeable part of a push's cost). Bounded, because addresses are free text.
    private let addresses = Mutex<[String: WebhookAddress?]>([:])
    static let parsedAddressLimit = 1024

    public init(client: PushHTTPClient, timeout: Duration, retryPolicy: RetryPolicy, version: String, logger: Logger) {
        self.client = client
        self.settingsBox = Mutex(Settings(timeout: timeout, retryPolicy: retryPolicy))
        self.userAgent = "Tocsin/\(version)"
        self.logger = logger
    }

    public var settings: Settings { settingsBox.withLock { $0 } }

    /// Applies reloaded settings; attempts already running keep the timeout they started with.
    public func update(settings: Settings) {
        settingsBox.withLock { $0 = settings }
    }

    public var retryPolicy: RetryPolicy { settings.retryPolicy }

    /// The header a receiver uses to recognise a retry of a push it already took.
    public static func idempotencyKey(for request: DeliveryRequest) -> String {
        "tocsin-\(request.alarm.id)-\(request.destination.phoneID)-\(request.repetition)"
    }

    private func receiver(at address: String) -> WebhookAddress? {
        if let known = addresses.withLock({ $0[address] }) { return known }
        let parsed = WebhookAddress(address)
        addresses.withLock { addresses in
            if addresses.count >= Self.parsedAddressLimit { addresses.removeAll() }
            addresses[address] = parsed
        }
        return parsed
    }

    public func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome {
        let address = request.destination.address
        guard let receiver = receiver(at: address) else {
            return .failed(reason: "invalid webhook address \"\(address)\" of phone \(request.destination.phoneID): it must be an http:// or https:// URL with a host", retryable: false)
        }
        let headers: HTTPHeaders = [
            "Content-Type": "application/json",
            "User-Agent": userAgent,
            "Idempotency-Key": Self.idempotencyKey(for: request),
        ]
        // The status is the receiver's answer; a success's body is not read, so a body that is
        // slow, huge or cut short cannot turn an accepted push into a retry.
        let http = PushHTTPRequest(method: .POST, target: receiver.target, headers: headers,
                                   body: ByteBuffer(bytes: WebhookPayload(request).encoded()),
                                   bodyLimit: Self.responseBodyLimit, readsSuccessBody: false)
        let timeout = settings.timeout
        let outcome: DeliveryOutcome
        do {
            let response = try await client.execute(http, to: receiver, deadline: .now() + TimeAmount(timeout))
            outcome = Self.outcome(for: response, receiver: receiver)
        } catch {
            outcome = Task.isCancelled ? .failed(reason: "the push to \(receiver) was cancelled", retryable: true)
                : Self.outcome(for: error, target: receiver, timeout: timeout)
        }
        if logger.logLevel <= .debug {
            logger.debug("webhook attempt", metadata: [
                "alarm": "\(request.alarm.id)", "phone": "\(request.destination.phoneID)",
                "attempt": "\(request.attempt)", "repetition": "\(request.repetition)", "outcome": "\(outcome.summary)",
            ])
        }
        return outcome
    }

    static func outcome(for response: PushHTTPResponse, receiver: WebhookAddress) -> DeliveryOutcome {
        let status = response.status
        if (200..<300).contains(status.code) { return .accepted(detail: "HTTP \(status.code)") }
        let excerpt = quotable(response.body)
        let quoted = excerpt.isEmpty ? "" : ": \(excerpt)"
        // NIO names the codes it knows; for the others (425, 599) the code alone has to do.
        let phrase = status.reasonPhrase.isEmpty ? "" : " \(status.reasonPhrase)"
        let reason = "HTTP \(status.code)\(phrase) from \(receiver)\(quoted)"
        switch status.code {
        case 408, 425, 429, 500..<600:
            return .failed(reason: reason, retryable: true)
        default:
            return .failed(reason: reason, retryable: false)
        }
    }

    /// The start of a response body as printable text for a failure's reason.
    private static func quotable(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let printable = text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
        let trimmed = printable.trimmingSpaces()
        return trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed
    }

    private static func timedOut(_ target: WebhookAddress, timeout: Duration) -> DeliveryOutcome {
        .failed(reason: "no answer from \(target) within \(timeout.milliseconds) ms", retryable: true)
    }

    static func outcome(for error: any Error, target: WebhookAddress, timeout: Duration) -> DeliveryOutcome {
        if let error = error as? PushHTTPError {
            switch error {
            case .deadlineExceeded:
                return timedOut(target, timeout: timeout)
            case .closedBeforeResponse, .staleConnection:
                return .failed(reason: "\(target) closed the connection before a complete response", retryable: true)
            case .connectionBusy, .shutDown:
                return .failed(reason: "push to \(target) failed: \(error)", retryable: true)
            }
        }
        if let error = error as? HTTPParserError {
            if case .invalidEOFState = error {
                return .failed(reason: "\(target) closed the connection before a complete response", retryable: true)
            }
            return .failed(reason: "\(target) sent a malformed response: \(error)", retryable: true)
        }
        if let errno = errnoCode(of: error) {
            switch errno {
            case ECONNREFUSED: return .failed(reason: "connection refused by \(target)", retryable: true)
            case ECONNRESET, EPIPE: return .failed(reason: "connection reset by \(target)", retryable: true)
            default: break
            }
        }
        if let error = error as? NIOConnectionError {
            let refused = error.connectionErrors.contains { errnoCode(of: $0.error) == ECONNREFUSED }
            if refused { return .failed(reason: "connection refused by \(target)", retryable: true) }
            return .failed(reason: "could not connect to \(target): \(error)", retryable: true)
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return .failed(reason: "could not connect to \(target) (connect timeout)", retryable: true)
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return .failed(reason: "\(target) closed the connection before a complete response", retryable: true)
            default: break
            }
        }
        // Name resolution, TLS and unforeseen errors are tried again: a transient fault must not
        // cost a page, and the attempts are bounded by the retry policy.
        return .failed(reason: "push to \(target) failed: \(error)", retryable: true)
    }

    private static func errnoCode(of error: any Error) -> CInt? {
        (error as? IOError)?.errnoCode
    }
}

extension Duration {
    var milliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let parts = duration.components
        self = .nanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first?.isWhitespace == true { scalars.removeFirst() }
        while scalars.last?.isWhitespace == true { scalars.removeLast() }
        return String(scalars)
    }
}
