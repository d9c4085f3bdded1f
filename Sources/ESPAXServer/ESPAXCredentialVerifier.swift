import ESPAX

/// Checks a login against the stored password hashes. It may be slow (bcrypt takes about a quarter
/// of a second): the listener calls it on NIO's thread pool, never on an event loop.
public protocol ESPAXCredentialVerifier: Sendable {
    func verify(_ login: ESPAXLoginRequest) -> Bool
}

/// A verifier made from a closure (tests, and the daemon's bcrypt check).
public struct ESPAXClosureCredentialVerifier: ESPAXCredentialVerifier {
    private let check: @Sendable (ESPAXLoginRequest) -> Bool

    public init(_ check: @escaping @Sendable (ESPAXLoginRequest) -> Bool) {
        self.check = check
    }

    public func verify(_ login: ESPAXLoginRequest) -> Bool { check(login) }
}
