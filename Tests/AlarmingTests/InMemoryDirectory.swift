import Alarming
import Synchronization

/// A `Directory` in memory with the rules of the SQLite one: ids from 1 per kind, unique group
/// numbers, user names and phone addresses, a phone in use cannot be deleted, deleting a member
/// takes it out of its groups. `failing` makes every call throw, as a locked database would.
final class InMemoryDirectory: Directory {
    private struct State {
        var groups: [Int64: Group] = [:]
        var members: [Int64: Member] = [:]
        var phones: [Int64: Phone] = [:]
        var users: [Int64: User] = [:]
        var nextID: [String: Int64] = [:]
        var failing: DirectoryError?

        mutating func assign(_ kind: String) -> Int64 {
            let id = (nextID[kind] ?? 0) + 1
            nextID[kind] = id
            return id
        }

        func check() throws {
            if let failing { throw failing }
        }
    }

    private let state = Mutex(State())
    private let lookupGate = Gate()

    /// From now on group lookups by number wait until `releaseGroupLookups`, so a test can act
    /// while the service is suspended on the directory.
    func holdGroupLookups() { lookupGate.close() }
    func releaseGroupLookups() { lookupGate.open() }
    func waitForHeldGroupLookups(_ count: Int = 1) async { await lookupGate.waitForWaiting(count) }

    func fail(with error: DirectoryError?) {
        state.withLock { $0.failing = error }
    }

    // MARK: Setup helpers

    /// A phone with a webhook-style address and its member, available unless told otherwise.
    @discardableResult
    func addPerson(_ name: String, driver: String = "test", presence: Presence = .available) async throws -> (member: Member, phone: Phone) {
        let phone = try await createPhone(Phone(name: "\(name)'s phone", driver: driver, address: "http://phones.test/\(name.lowercased())"))
        let member = try await createMember(Member(userName: name.lowercased(), name: name, phoneID: phone.id, presence: presence))
        return (member, phone)
    }

    // MARK: Groups

    func groups() async throws -> [Group] {
        try state.withLock { state in
            try state.check()
            return state.groups.values.sorted { $0.id < $1.id }
        }
    }

    func group(id: Int64) async throws -> Group? {
        try state.withLock { state in
            try state.check()
            return state.groups[id]
        }
    }

    nonisolated(nonsending) func group(number: String) async throws -> Group? {
        await lookupGate.pass()
        return try state.withLock { state in
            try state.check()
            return state.groups.values.first { $0.number == number }
        }
    }

    func createGroup(_ group: Group) async throws -> Group {
        try state.withLock { state in
            try state.check()
            if state.groups.values.contains(where: { $0.number == group.number }) {
                throw DirectoryError.alreadyExists(kind: "group", field: "number", value: group.number)
            }
            if let missing = group.memberIDs.first(where: { state.members[$0] == nil }) {
                throw DirectoryError.notFound(kind: "member", key: "\(missing)")
            }
            var stored = group
            stored.id = state.assign("group")
            state.groups[stored.id] = stored
            return stored
        }
    }

    func updateGroup(_ group: Group) async throws -> Group {
        try state.withLock { state in
            try state.check()
            guard state.groups[group.id] != nil else { throw DirectoryError.notFound(kind: "group", key: "\(group.id)") }
            if state.groups.values.contains(where: { $0.number == group.number && $0.id != group.id }) {
                throw DirectoryError.alreadyExists(kind: "group", field: "number", value: group.number)
            }
            state.groups[group.id] = group
            return group
        }
    }

    func deleteGroup(id: Int64) async throws {
        try state.withLock { state in
            try state.check()
            guard state.groups.removeValue(forKey: id) != nil else { throw DirectoryError.notFound(kind: "group", key: "\(id)") }
        }
    }

    // MARK: Members

    func members() async throws -> [Member] {
        try state.withLock { state in
            try state.check()
            return state.members.values.sorted { $0.id < $1.id }
        }
    }

    func member(id: Int64) async throws -> Member? {
        try state.withLock { state in
            try state.check()
            return state.members[id]
        }
    }

    nonisolated(nonsending) func membersWithPhones(ids: [Int64]) async throws -> [MemberWithPhone] {
        try state.withLock { state in
            try state.check()
            return ids.compactMap { id in state.members[id].map { MemberWithPhone(member: $0, phone: state.phones[$0.phoneID]) } }
        }
    }

    func member(userName: String) async throws -> Member? {
        try state.withLock { state in
            try state.check()
            return state.members.values.first { $0.userName == userName }
        }
    }

    func createMember(_ member: Member) async throws -> Member {
        try state.withLock { state in
            try state.check()
            if state.members.values.contains(where: { $0.userName == member.userName }) {
                throw DirectoryError.alreadyExists(kind: "member", field: "userName", value: member.userName)
            }
            guard state.phones[member.phoneID] != nil else { throw DirectoryError.notFound(kind: "phone", key: "\(member.phoneID)") }
            var stored = member
            stored.id = state.assign("member")
            state.members[stored.id] = stored
            return stored
        }
    }

    func updateMember(_ member: Member) async throws -> Member {
        try state.withLock { state in
            try state.check()
            guard state.members[member.id] != nil else { throw DirectoryError.notFound(kind: "member", key: "\(member.id)") }
            state.members[member.id] = member
            return member
        }
    }

    func deleteMember(id: Int64) async throws {
        try state.withLock { state in
            try state.check()
            guard state.members.removeValue(forKey: id) != nil else { throw DirectoryError.notFound(kind: "member", key: "\(id)") }
            for groupID in state.groups.keys { state.groups[groupID]?.memberIDs.removeAll { $0 == id } }
        }
    }

    // MARK: Phones

    func phones() async throws -> [Phone] {
        try state.withLock { state in
            try state.check()
            return state.phones.values.sorted { $0.id < $1.id }
        }
    }

    func phone(id: Int64) async throws -> Phone? {
        try state.withLock { state in
            try state.check()
            return state.phones[id]
        }
    }

    nonisolated(nonsending) func phone(address: String) async throws -> Phone? {
        try state.withLock { state in
            try state.check()
            return state.phones.values.first { $0.address == address }
        }
    }

    func createPhone(_ phone: Phone) async throws -> Phone {
        try state.withLock { state in
            try state.check()
            if state.phones.values.contains(where: { $0.address == phone.address }) {
                throw DirectoryError.alreadyExists(kind: "phone", field: "address", value: phone.address)
            }
            var stored = phone
            stored.id = state.assign("phone")
            state.phones[stored.id] = stored
            return stored
        }
    }

    func updatePhone(_ phone: Phone) async throws -> Phone {
        try state.withLock { state in
            try state.check()
            guard state.phones[phone.id] != nil else { throw DirectoryError.notFound(kind: "phone", key: "\(phone.id)") }
            state.phones[phone.id] = phone
            return phone
        }
    }

    func deletePhone(id: Int64) async throws {
        try state.withLock { state in
            try state.check()
            guard state.phones[id] != nil else { throw DirectoryError.notFound(kind: "phone", key: "\(id)") }
            if let user = state.members.values.first(where: { $0.phoneID == id }) {
                throw DirectoryError.inUse(kind: "phone", key: "\(id)", by: "member \(user.userName)")
            }
            state.phones[id] = nil
        }
    }

    // MARK: Users

    func users() async throws -> [User] {
        try state.withLock { state in
            try state.check()
            return state.users.values.sorted { $0.id < $1.id }
        }
    }

    func user(name: String) async throws -> User? {
        try state.withLock { state in
            try state.check()
            return state.users.values.first { $0.name == name }
        }
    }

    func createUser(_ user: User) async throws -> User {
        try state.withLock { state in
            try state.check()
            if state.users.values.contains(where: { $0.name == user.name }) {
                throw DirectoryError.alreadyExists(kind: "user", field: "name", value: user.name)
            }
            var stored = user
            stored.id = state.assign("user")
            state.users[stored.id] = stored
            return stored
        }
    }

    func updateUser(_ user: User) async throws -> User {
        try state.withLock { state in
            try state.check()
            guard state.users[user.id] != nil else { throw DirectoryError.notFound(kind: "user", key: "\(user.id)") }
            state.users[user.id] = user
            return user
        }
    }

    func deleteUser(id: Int64) async throws {
        try state.withLock { state in
            try state.check()
            guard state.users.removeValue(forKey: id) != nil else { throw DirectoryError.notFound(kind: "user", key: "\(id)") }
        }
    }
}

/// A gate that async callers wait at while it is closed.
final class Gate: Sendable {
    private struct State {
        var closed = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func close() { state.withLock { $0.closed = true } }

    func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = false
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for waiter in waiting { waiter.resume() }
    }

    func pass() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (through, due) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                guard state.closed else { return (true, []) }
                state.waiting.append(continuation)
                let due = state.watchers.filter { $0.count <= state.waiting.count }.map(\.continuation)
                state.watchers.removeAll { $0.count <= state.waiting.count }
                return (false, due)
            }
            if through { continuation.resume() }
            for watcher in due { watcher.resume() }
        }
    }

    /// Returns once `count` callers are waiting at the gate.
    func waitForWaiting(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.waiting.count >= count { return true }
                state.watchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
