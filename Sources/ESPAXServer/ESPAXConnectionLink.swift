#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ESPAX
import NIOCore

/// A handle on one connection that other threads may hold: it writes messages and asks the
/// connection to shut down, always by hopping onto the connection's event loop, so writes from
/// anywhere keep the order in which they were asked for.
public final class ESPAXConnectionLink: Sendable, Hashable {
    public let id: Int
    public let address: String
    let channel: any Channel
    private let handler: NIOLoopBound<ESPAXConnectionHandler>

    init(id: Int, address: String, channel: any Channel, handler: NIOLoopBound<ESPAXConnectionHandler>) {
        self.id = id
        self.address = address
        self.channel = channel
        self.handler = handler
    }

    /// Writes the messages in order, with their own header numbers, and flushes. The XML is written
    /// on the connection's loop, not here: callers send under their own locks (the process desk
    /// does, to keep a process's messages in order), and the order of `execute` is already theirs.
    public func send(_ messages: [ESPAXServerMessage]) {
        guard !messages.isEmpty else { return }
        let now = Date()
        let handler = self.handler
        channel.eventLoop.execute { handler.value.write(messages, timestamp: now) }
    }

    /// `CMD.SHUTDOWN` to a logged-in client, then close.
    func shutdown() {
        let handler = self.handler
        channel.eventLoop.execute { handler.value.shutdown() }
    }

    /// Closes a connection that has not logged in, to make room for another.
    func evict() {
        let handler = self.handler
        channel.eventLoop.execute { handler.value.evict() }
    }

    public static func == (lhs: ESPAXConnectionLink, rhs: ESPAXConnectionLink) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}
