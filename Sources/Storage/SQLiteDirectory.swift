import Alarming
import Synchronization

/// Groups, members, phones and staff users in SQLite. Changes are rare, so they share the journal's
/// writer (one writer connection per file); each change is validated inside its own savepoint, so
/// the checks and the write see the same state and a refused change leaves nothing behind.
///
/// Routing reads a group and its members for every alarm, and ESPA-X checks the group of every
/// P-START, thousands of times a second under load, while the directory changes a few times a day
/// and only through this object (the state directory lock keeps a second daemon out). So those two
/// lookups are served from memory until the next change. A lookup that raced with a change is not
/// kept: each read notes the generation it started in, and every change starts a new one.
public final class SQLiteDirectory: Directory {
    private struct Cache {
        var generation = 0
        /// Groups found by number; unknown numbers are not kept, so a client that sends random
        /// numbers cannot grow this.
        var groups: [String: Group] = [:]
        var membersWithPhones: [[Int64]: [MemberWithPhone]] = [:]

        /// A bound on what hostile or huge directories can make it hold; past it, it starts over.
        static let maximumEntries = 4096
    }

    private let writer: StoreWriter
    private let readers: ReaderPool
    private let cache = Mutex(Cache())

    init(writer: StoreWriter, readers: ReaderPool) {
        self.writer = writer
        self.readers = readers
    }

    /// Every change of the directory goes through here, so that no cached lookup outlives it.
    private func change<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        defer { cache.withLock { $0 = Cache(generation: $0.generation + 1) } }
        return try await writer.write(body)
    }

    private func cached<Key: Hashable, Value: Sendable>(
        _ key: Key, _ table: WritableKeyPath<Cache, [Key: Value]>, read: () throws -> Value?
    ) throws -> Value? {
        let generation: Int
        do {
            let (hit, current) = cache.withLock { ($0[keyPath: table][key], $0.generation) }
            if let hit { return hit }
            generation = current
        }
        guard let value = try read() else { return nil }
        cache.withLock { cache in
            guard cache.generation == generation else { return }
            if cache.groups.count + cache.membersWithPhones.count >= Cache.maximumEntries {
                cache = Cache(generation: cache.generation)
            }
            cache[keyPath: table][key] = value
        }
        return value
    }

    // MARK: - Groups

    private static let groupColumns = """
        id, number, name, rule, repetitions, repeat_interval,
        escalation_delay, escalation_no_answer_time, escalation_numbers, escalation_answer_acknowledges
        """

    /// The four escalation columns of `alarm_groups`, all NULL for a group without a chain.
    private static func escalationValues(_ chain: EscalationChain?) -> [SQLValue] {
        guard let chain else { return [.null, .null, .null, .null] }
        return [.integer(chain.delay), .integer(chain.noAnswerTime), .text(chain.numbers.joined(separator: ",")), .integer(chain.answerAcknowledges ? 1 : 0)]
    }

    public func groups() async throws -> [Group] {
        try readers.read { database in try Self.groups(database, "SELECT \(Self.groupColumns) FROM alarm_groups ORDER BY id", []) }
    }

    public func group(id: Int64) async throws -> Group? {
        try readers.read { database in
            try Self.groups(database, "SELECT \(Self.groupColumns) FROM alarm_groups WHERE id = ?", [.integer(id)]).first
        }
    }

    public nonisolated(nonsending) func group(number: String) async throws -> Group? {
        try cached(number, \.groups) {
            try readers.read { database in
                try Self.groups(database, "SELECT \(Self.groupColumns) FROM alarm_groups WHERE number = ?", [.text(number)]).first
            }
        }
    }

    public func createGroup(_ group: Group) async throws -> Group {
        try Self.validate(group)
        return try await change { database in
            try Self.checkUnique(group, database)
            try database.run(
                """
                INSERT INTO alarm_groups (number, name, rule, repetitions, repeat_interval,
                    escalation_delay, escalation_no_answer_time, escalation_numbers, escalation_answer_acknowledges)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(group.number), .text(group.name), .text(group.rule.rawValue), .integer(group.repetitions), .integer(group.repeatInterval)]
                    + Self.escalationValues(group.escalation)
            )
            var stored = group
            stored.id = database.lastInsertedRowID
            try Self.storeMembers(of: stored, database)
            return stored
        }
    }

    public func updateGroup(_ group: Group) async throws -> Group {
        try Self.validate(group)
        return try await change { database in
            try Self.requireRow("alarm_groups", kind: "group", id: group.id, database)
            try Self.checkUnique(group, database)
            try database.run(
                """
                UPDATE alarm_groups SET number = ?, name = ?, rule = ?, repetitions = ?, repeat_interval = ?,
                    escalation_delay = ?, escalation_no_answer_time = ?, escalation_numbers = ?, escalation_answer_acknowledges = ?
                WHERE id = ?
                """,
                [.text(group.number), .text(group.name), .text(group.rule.rawValue), .integer(group.repetitions), .integer(group.repeatInterval)]
                    + Self.escalationValues(group.escalation) + [.integer(group.id)]
            )
            try database.run("DELETE FROM group_members WHERE group_id = ?", [.integer(group.id)])
            try Self.storeMembers(of: group, database)
            return group
        }
    }

    public func deleteGroup(id: Int64) async throws {
        try await change { database in
            try database.run("DELETE FROM alarm_groups WHERE id = ?", [.integer(id)])
            if database.changes == 0 { throw DirectoryError.notFound(kind: "group", key: "\(id)") }
        }
    }

    private static func validate(_ group: Group) throws(DirectoryError) {
        try requireText(group.number, field: "number")
        try requireText(group.name, field: "name")
        guard Group.repeatIntervalRange.contains(group.repeatInterval) else {
            throw DirectoryError.invalid(
                field: "repeatInterval",
                reason: "must be \(Group.repeatIntervalRange.lowerBound) to \(Group.repeatIntervalRange.upperBound) seconds, not \(group.repeatInterval)"
            )
        }
        guard Group.repetitionsRange.contains(group.repetitions) else {
            throw DirectoryError.invalid(
                field: "repetitions",
                reason: "must be \(Group.repetitionsRange.lowerBound) to \(Group.repetitionsRange.upperBound), not \(group.repetitions)"
            )
        }
        if let violation = group.escalation?.violation { throw violation }
        var seen = Set<Int64>()
        for memberID in group.memberIDs where !seen.insert(memberID).inserted {
            throw DirectoryError.invalid(field: "members", reason: "member \(memberID) is listed twice")
        }
    }

    private static func checkUnique(_ group: Group, _ database: Database) throws {
        if try database.row("SELECT 1 FROM alarm_groups WHERE number = ? AND id <> ?", [.text(group.number), .integer(group.id)], { _ in true }) != nil {
            throw DirectoryError.alreadyExists(kind: "group", field: "number", value: group.number)
        }
        if try database.row("SELECT 1 FROM alarm_groups WHERE name = ? AND id <> ?", [.text(group.name), .integer(group.id)], { _ in true }) != nil {
            throw DirectoryError.alreadyExists(kind: "group", field: "name", value: group.name)
        }
    }

    private static func storeMembers(of group: Group, _ database: Database) throws {
        for (position, memberID) in group.memberIDs.enumerated() {
            try requireRow("members", kind: "member", id: memberID, database)
            try database.run(
                "INSERT INTO group_members (group_id, member_id, position) VALUES (?, ?, ?)",
                [.integer(group.id), .integer(memberID), .integer(position)]
            )
        }
    }

    private static func groups(_ database: Database, _ sql: String, _ values: [SQLValue]) throws -> [Group] {
        var groups = try database.rows(sql, values) { (row: Statement) throws(StoreError) -> Group in
            let rawRule = row.string(3)
            guard let rule = AcknowledgementRule(rawValue: rawRule) else {
                throw StoreError.unreadable(path: database.path, table: "alarm_groups", column: "rule", value: rawRule)
            }
            var escalation: EscalationChain?
            if let delay = row.optionalInt(6) {
                let numbers = row.optionalString(8) ?? ""
                escalation = EscalationChain(
                    delay: delay, noAnswerTime: row.optionalInt(7) ?? 30,
                    numbers: numbers.isEmpty ? [] : numbers.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
                    answerAcknowledges: (row.optionalInt(9) ?? 0) != 0
                )
            }
            return Group(
                id: row.int64(0), number: row.string(1), name: row.string(2),
                rule: rule, repetitions: row.int(4), repeatInterval: row.int(5), escalation: escalation
            )
        }
        for index in groups.indices {
            groups[index].memberIDs = try database.rows(
                "SELECT member_id FROM group_members WHERE group_id = ? ORDER BY position", [.integer(groups[index].id)]
            ) { $0.int64(0) }
        }
        return groups
    }

    // MARK: - Members

    private static let memberColumns = "id, user_name, name, phone_id, presence, presence_message"

    public func members() async throws -> [Member] {
        try readers.read { database in try Self.members(database, "SELECT \(Self.memberColumns) FROM members ORDER BY id", []) }
    }

    public func member(id: Int64) async throws -> Member? {
        try readers.read { database in
            try Self.members(database, "SELECT \(Self.memberColumns) FROM members WHERE id = ?", [.integer(id)]).first
        }
    }

    public nonisolated(nonsending) func membersWithPhones(ids: [Int64]) async throws -> [MemberWithPhone] {
        try cached(ids, \.membersWithPhones) { try readMembersWithPhones(ids: ids) } ?? []
    }

    private func readMembersWithPhones(ids: [Int64]) throws -> [MemberWithPhone] {
        try readers.read { database in
            var found: [MemberWithPhone] = []
            found.reserveCapacity(ids.count)
            for id in ids {
                guard let member = try Self.members(database, "SELECT \(Self.memberColumns) FROM members WHERE id = ?", [.integer(id)]).first else { continue }
                let phone = try Self.phones(database, "SELECT \(Self.phoneColumns) FROM phones WHERE id = ?", [.integer(member.phoneID)]).first
                found.append(MemberWithPhone(member: member, phone: phone))
            }
            return found
        }
    }

    public func member(userName: String) async throws -> Member? {
        try readers.read { database in
            try Self.members(database, "SELECT \(Self.memberColumns) FROM members WHERE user_name = ?", [.text(userName)]).first
        }
    }

    public func createMember(_ member: Member) async throws -> Member {
        try Self.validate(member)
        return try await change { database in
            try Self.checkReferences(member, database)
            try database.run(
                "INSERT INTO members (user_name, name, phone_id, presence, presence_message) VALUES (?, ?, ?, ?, ?)",
                [.text(member.userName), .text(member.name), .integer(member.phoneID), .text(member.presence.rawValue), .text(member.presenceMessage)]
            )
            var stored = member
            stored.id = database.lastInsertedRowID
            return stored
        }
    }

    public func updateMember(_ member: Member) async throws -> Member {
        try Self.validate(member)
        return try await change { database in
            try Self.requireRow("members", kind: "member", id: member.id, database)
            try Self.checkReferences(member, database)
            try database.run(
                "UPDATE members SET user_name = ?, name = ?, phone_id = ?, presence = ?, presence_message = ? WHERE id = ?",
                [.text(member.userName), .text(member.name), .integer(member.phoneID), .text(member.presence.rawValue), .text(member.presenceMessage), .integer(member.id)]
            )
            return member
        }
    }

    public func deleteMember(id: Int64) async throws {
        try await change { database in
            // group_members cascades, so the member leaves every group with it.
            try database.run("DELETE FROM members WHERE id = ?", [.integer(id)])
            if database.changes == 0 { throw DirectoryError.notFound(kind: "member", key: "\(id)") }
        }
    }

    private static func validate(_ member: Member) throws(DirectoryError) {
        try requireText(member.userName, field: "userName")
        try requireText(member.name, field: "name")
    }

    private static func checkReferences(_ member: Member, _ database: Database) throws {
        if try database.row("SELECT 1 FROM members WHERE user_name = ? AND id <> ?", [.text(member.userName), .integer(member.id)], { _ in true }) != nil {
            throw DirectoryError.alreadyExists(kind: "member", field: "userName", value: member.userName)
        }
        try requireRow("phones", kind: "phone", id: member.phoneID, database)
    }

    private static func members(_ database: Database, _ sql: String, _ values: [SQLValue]) throws -> [Member] {
        try database.rows(sql, values) { (row: Statement) throws(StoreError) -> Member in
            let rawPresence = row.string(4)
            guard let presence = Presence(rawValue: rawPresence) else {
                throw StoreError.unreadable(path: database.path, table: "members", column: "presence", value: rawPresence)
            }
            return Member(
                id: row.int64(0), userName: row.string(1), name: row.string(2), phoneID: row.int64(3),
                presence: presence, presenceMessage: row.string(5)
            )
        }
    }

    // MARK: - Phones

    private static let phoneColumns = "id, name, driver, address"

    public func phones() async throws -> [Phone] {
        try readers.read { database in try Self.phones(database, "SELECT \(Self.phoneColumns) FROM phones ORDER BY id", []) }
    }

    public func phone(id: Int64) async throws -> Phone? {
        try readers.read { database in
            try Self.phones(database, "SELECT \(Self.phoneColumns) FROM phones WHERE id = ?", [.integer(id)]).first
        }
    }

    /// Several phones may share an address (two handsets behind one webhook); the oldest one wins,
    /// so the answer does not change when another is added.
    public nonisolated(nonsending) func phone(address: String) async throws -> Phone? {
        try readers.read { database in
            try Self.phones(database, "SELECT \(Self.phoneColumns) FROM phones WHERE address = ? ORDER BY id LIMIT 1", [.text(address)]).first
        }
    }

    public func createPhone(_ phone: Phone) async throws -> Phone {
        try Self.validate(phone)
        return try await change { database in
            try database.run(
                "INSERT INTO phones (name, driver, address) VALUES (?, ?, ?)",
                [.text(phone.name), .text(phone.driver), .text(phone.address)]
            )
            var stored = phone
            stored.id = database.lastInsertedRowID
            return stored
        }
    }

    public func updatePhone(_ phone: Phone) async throws -> Phone {
        try Self.validate(phone)
        return try await change { database in
            try Self.requireRow("phones", kind: "phone", id: phone.id, database)
            try database.run(
                "UPDATE phones SET name = ?, driver = ?, address = ? WHERE id = ?",
                [.text(phone.name), .text(phone.driver), .text(phone.address), .integer(phone.id)]
            )
            return phone
        }
    }

    public func deletePhone(id: Int64) async throws {
        try await change { database in
            try Self.requireRow("phones", kind: "phone", id: id, database)
            let users = try database.rows("SELECT user_name FROM members WHERE phone_id = ? ORDER BY id", [.integer(id)]) { $0.string(0) }
            if !users.isEmpty {
                throw DirectoryError.inUse(kind: "phone", key: "\(id)", by: (users.count == 1 ? "member " : "members ") + users.joined(separator: ", "))
            }
            try database.run("DELETE FROM phones WHERE id = ?", [.integer(id)])
        }
    }

    private static func validate(_ phone: Phone) throws(DirectoryError) {
        try requireText(phone.name, field: "name")
        try requireText(phone.driver, field: "driver")
        try requireText(phone.address, field: "address")
    }

    private static func phones(_ database: Database, _ sql: String, _ values: [SQLValue]) throws -> [Phone] {
        try database.rows(sql, values) { row in
            Phone(id: row.int64(0), name: row.string(1), driver: row.string(2), address: row.string(3))
        }
    }

    // MARK: - Users

    public func users() async throws -> [User] {
        try readers.read { database in
            try database.rows("SELECT id, name, password_hash FROM users ORDER BY id") { row in
                User(id: row.int64(0), name: row.string(1), passwordHash: row.string(2))
            }
        }
    }

    public func user(name: String) async throws -> User? {
        try readers.read { database in
            try database.row("SELECT id, name, password_hash FROM users WHERE name = ?", [.text(name)]) { row in
                User(id: row.int64(0), name: row.string(1), passwordHash: row.string(2))
            }
        }
    }

    public func createUser(_ user: User) async throws -> User {
        try Self.validate(user)
        return try await change { database in
            try Self.checkUnique(user, database)
            try database.run("INSERT INTO users (name, password_hash) VALUES (?, ?)", [.text(user.name), .text(user.passwordHash)])
            var stored = user
            stored.id = database.lastInsertedRowID
            return stored
        }
    }

    public func updateUser(_ user: User) async throws -> User {
        try Self.validate(user)
        return try await change { database in
            try Self.requireRow("users", kind: "user", id: user.id, database)
            try Self.checkUnique(user, database)
            try database.run("UPDATE users SET name = ?, password_hash = ? WHERE id = ?", [.text(user.name), .text(user.passwordHash), .integer(user.id)])
            return user
        }
    }

    public func deleteUser(id: Int64) async throws {
        try await change { database in
            try database.run("DELETE FROM users WHERE id = ?", [.integer(id)])
            if database.changes == 0 { throw DirectoryError.notFound(kind: "user", key: "\(id)") }
        }
    }

    private static func validate(_ user: User) throws(DirectoryError) {
        try requireText(user.name, field: "name")
        try requireText(user.passwordHash, field: "passwordHash")
    }

    private static func checkUnique(_ user: User, _ database: Database) throws {
        if try database.row("SELECT 1 FROM users WHERE name = ? AND id <> ?", [.text(user.name), .integer(user.id)], { _ in true }) != nil {
            throw DirectoryError.alreadyExists(kind: "user", field: "name", value: user.name)
        }
    }

    // MARK: - Shared checks

    private static func requireText(_ value: String, field: String) throws(DirectoryError) {
        if value.allSatisfy(\.isWhitespace) {
            throw DirectoryError.invalid(field: field, reason: "\(field) is required")
        }
    }

    private static func requireRow(_ table: String, kind: String, id: Int64, _ database: Database) throws {
        if try database.row("SELECT 1 FROM \(table) WHERE id = ?", [.integer(id)], { _ in true }) == nil {
            throw DirectoryError.notFound(kind: kind, key: "\(id)")
        }
    }
}
