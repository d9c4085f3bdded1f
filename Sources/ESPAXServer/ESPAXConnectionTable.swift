import Synchronization

/// Every open connection, for the caps: at most `maximumConnections` at once, at most
/// `maximumSessionsPerClient` logged-in sessions per client. A connection that has not logged in
/// yet is the first to go when the table is full, oldest first: an attacker holding idle or
/// dribbling sockets cannot keep a real client, which logs in within milliseconds, out.
final class ESPAXConnectionTable: Sendable {
    enum Admission: Equatable {
        case admitted
        case admittedEvicting(ESPAXConnectionLink)
        case refused
    }

    private struct Entry {
        var link: ESPAXConnectionLink
        var client: String?
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())
    let maximumConnections: Int
    let maximumSessionsPerClient: Int

    init(maximumConnections: Int, maximumSessionsPerClient: Int) {
        self.maximumConnections = maximumConnections
        self.maximumSessionsPerClient = maximumSessionsPerClient
    }

    func nextID() -> Int {
        state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    func admit(_ link: ESPAXConnectionLink) -> Admission {
        state.withLock { state in
            guard state.entries.count >= maximumConnections else {
                state.entries[link.id] = Entry(link: link)
                return .admitted
            }
            // Ids grow with time, so the smallest id is the oldest connection.
            guard let oldest = state.entries.values.filter({ $0.client == nil }).min(by: { $0.link.id < $1.link.id }) else {
                return .refused
            }
            state.entries[oldest.link.id] = nil
            state.entries[link.id] = Entry(link: link)
            return .admittedEvicting(oldest.link)
        }
    }

    /// Records a successful login; false when the client already has its maximum of sessions.
    func logIn(_ id: Int, client: String) -> Bool {
        state.withLock { state in
            let sessions = state.entries.values.filter { $0.client == client }.count
            guard sessions < maximumSessionsPerClient, state.entries[id] != nil else { return false }
            state.entries[id]?.client = client
            return true
        }
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    var count: Int { state.withLock { $0.entries.count } }
    var sessionCount: Int { state.withLock { $0.entries.values.filter { $0.client != nil }.count } }
    var links: [ESPAXConnectionLink] { state.withLock { $0.entries.values.map(\.link) } }
}
