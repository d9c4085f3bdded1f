// `VOIspeedSMSDriver` sends an alarm as an SMS through a VOIspeed PBX (`services.cgi?srv=5`) to a
// phone whose driver is `voispeed-sms` and whose address is an extension or a mobile number. The
// PBX's `result=0` means it took the SMS; it reports nothing about the handset, so the outcome is
// `queued`, as for a SIP 202. Admission goes through a `PushGate`: a bounded number of SMS in
// flight, one per recipient at a time.

import Alarming
import Logging
import Synchronization
import VOIspeed

public final class VOIspeedSMSDriver: DeliveryDriver {
    /// `[voispeed]`'s SMS keys.
    public struct Settings: Sendable, Hashable {
        /// The sending extension (`sender`); empty leaves it out.
        public var sender: String
        /// The sender's name the recipient sees (`info`); empty leaves it to the PBX (`VOIspeedItd`).
        public var senderName: String
        public var charset: VOIspeedCharset
        /// SMS in flight at once.
        public var concurrency: Int
        public var retryPolicy: RetryPolicy

        public init(sender: String = "", senderName: String = "", charset: VOIspeedCharset = .utf8, concurrency: Int = 4,
                    retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 3, initialBackoff: .seconds(1), maxBackoff: .seconds(4))) {
            self.sender = sender
            self.senderName = senderName
            self.charset = charset
            self.concurrency = concurrency
            self.retryPolicy = retryPolicy
        }
    }

    public static let driverName = "voispeed-sms"
    public let name = VOIspeedSMSDriver.driverName
    public let settings: Settings
    private let pbx: VOIspeedPBX
    private let gate: PushGate
    private let logger: Logger

    public init(pbx: VOIspeedPBX, settings: Settings, logger: Logger) {
        self.pbx = pbx
        self.settings = settings
        self.gate = PushGate(limit: settings.concurrency)
        self.logger = logger
    }

    public var retryPolicy: RetryPolicy { settings.retryPolicy }

    /// The `srv=5` request for one delivery, or nil when the phone's address is no number.
    public func request(for delivery: DeliveryRequest) -> VOIspeedRequest? {
        guard let recipient = VOIspeedSMSText.recipient(delivery.destination.address) else { return nil }
        let alarm = delivery.alarm.request
        let body = VOIspeedSMSText.body(alarm.text, marker: alarm.priority.rawValue.uppercased())
        return .sendSMS(recipient: recipient, body: body, sender: settings.sender, senderName: settings.senderName, charset: settings.charset)
    }

    public func deliver(_ delivery: DeliveryRequest) async -> DeliveryOutcome {
        let phone = delivery.destination.phoneID
        guard let request = request(for: delivery), case .sendSMS(let recipient, _, _, _, _) = request else {
            return .failed(reason: "invalid SMS address \"\(delivery.destination.address)\" of phone \(phone): give an extension or a mobile number such as +393331234567", retryable: false)
        }
        guard await gate.enter(recipient) else {
            return .failed(reason: "the SMS to \(recipient) was cancelled while waiting for its turn", retryable: true)
        }
        defer { gate.leave(recipient) }
        pbx.count("sms")
        let outcome: DeliveryOutcome = switch await pbx.send(request) {
        case .success(let answer):
            if let refusal = answer.refusal(of: .sendSMS, peer: pbx.peer) {
                .failed(reason: "SMS to \(recipient): \(refusal.detail)", retryable: refusal.isRetryable)
            } else {
                .queued(detail: "the VOIspeed PBX took the SMS for \(recipient) (result=0); it reports no delivery to the handset")
            }
        case .failure(let fault):
            .failed(reason: "SMS to \(recipient): \(fault.detail)", retryable: fault.isRetryable)
        }
        logger.debug("VOIspeed SMS attempt", metadata: [
            "alarm": "\(delivery.alarm.id)", "phone": "\(phone)", "attempt": "\(delivery.attempt)",
            "repetition": "\(delivery.repetition)", "outcome": "\(outcome.summary)",
        ])
        return outcome
    }
}
