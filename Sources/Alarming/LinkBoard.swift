#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The state of one connection Tocsin supervises: a serial port, an ESPA-X session, the CSTA link.
public struct LinkStatus: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Configured, but the device or peer is not there (unplugged port, PBX unreachable).
        case absent
        case connecting
        /// Open and talking.
        case up
        /// Open, but silent past its supervision time.
        case silent
        case down
    }

    /// `serial`, `espax`, `csta`, …
    public var kind: String
    /// The port label, client name or PBX name.
    public var name: String
    public var state: State
    /// One line for staff: the device path, the peer address, the last error.
    public var detail: String
    /// Counters such as blocks, NAKs, resets, messages.
    public var counters: [String: Int]
    /// When `state` last changed.
    public var since: Date

    public init(kind: String, name: String, state: State, detail: String = "", counters: [String: Int] = [:], since: Date) {
        self.kind = kind
        self.name = name
        self.state = state
        self.detail = detail
        self.counters = counters
        self.since = since
    }
}

/// Every supervised link's current status, shared by the parts that own links (which write) and
/// REST, the web page and metrics (which read). Writers never block on readers.
public final class LinkBoard: Sendable {
    private struct Key: Hashable { var kind: String; var name: String }
    private let links = Mutex<[Key: LinkStatus]>([:])

    public init() {}

    /// Sets a link's status. `since` is kept when the state did not change.
    public func set(_ status: LinkStatus) {
        links.withLock { links in
            let key = Key(kind: status.kind, name: status.name)
            var status = status
            if let previous = links[key], previous.state == status.state { status.since = previous.since }
            links[key] = status
        }
    }

    /// Adds to a link's counters without touching its state.
    public func count(kind: String, name: String, _ counter: String, by amount: Int = 1) {
        links.withLock { links in
            links[Key(kind: kind, name: name)]?.counters[counter, default: 0] += amount
        }
    }

    public func remove(kind: String, name: String) {
        _ = links.withLock { $0.removeValue(forKey: Key(kind: kind, name: name)) }
    }

    /// All links, sorted by kind and name.
    public var all: [LinkStatus] {
        links.withLock { Array($0.values) }.sorted { ($0.kind, $0.name) < ($1.kind, $1.name) }
    }
}
