// Admission to the phones: at most `limit` pushes in flight across all phones, and at most one per
// phone, in arrival order. A 500-phone group is then served `limit` at a time instead of one after
// another, and a phone never sees a second Execute while it is still answering the first (a phone
// is a serial resource: `Play:` even holds its HTTP answer until the tone ends).

import Synchronization

public final class PushGate: Sendable {
    private struct Waiter {
        var id: Int
        var key: String
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var free: Int
        var busy: Set<String> = []
        var waiters: [Waiter] = []
        var nextID = 0
    }

    private let state: Mutex<State>
    public let limit: Int

    public init(limit: Int) {
        self.limit = max(1, limit)
        self.state = Mutex(State(free: max(1, limit)))
    }

    /// Waits for a slot for `key` (the phone's address). Returns false, holding nothing, when the
    /// task was cancelled while waiting.
    public func enter(_ key: String) async -> Bool {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer: Bool? = state.withLock { state in
                    // Checked under the lock: a cancellation that came before the waiter is queued
                    // is seen here, one that comes after finds the waiter in the queue.
                    if Task.isCancelled { return false }
                    if state.free > 0, !state.busy.contains(key) {
                        state.free -= 1
                        state.busy.insert(key)
                        return true
                    }
                    state.waiters.append(Waiter(id: id, key: key, continuation: continuation))
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Gives back the slot taken by `enter(key)` and admits the next waiters that can go.
    public func leave(_ key: String) {
        let admitted = state.withLock { state -> [Waiter] in
            state.free += 1
            state.busy.remove(key)
            var admitted: [Waiter] = []
            var index = 0
            while state.free > 0, index < state.waiters.count {
                let waiter = state.waiters[index]
                if state.busy.contains(waiter.key) {
                    index += 1
                    continue
                }
                state.waiters.remove(at: index)
                state.free -= 1
                state.busy.insert(waiter.key)
                admitted.append(waiter)
            }
            return admitted
        }
        for waiter in admitted { waiter.continuation.resume(returning: true) }
    }

    /// Pushes in flight now, for tests and the health view.
    public var inFlight: Int { state.withLock { limit - $0.free } }
    public var waiting: Int { state.withLock { $0.waiters.count } }
}
