import Alarming
import Hummingbird
import Logging
import HummingbirdBcrypt
import NIOPosix

/// `/api/groups`, `/api/members`, `/api/phones` and `/api/users`: the directory, managed by staff.
/// `PUT` changes only the fields it is given. References between entries (a group's members, a
/// member's phone) are checked here so the refusal names the field.
struct DirectoryRoutes {
    let directory: any Directory
    let journal: any AlarmJournal
    let bcryptCost: UInt8

    /// Bcrypt reads at most 72 bytes; a longer password would be cut silently.
    static let maximumPasswordBytes = 72

    func register(on table: RouteTable) {
        registerGroups(on: table)
        registerMembers(on: table)
        registerPhones(on: table)
        registerUsers(on: table)
    }

    // MARK: - Groups

    private static let groupFields: Set<String> = ["number", "name", "members", "rule", "repetitions", "repeatInterval", "escalation"]

    private func registerGroups(on table: RouteTable) {
        table.get("/api/groups") { _, _ in
            let groups = try await APIError.guarding { try await directory.groups() }
            return JSONResponse.make(DirectoryRepresentation.list("groups", groups.map(DirectoryRepresentation.group)))
        }
        table.post("/api/groups") { request, _ in
            let fields = try await JSONFields.read(request, allowed: Self.groupFields)
            var group = Group(number: try fields.requiredText("number"), name: try fields.requiredText("name"))
            try await apply(fields, to: &group)
            let created = try await APIError.guarding { try await directory.createGroup(group) }
            return JSONResponse.make(DirectoryRepresentation.group(created), status: .created)
        }
        table.get("/api/groups/:id") { _, context in
            JSONResponse.make(DirectoryRepresentation.group(try await existingGroup(try context.id())))
        }
        table.put("/api/groups/:id") { request, context in
            var group = try await existingGroup(try context.id())
            let fields = try await JSONFields.read(request, allowed: Self.groupFields)
            if let number = try fields.optionalText("number") { group.number = number }
            if let name = try fields.optionalText("name") { group.name = name }
            try await apply(fields, to: &group)
            let updated = try await APIError.guarding { try await directory.updateGroup(group) }
            return JSONResponse.make(DirectoryRepresentation.group(updated))
        }
        table.delete("/api/groups/:id") { _, context in
            let id = try await existingGroup(try context.id()).id
            try await APIError.guarding { try await directory.deleteGroup(id: id) }
            return JSONResponse.noContent()
        }
    }

    private func apply(_ fields: JSONFields, to group: inout Group) async throws(APIError) {
        if let members = try fields.integers("members") {
            if Set(members).count != members.count {
                throw .invalid(field: "members", message: "members lists a member more than once")
            }
            for id in members where try await APIError.guarding({ try await directory.member(id: id) }) == nil {
                throw .invalid(field: "members", message: "no member \(id)")
            }
            group.memberIDs = members
        }
        if let rule = try fields.word("rule", { AcknowledgementRule(rawValue: $0.lowercased()) }, allowed: AcknowledgementRule.allCases.map(\.rawValue)) {
            group.rule = rule
        }
        if let repetitions = try fields.integer("repetitions", in: Group.repetitionsRange) { group.repetitions = repetitions }
        if let interval = try fields.integer("repeatInterval", in: Group.repeatIntervalRange) { group.repeatInterval = interval }
        if let chain = try EscalationRepresentation.read(fields.given("escalation")) { group.escalation = chain }
    }

    private func existingGroup(_ id: Int64) async throws(APIError) -> Group {
        guard let group = try await APIError.guarding({ try await directory.group(id: id) }) else {
            throw .notFound(field: "id", message: "no group \(id)")
        }
        return group
    }

    // MARK: - Members

    private static let memberFields: Set<String> = ["userName", "name", "phoneId", "presence", "presenceMessage"]
    private static let presenceWords = Presence.allCases.map(\.rawValue)

    private func registerMembers(on table: RouteTable) {
        table.get("/api/members") { _, _ in
            let members = try await APIError.guarding { try await directory.members() }
            return JSONResponse.make(DirectoryRepresentation.list("members", members.map(DirectoryRepresentation.member)))
        }
        table.post("/api/members") { request, _ in
            let fields = try await JSONFields.read(request, allowed: Self.memberFields)
            let userName = try fields.requiredText("userName")
            guard let phoneID = try fields.integer("phoneId") else { throw APIError.invalid(field: "phoneId", message: "phoneId is required") }
            var member = Member(userName: userName, name: try fields.optionalText("name") ?? userName, phoneID: phoneID)
            try await apply(fields, to: &member)
            let created = try await APIError.guarding { try await directory.createMember(member) }
            return JSONResponse.make(DirectoryRepresentation.member(created), status: .created)
        }
        table.get("/api/members/:id") { _, context in
            JSONResponse.make(DirectoryRepresentation.member(try await existingMember(try context.id())))
        }
        table.put("/api/members/:id") { request, context in
            var member = try await existingMember(try context.id())
            let fields = try await JSONFields.read(request, allowed: Self.memberFields)
            if let userName = try fields.optionalText("userName") { member.userName = userName }
            if let name = try fields.optionalText("name") { member.name = name }
            if let phoneID = try fields.integer("phoneId") { member.phoneID = phoneID }
            try await apply(fields, to: &member)
            let updated = try await APIError.guarding { try await directory.updateMember(member) }
            return JSONResponse.make(DirectoryRepresentation.member(updated))
        }
        table.delete("/api/members/:id") { _, context in
            let id = try await existingMember(try context.id()).id
            try await APIError.guarding { try await directory.deleteMember(id: id) }
            return JSONResponse.noContent()
        }
    }

    private func apply(_ fields: JSONFields, to member: inout Member) async throws(APIError) {
        if let presence = try fields.word("presence", { Presence(rawValue: $0.lowercased()) }, allowed: Self.presenceWords) {
            member.presence = presence
        }
        if let message = try fields.string("presenceMessage") { member.presenceMessage = message }
        let phoneID = member.phoneID
        guard try await APIError.guarding({ try await directory.phone(id: phoneID) }) != nil else {
            throw .invalid(field: "phoneId", message: "no phone \(phoneID)")
        }
    }

    private func existingMember(_ id: Int64) async throws(APIError) -> Member {
        guard let member = try await APIError.guarding({ try await directory.member(id: id) }) else {
            throw .notFound(field: "id", message: "no member \(id)")
        }
        return member
    }

    // MARK: - Phones

    private static let phoneFields: Set<String> = ["name", "driver", "address"]

    private func registerPhones(on table: RouteTable) {
        table.get("/api/phones") { _, _ in
            let phones = try await APIError.guarding { try await directory.phones() }
            return JSONResponse.make(DirectoryRepresentation.list("phones", phones.map(DirectoryRepresentation.phone)))
        }
        table.post("/api/phones") { request, _ in
            let fields = try await JSONFields.read(request, allowed: Self.phoneFields)
            let phone = Phone(name: try fields.requiredText("name"), driver: try fields.requiredText("driver"), address: try fields.requiredText("address"))
            let created = try await APIError.guarding { try await directory.createPhone(phone) }
            return JSONResponse.make(DirectoryRepresentation.phone(created), status: .created)
        }
        table.get("/api/phones/:id") { _, context in
            JSONResponse.make(DirectoryRepresentation.phone(try await existingPhone(try context.id())))
        }
        table.put("/api/phones/:id") { request, context in
            var phone = try await existingPhone(try context.id())
            let fields = try await JSONFields.read(request, allowed: Self.phoneFields)
            if let name = try fields.optionalText("name") { phone.name = name }
            if let driver = try fields.optionalText("driver") { phone.driver = driver }
            if let address = try fields.optionalText("address") { phone.address = address }
            let updated = try await APIError.guarding { try await directory.updatePhone(phone) }
            return JSONResponse.make(DirectoryRepresentation.phone(updated))
        }
        table.delete("/api/phones/:id") { _, context in
            let id = try await existingPhone(try context.id()).id
            try await APIError.guarding { try await directory.deletePhone(id: id) }
            return JSONResponse.noContent()
        }
        table.get("/api/phones/:id/history") { _, context in
            let id = try await existingPhone(try context.id()).id
            let alarms = try await APIError.guarding { try await journal.history(phoneID: id, limit: 5) }
            return JSONResponse.make(AlarmRepresentation.alarms(alarms))
        }
    }

    private func existingPhone(_ id: Int64) async throws(APIError) -> Phone {
        guard let phone = try await APIError.guarding({ try await directory.phone(id: id) }) else {
            throw .notFound(field: "id", message: "no phone \(id)")
        }
        return phone
    }

    // MARK: - Users

    private func registerUsers(on table: RouteTable) {
        table.get("/api/users") { _, _ in
            let users = try await APIError.guarding { try await directory.users() }
            return JSONResponse.make(DirectoryRepresentation.list("users", users.map(DirectoryRepresentation.user)))
        }
        table.post("/api/users") { request, context in
            let fields = try await JSONFields.read(request, allowed: ["name", "password"])
            let name = try fields.requiredText("name")
            guard let password = try fields.string("password"), !password.isEmpty else {
                throw APIError.invalid(field: "password", message: "password is required")
            }
            guard password.utf8.count <= Self.maximumPasswordBytes else {
                throw APIError.invalid(field: "password", message: "password must be at most \(Self.maximumPasswordBytes) bytes (bcrypt ignores the rest)")
            }
            let cost = bcryptCost
            let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
            let created = try await APIError.guarding { try await directory.createUser(User(name: name, passwordHash: hash)) }
            context.logger.notice("user created through REST", metadata: ["user": "\(name)", "by": "\(context.requiredCaller.actorName)"])
            return JSONResponse.make(DirectoryRepresentation.user(created), status: .created)
        }
        table.delete("/api/users/:id") { _, context in
            let id = try context.id()
            let users = try await APIError.guarding { try await directory.users() }
            guard users.contains(where: { $0.id == id }) else { throw APIError.notFound(field: "id", message: "no user \(id)") }
            try await APIError.guarding { try await directory.deleteUser(id: id) }
            context.logger.notice("user deleted through REST", metadata: ["user": "\(id)", "by": "\(context.requiredCaller.actorName)"])
            return JSONResponse.noContent()
        }
    }
}
