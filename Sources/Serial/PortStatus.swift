#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import Synchronization

/// What staff see of one port on the board and in `GET /api/links`.
struct PortStatus: Sendable {
    enum State: String, Sendable {
        /// Configured, device absent (or the converter of a TCP line not connected).
        case waiting
        /// Open, nothing heard yet.
        case open
        /// Open and hearing polls, selects or blocks.
        case receiving
        /// Open, but no poll or select within the supervision time.
        case silent
        /// The device is there but cannot be used (busy, not a tty), or a burst of transmission errors.
        case error
    }

    let settings: PortSettings
    var state: State = .waiting
    var note = ""
    var lastTraffic: Date?
    var blocks = 0
    var naks = 0
    var resets = 0
    var duplicates = 0
    var transmissionErrors = 0

    init(settings: PortSettings) {
        self.settings = settings
    }

    var linkState: LinkStatus.State {
        switch state {
        case .waiting: .absent
        case .open: .connecting
        case .receiving: .up
        case .silent: .silent
        case .error: .down
        }
    }

    var linkStatus: LinkStatus {
        // A TCP line's baud rate and framing are the converter's, not Tocsin's: they are not shown.
        let line = settings.line.isTCP ? "\(settings.device) (TCP)" : "\(settings.device) \(settings.baud) \(settings.framing)"
        var detail = "\(state.rawValue): \(line) \(settings.role.rawValue)"
        if let lastTraffic { detail += ", last traffic \(lastTraffic.ISO8601Format())" }
        if !note.isEmpty { detail += "; \(note)" }
        return LinkStatus(
            kind: "serial",
            name: settings.label,
            state: linkState,
            detail: detail,
            counters: [
                "blocks": blocks, "naks": naks, "resets": resets, "duplicates": duplicates,
                "transmissionErrors": transmissionErrors,
            ],
            since: Date()
        )
    }
}

/// A port's status, shared by its supervisor and its session, published to the `LinkBoard` on every change.
final class PortStatusBoard: Sendable {
    private let status: Mutex<PortStatus>
    private let links: LinkBoard

    init(_ initial: PortStatus, links: LinkBoard) {
        status = Mutex(initial)
        self.links = links
    }

    func publish(_ change: (inout PortStatus) -> Void) {
        let snapshot = status.withLock { status in
            change(&status)
            return status.linkStatus
        }
        links.set(snapshot)
    }
}
