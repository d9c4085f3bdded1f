import Alarming
import Testing
@testable import Storage

@Suite("SQLiteDirectory: groups, members, phones, users and their validation")
struct SQLiteDirectoryTests {
    /// A store with two phones and two members, for the tests that need them.
    struct Fixture {
        let store: Store
        let phone: Phone
        let otherPhone: Phone
        let anna: Member
        let bob: Member
        var directory: SQLiteDirectory { store.directory }
    }

    func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        try await withTemporaryDirectory { temporary in
            let store = try Store(path: temporary.file("tocsin.sqlite"))
            defer { store.close() }
            let directory = store.directory
            let phone = try await directory.createPhone(Phone(name: "DECT 4711", driver: "webhook", address: "http://127.0.0.1:9/a"))
            let otherPhone = try await directory.createPhone(Phone(name: "DECT 4712", driver: "cisco", address: "10.0.0.12"))
            let anna = try await directory.createMember(Member(userName: "anna", name: "Anna", phoneID: phone.id))
            let bob = try await directory.createMember(Member(userName: "bob", name: "Bob", phoneID: otherPhone.id, presence: .dnd, presenceMessage: "in theatre"))
            try await body(Fixture(store: store, phone: phone, otherPhone: otherPhone, anna: anna, bob: bob))
        }
    }

    func expectError(_ expected: DirectoryError, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        let error = await #expect(throws: DirectoryError.self, sourceLocation: sourceLocation) { try await body() }
        #expect(error == expected, sourceLocation: sourceLocation)
    }

    @Test func groupsRoundTripWithMembersInOrder() async throws {
        try await withFixture { (fixture: Fixture) async throws in
            let directory = fixture.directory
            let created = try await directory.createGroup(Group(number: "12", name: "Ward 3", memberIDs: [fixture.bob.id, fixture.anna.id], rule: .all, repetitions: 3, repeatInterval: 45))
            #expect(created.id == 1)
            #expect(try await directory.group(id: created.id) == created)
            #expect(try await directory.group(number: "12") == created)
            #expect(try await directory.group(number: "012") == nil)
            #expect(try await directory.group(id: 99) == nil)

            var changed = created
            changed.memberIDs = [fixture.anna.id]
            changed.name = "Ward 3 night"
            changed.rule = .any
            #expect(try await directory.updateGroup(changed) == changed)
            let second = try await directory.createGroup(Group(number: "13", name: "Ward 4", memberIDs: [fixture.anna.id, fixture.bob.id]))
            #expect(try await directory.groups() == [changed, second])

            // Deleting a member takes it out of every group.
            try await directory.deleteMember(id: fixture.anna.id)
            #expect(try await directory.group(id: changed.id)?.memberIDs == [])
            #expect(try await directory.group(id: second.id)?.memberIDs == [fixture.bob.id])

            try await directory.deleteGroup(id: changed.id)
            #expect(try await directory.groups() == [Group(id: second.id, number: "13", name: "Ward 4", memberIDs: [fixture.bob.id])])
        }
    }

    @Test func membersWithPhonesComeInTheOrderAskedWithoutTheMissingOnes() async throws {
        try await withFixture { (fixture: Fixture) async throws in
            let found = try await fixture.directory.membersWithPhones(ids: [fixture.bob.id, 999, fixture.anna.id])
            #expect(found == [
                MemberWithPhone(member: fixture.bob, phone: fixture.otherPhone),
                MemberWithPhone(member: fixture.anna, phone: fixture.phone),
            ])
            #expect(try await fixture.directory.membersWithPhones(ids: []).isEmpty)
        }
    }

    /// Routing reads the same group and members for every alarm from memory; every kind of change
    /// must show in the very next lookup.
    @Test func routingLookupsSeeEveryChangeAtOnce() async throws {
        try await withFixture { (fixture: Fixture) async throws in
            let directory = fixture.directory
            var group = try await directory.createGroup(Group(number: "20", name: "Ward 5", memberIDs: [fixture.anna.id]))
            let ids = [fixture.anna.id, fixture.bob.id]
            #expect(try await directory.group(number: "20") == group)
            #expect(try await directory.membersWithPhones(ids: ids).map(\.member) == [fixture.anna, fixture.bob])

            group.memberIDs = ids
            group.rule = .all
            _ = try await directory.updateGroup(group)
            #expect(try await directory.group(number: "20") == group)

            var anna = fixture.anna
            anna.presence = .offline
            _ = try await directory.updateMember(anna)
            #expect(try await directory.membersWithPhones(ids: ids).first?.member.presence == .offline)

            var phone = fixture.otherPhone
            phone.address = "10.0.0.99"
            _ = try await directory.updatePhone(phone)
            #expect(try await directory.membersWithPhones(ids: ids).last?.phone?.address == "10.0.0.99")

            // A change refused by validation leaves the lookups right too.
            var clash = group
            clash.number = ""
            _ = await #expect(throws: DirectoryError.self) { try await directory.updateGroup(clash) }
            #expect(try await directory.group(number: "20") == group)

            // An unknown number is looked up again, and found once it exists.
            #expect(try await directory.group(number: "21") == nil)
            let later = try await directory.createGroup(Group(number: "21", name: "Ward 6", memberIDs: []))
            #expect(try await directory.group(number: "21") == later)

            try await directory.deleteGroup(id: group.id)
            #expect(try await directory.group(number: "20") == nil)
            try await directory.deleteMember(id: fixture.bob.id)
            #expect(try await directory.membersWithPhones(ids: ids).map(\.member) == [anna])
        }
    }

    @Test func groupValidationNamesTheField() async throws {
        try await withFixture { (fixture: Fixture) async throws in
            let directory = fixture.directory
            _ = try await directory.createGroup(Group(number: "12", name: "Ward 3"))
            await expectError(.invalid(field: "number", reason: "number is required")) { _ = try await directory.createGroup(Group(number: "", name: "X")) }
            await expectError(.invalid(field: "name", reason: "name is required")) { _ = try await directory.createGroup(Group(number: "20", name: "  ")) }
            await expectError(.invalid(field: "repeatInterval", reason: "must be 2 to 60 seconds, not 1")) {
                _ = try await directory.createGroup(Group(number: "20", name: "X", repeatInterval: 1))
            }
            await expectError(.invalid(field: "repeatInterval", reason: "must be 2 to 60 seconds, not 61")) {
                _ = try await directory.createGroup(Group(number: "20", name: "X", repeatInterval: 61))
            }
            await expectError(.invalid(field: "repetitions", reason: "must be 0 to 20, not 21")) {
                _ = try await directory.createGroup(Group(number: "20", name: "X", repetitions: 21))
            }
            await expectError(.invalid(field: "repetitions", reason: "must be 0 to 20, not -1")) {
                _ = try await directory.createGroup(Group(number: "20", name: "X", repetitions: -1))
            }
            await expectError(.invalid(field: "members", reason: "member \(fixture.anna.id) is listed twice")) {
                _ = try await directory.createGroup(Group(number: "20", name: "X", memberIDs: [fixture.anna.id, fixture.anna.id]))
            }
            await expectError(.alreadyExists(kind: "group", field: "number", value: "12")) { _ = try await directory.createGroup(Group(number: "12", name: "Other")) }
            await expectError(.alreadyExists(kind: "group", field: "name", value: "Ward 3")) { _ = try await directory.createGroup(Group(number: "21", name: "Ward 3")) }
            await expectError(.notFound(kind: "member", key: "77")) { _ = try await directory.createGroup(Group(number: "22", name: "Y", memberIDs: [fixture.anna.id, 77])) }
            await expectError(.notFound(kind: "group", key: "55")) { _ = try await directory.updateGroup(Group(id: 55, number: "55", name: "Z")) }
            await expectError(.notFound(kind: "group", key: "55")) { try await directory.deleteGroup(id: 55) }

            // A refused change leaves nothing behind, not even the half-written group of a bad member list.
            #expect(try await directory.groups().map(\.number) == ["12"])
            #expect(try await directory.group(number: "22") == nil)

            // Updating a group to another group's number is refused, keeping its own is not.
            let other = try await directory.createGroup(Group(number: "30", name: "Ward 5"))
            var clash = other
            clash.number = "12"
            await expectError(.alreadyExists(kind: "group", field: "number", value: "12")) { _ = try await directory.updateGroup(clash) }
            var rename = other
            rename.name = "Ward 5 east"
            #expect(try await directory.updateGroup(rename) == rename)
        }
    }

    @Test func membersRoundTripAndValidate() async throws {
        try await withFixture { (fixture: Fixture) async throws in
            let directory = fixture.directory
            #expect(try await directory.members() == [fixture.anna, fixture.bob])
            #expect(try await directory.member(userName: "bob") == fixture.bob)
            #expect(fixture.bob.presence == .dnd)
            #expect(try await directory.member(id: fixture.anna.id) == fixture.anna)
            #expect(try await directory.member(id: 99) == nil)

            var away = fixture.anna
            away.presence = .away
            away.presenceMessage = "lunch"
            away.phoneID = fixture.otherPhone.id
            #expect(try await directory.updateMember(away) == away)
            #expect(try await directory.member(id: away.id) == away)

            await expectError(.invalid(field: "userName", reason: "userName is required")) { _ = try await directory.createMember(Member(userName: "", name: "X", phoneID: fixture.phone.id)) }
            await expectError(.invalid(field: "name", reason: "name is required")) { _ = try await directory.createMember(Member(userName: "x", name: "", phoneID: fixture.phone.id)) }
            await expectError(.alreadyExists(kind: "member", field: "userName", value: "anna")) { _ = try await directory.createMember(Member(userName: "anna", name: "Anna 2", phoneID: fixture.phone.id)) }
            await expectError(.notFound(kind: "phone", key: "99")) { _ = try await directory.createMember(Member(userName: "carl", name: "Carl", phoneID: 99)) }
            await expectError(.notFound(kind: "member", key: "99")) { _ = try await directory.updateMember(Member(id: 99, userName: "z", name: "Z", phoneID: fixture.phone.id)) }
            var renamed = fixture.bob
            renamed.userName = "anna"
            await expectError(.alreadyExists(kind: "member", field: "userName", value: "anna")) { _ = try await directory.updateMember(renamed) }
            await expectError(.notFound(kind: "member", key: "99")) { try await directory.deleteMember(id: 99) }
            #expect(try await directory.members().map(\.userName) == ["anna", "bob"])
        }
    }

    @Test func phonesRoundTripAndCannotBeDeletedWhileInUse() async throws {
        try await withFixture { (fixture: Fixture) async throws in
            let directory = fixture.directory
            #expect(try await directory.phones() == [fixture.phone, fixture.otherPhone])
            #expect(try await directory.phone(id: fixture.otherPhone.id) == fixture.otherPhone)
            #expect(try await directory.phone(address: "10.0.0.12") == fixture.otherPhone)
            #expect(try await directory.phone(address: "10.0.0.13") == nil)
            // A second phone on the same address does not change which one the address finds.
            _ = try await directory.createPhone(Phone(name: "Shared", driver: "cisco", address: "10.0.0.12"))
            #expect(try await directory.phone(address: "10.0.0.12") == fixture.otherPhone)

            var moved = fixture.phone
            moved.address = "http://127.0.0.1:10/b"
            #expect(try await directory.updatePhone(moved) == moved)

            await expectError(.invalid(field: "name", reason: "name is required")) { _ = try await directory.createPhone(Phone(name: "", driver: "webhook", address: "a")) }
            await expectError(.invalid(field: "driver", reason: "driver is required")) { _ = try await directory.createPhone(Phone(name: "P", driver: "", address: "a")) }
            await expectError(.invalid(field: "address", reason: "address is required")) { _ = try await directory.createPhone(Phone(name: "P", driver: "webhook", address: "")) }
            await expectError(.notFound(kind: "phone", key: "99")) { _ = try await directory.updatePhone(Phone(id: 99, name: "P", driver: "webhook", address: "a")) }
            await expectError(.notFound(kind: "phone", key: "99")) { try await directory.deletePhone(id: 99) }

            _ = try await directory.createMember(Member(userName: "carl", name: "Carl", phoneID: fixture.phone.id))
            await expectError(.inUse(kind: "phone", key: "\(fixture.phone.id)", by: "members anna, carl")) { try await directory.deletePhone(id: fixture.phone.id) }
            await expectError(.inUse(kind: "phone", key: "\(fixture.otherPhone.id)", by: "member bob")) { try await directory.deletePhone(id: fixture.otherPhone.id) }
            #expect(try await directory.phones().count == 3)

            try await directory.deleteMember(id: fixture.bob.id)
            try await directory.deletePhone(id: fixture.otherPhone.id)
            #expect(try await directory.phone(id: fixture.otherPhone.id) == nil)
        }
    }

    @Test func usersRoundTripAndValidate() async throws {
        try await withFixture { (fixture: Fixture) async throws in
            let directory = fixture.directory
            let admin = try await directory.createUser(User(name: "admin", passwordHash: "$2b$12$abc"))
            #expect(admin.id == 1)
            #expect(try await directory.user(name: "admin") == admin)
            #expect(try await directory.user(name: "Admin") == nil)
            var changed = admin
            changed.passwordHash = "$2b$12$def"
            #expect(try await directory.updateUser(changed) == changed)
            #expect(try await directory.users() == [changed])

            await expectError(.invalid(field: "name", reason: "name is required")) { _ = try await directory.createUser(User(name: "", passwordHash: "h")) }
            await expectError(.invalid(field: "passwordHash", reason: "passwordHash is required")) { _ = try await directory.createUser(User(name: "x", passwordHash: "")) }
            await expectError(.alreadyExists(kind: "user", field: "name", value: "admin")) { _ = try await directory.createUser(User(name: "admin", passwordHash: "h")) }
            await expectError(.notFound(kind: "user", key: "9")) { _ = try await directory.updateUser(User(id: 9, name: "nobody", passwordHash: "h")) }
            await expectError(.notFound(kind: "user", key: "9")) { try await directory.deleteUser(id: 9) }

            try await directory.deleteUser(id: admin.id)
            #expect(try await directory.users() == [])
        }
    }

    @Test func directoryWritesShareTheWriterWithTheJournal() async throws {
        try await withFixture { (fixture: Fixture) async throws in
            let before = fixture.store.writes
            _ = try await fixture.directory.createPhone(Phone(name: "P", driver: "webhook", address: "x"))
            await expectError(.invalid(field: "name", reason: "name is required")) { _ = try await fixture.directory.createPhone(Phone(name: "", driver: "webhook", address: "x")) }
            await expectError(.notFound(kind: "phone", key: "99")) { try await fixture.directory.deletePhone(id: 99) }
            // Only the committed write counts; a refused one never reaches (or is rolled back in) the writer.
            #expect(fixture.store.writes == before + 1)
            #expect(fixture.store.journal.writes == fixture.store.writes)
        }
    }
}
