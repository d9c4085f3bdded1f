// The `[cisco]`, `[sip]` and `[phones]` tables of `tocsin.toml`: the push credentials, Tocsin's public base URL
// and the push timing for Cisco IP phones, the phone endpoints' address check, and the SIP MESSAGE
// sender (transport, From, Digest credentials, vendor profile), and when a failing phone raises a
// technical alarm. Passwords are secrets: the
// descriptions redact them, so a logged configuration never carries one.

import Alarming
import Delivery
import Web

extension Configuration {
    /// `[phones]`: what applies to every phone, whatever its driver.
    public struct Phones: Sendable, Equatable {
        /// Failed pushes in a row to one phone before its technical alarm; 0 turns it off.
        public var failuresBeforeAlarm: Int

        public init(failuresBeforeAlarm: Int = 3) {
            self.failuresBeforeAlarm = failuresBeforeAlarm
        }
    }

    /// `[cisco]` and `[cisco.tones]`
    public struct Cisco: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        /// The Basic credentials of every push, and what `/cisco/authenticate` answers AUTHORIZED to.
        public var username: String
        public var password: String
        /// How phones reach Tocsin's web server: every pushed URL and every link on a phone page starts with it.
        public var publicBaseURL: String
        /// Phone pages answer only the phone they name, from that phone's own IP address.
        public var requirePhoneAddress: Bool
        public var timeoutMs: Int
        /// Added to the timeout when the push plays a tone: the phone answers after playback.
        public var toneAllowanceMs: Int
        /// Pushes in flight at once across all phones.
        public var concurrency: Int
        /// The internal URI played with a push, by priority (`Play:Alarm.raw`); none plays no tone.
        public var tones: [Priority: String]

        public init(
            username: String = "", password: String = "", publicBaseURL: String = "http://127.0.0.1:8080",
            requirePhoneAddress: Bool = true, timeoutMs: Int = 10_000, toneAllowanceMs: Int = 3000,
            concurrency: Int = 64, tones: [Priority: String] = [:]
        ) {
            self.username = username
            self.password = password
            self.publicBaseURL = publicBaseURL
            self.requirePhoneAddress = requirePhoneAddress
            self.timeoutMs = timeoutMs
            self.toneAllowanceMs = toneAllowanceMs
            self.concurrency = concurrency
            self.tones = tones
        }

        public var driverSettings: CiscoPhoneDriver.Settings {
            CiscoPhoneDriver.Settings(
                username: username, password: password, publicBaseURL: publicBaseURL, tones: tones,
                timeout: .milliseconds(timeoutMs), toneAllowance: .milliseconds(toneAllowanceMs), concurrency: concurrency)
        }

        public var policySettings: PhoneEndpointPolicy.Settings {
            PhoneEndpointPolicy.Settings(username: username, password: password, publicBaseURL: publicBaseURL, requirePhoneAddress: requirePhoneAddress)
        }

        public var description: String {
            "Cisco(username: \(username), password: <redacted>, publicBaseURL: \(publicBaseURL), requirePhoneAddress: \(requirePhoneAddress), "
                + "timeoutMs: \(timeoutMs), toneAllowanceMs: \(toneAllowanceMs), concurrency: \(concurrency), tones: \(tones))"
        }
        public var debugDescription: String { description }
    }

    /// `[sip]`
    public struct SIP: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        public var transport: SIPTransport
        /// The address Tocsin sends from and names in Via and From; the PBX must reach it.
        public var localAddress: String
        public var fromUser: String
        /// "" uses local_address.
        public var fromDomain: String
        /// Digest credentials for a PBX that challenges; "" sends none.
        public var username: String
        public var password: String
        public var profile: SIPVendorProfile
        /// RFC 3261 T1: the first UDP retransmission; Timer F (the give-up) is 64 times it.
        public var t1Ms: Int

        public init(
            transport: SIPTransport = .udp, localAddress: String = "127.0.0.1", fromUser: String = "alarm",
            fromDomain: String = "", username: String = "", password: String = "", profile: SIPVendorProfile = .generic,
            t1Ms: Int = 500
        ) {
            self.transport = transport
            self.localAddress = localAddress
            self.fromUser = fromUser
            self.fromDomain = fromDomain
            self.username = username
            self.password = password
            self.profile = profile
            self.t1Ms = t1Ms
        }

        public var driverSettings: SIPMessageDriver.Settings {
            SIPMessageDriver.Settings(
                transport: transport, localAddress: localAddress, fromUser: fromUser, fromDomain: fromDomain,
                username: username, password: password, profile: profile,
                t1: .milliseconds(t1Ms), t2: max(.seconds(4), .milliseconds(t1Ms)))
        }

        public var description: String {
            "SIP(transport: \(transport.rawValue), localAddress: \(localAddress), fromUser: \(fromUser), fromDomain: \(fromDomain), "
                + "username: \(username), password: <redacted>, profile: \(profile.rawValue), t1Ms: \(t1Ms))"
        }
        public var debugDescription: String { description }
    }
}
