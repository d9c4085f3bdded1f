/// Why one exchange with `services.cgi` gave no usable answer, in words an integrator can act on.
/// The parsers make `refused` and `malformed`; the HTTP side makes the others.
public struct VOIspeedFault: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No connection: refused, reset, no route, name not resolved.
        case unreachable
        /// No complete answer within the request's time limit.
        case timedOut
        /// An HTTP status other than 200.
        case httpStatus(Int)
        /// The PBX answered with a `result` other than 0.
        case refused(VOIspeedResultCode)
        /// The answer is not what `services.cgi` sends: empty, HTML, garbage, too large.
        case malformed
    }

    public var kind: Kind
    /// One line naming the peer and the cause.
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// Whether the same request can succeed later: the network, the PBX's own trouble and a
    /// server error pass; a refusal for a reason in the request, or an answer Tocsin cannot read,
    /// do not.
    public var isRetryable: Bool {
        switch kind {
        case .unreachable, .timedOut: true
        case .httpStatus(let code): code == 408 || code == 429 || (500..<600).contains(code)
        case .refused(let code): code.isRetryable
        case .malformed: false
        }
    }

    public var description: String { detail }
}
