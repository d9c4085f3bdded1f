/// The caller's check of a login against its stored password hashes, for callers that can decide
/// at once. Callers whose check is slow (a password hash on a thread pool) or deliberately delayed
/// (to slow down repeated failures from one address) use the `checkCredentials` action and
/// `ESPAXSession.completeLogin(_:at:sessionID:)` instead.
public protocol ESPAXCredentialChecker {
    func verdict(for login: ESPAXLoginRequest) -> ESPAXLoginVerdict
}

/// A checker made from a closure.
public struct ESPAXClosureCredentialChecker: ESPAXCredentialChecker {
    private let check: (ESPAXLoginRequest) -> ESPAXLoginVerdict

    public init(_ check: @escaping (ESPAXLoginRequest) -> ESPAXLoginVerdict) {
        self.check = check
    }

    public func verdict(for login: ESPAXLoginRequest) -> ESPAXLoginVerdict { check(login) }
}

extension ESPAXSession {
    /// `receive(_:at:)`, with every `checkCredentials` decided on the spot by `checker`; the
    /// returned actions never contain `checkCredentials`.
    public mutating func receive<Bytes: Sequence>(
        _ bytes: Bytes, at now: Instant, checkingWith checker: some ESPAXCredentialChecker
    ) -> [ESPAXAction] where Bytes.Element == UInt8 {
        resolvingLogins(receive(bytes, at: now), at: now, with: checker)
    }

    private mutating func resolvingLogins(_ actions: [ESPAXAction], at now: Instant, with checker: some ESPAXCredentialChecker) -> [ESPAXAction] {
        var resolved: [ESPAXAction] = []
        for action in actions {
            if case .checkCredentials(let login) = action {
                // Frames held during the check are answered by completeLogin, which may in turn
                // hold a further REQ.LOGIN; resolve until none is left.
                resolved += resolvingLogins(completeLogin(checker.verdict(for: login), at: now), at: now, with: checker)
            } else {
                resolved.append(action)
            }
        }
        return resolved
    }
}
