// The `[voispeed]` table of `tocsin.toml`: a VOIspeed PBX reached through its HTTP interface
// (`services.cgi`), which sends alarms as SMS (phones whose driver is `voispeed-sms`) and, unless
// `[csta]` does it, places the escalation calls. Its password is a secret: the description
// redacts it.

import Alarming
import Delivery
import VOIspeed

extension Configuration {
    /// `[voispeed]`
    public struct VOIspeed: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        /// Off by default: it needs the PBX's address, and the PBX must allow Tocsin to use its interface.
        public var enabled: Bool
        /// The PBX's name in `GET /api/links`, in logs and in its technical alarm `voispeed:<name>`.
        public var name: String
        /// `http://192.168.1.65:3541`: where `/services.cgi` is.
        public var baseURL: String
        /// HTTP Basic credentials for a PBX or proxy that asks for them; the interface itself takes none.
        public var username: String
        public var password: String
        public var timeoutMs: Int
        /// How often the PBX is asked for its calls to prove it answers; 0 turns supervision off.
        public var supervisionSeconds: Int
        /// Whether escalation calls go through this PBX (false: SMS only).
        public var escalation: Bool
        /// `second_number`: where a callee is put through once they answer.
        public var connectTo: String
        /// `first_interface` for the callees; nil leaves it to the PBX (IVR).
        public var calleeInterface: VOIspeedInterface?
        public var pollIntervalMs: Int
        /// Failed polls in a row after which a call is given up (and cleared).
        public var pollFailures: Int
        /// The PBX addresses allowed to call `/voispeed/events` (A.N.S.); empty: the URL is off.
        public var eventsFrom: [String]
        /// `sender` of an SMS; "" leaves it out.
        public var smsSender: String
        /// `info` of an SMS, the sender name shown; "" leaves the PBX's own.
        public var smsSenderName: String
        public var smsCharset: VOIspeedCharset
        public var smsConcurrency: Int
        public var smsMaxAttempts: Int

        public init(
            enabled: Bool = false, name: String = "voispeed", baseURL: String = "", username: String = "", password: String = "",
            timeoutMs: Int = 5000, supervisionSeconds: Int = 60, escalation: Bool = true, connectTo: String = "",
            calleeInterface: VOIspeedInterface? = .sip, pollIntervalMs: Int = 1000, pollFailures: Int = 3, eventsFrom: [String] = [], smsSender: String = "",
            smsSenderName: String = "", smsCharset: VOIspeedCharset = .utf8, smsConcurrency: Int = 4, smsMaxAttempts: Int = 3
        ) {
            self.enabled = enabled
            self.name = name
            self.baseURL = baseURL
            self.username = username
            self.password = password
            self.timeoutMs = timeoutMs
            self.supervisionSeconds = supervisionSeconds
            self.escalation = escalation
            self.connectTo = connectTo
            self.calleeInterface = calleeInterface
            self.pollIntervalMs = pollIntervalMs
            self.pollFailures = pollFailures
        self.eventsFrom = eventsFrom
            self.smsSender = smsSender
            self.smsSenderName = smsSenderName
            self.smsCharset = smsCharset
            self.smsConcurrency = smsConcurrency
            self.smsMaxAttempts = smsMaxAttempts
        }

        public var pbxSettings: VOIspeedPBX.Settings {
            VOIspeedPBX.Settings(
                name: name, baseURL: baseURL, username: username, password: password, timeout: .milliseconds(timeoutMs),
                supervisionInterval: supervisionSeconds == 0 ? nil : .seconds(supervisionSeconds))
        }

        public var smsSettings: VOIspeedSMSDriver.Settings {
            VOIspeedSMSDriver.Settings(
                sender: smsSender, senderName: smsSenderName, charset: smsCharset, concurrency: smsConcurrency,
                retryPolicy: RetryPolicy(maxAttempts: smsMaxAttempts, initialBackoff: .seconds(1), maxBackoff: .seconds(4)))
        }

        public var dialerSettings: VOIspeedDialer.Settings {
            VOIspeedDialer.Settings(connectTo: connectTo, interface: calleeInterface,
                                    watch: .init(pollInterval: .milliseconds(pollIntervalMs), pollFailureLimit: pollFailures))
        }

        // The password stays out of logs and crash reports.
        public var description: String {
            "VOIspeed(enabled: \(enabled), name: \(name), baseURL: \(baseURL), username: \(username), password: <redacted>, "
                + "escalation: \(escalation), connectTo: \(connectTo), calleeInterface: \(calleeInterface?.rawValue ?? "PBX default"))"
        }
        public var debugDescription: String { description }
    }
}
