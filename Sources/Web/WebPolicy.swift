import Synchronization

/// The web server's settings that a reload (SIGHUP) may change while requests are being served.
/// The daemon keeps one instance and calls `update`; every request reads the current value.
public final class WebPolicy: Sendable {
    private let state: Mutex<Bool>

    /// - Parameter loopbackWithoutAuth: requests from 127.0.0.0/8 and ::1 need no password, as with
    ///   the Callisto REST API.
    public init(loopbackWithoutAuth: Bool) {
        self.state = Mutex(loopbackWithoutAuth)
    }

    public var loopbackWithoutAuth: Bool {
        state.withLock { $0 }
    }

    public func update(loopbackWithoutAuth: Bool) {
        state.withLock { $0 = loopbackWithoutAuth }
    }
}
