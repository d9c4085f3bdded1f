import Alarming

/// The JSON shapes of groups, members, phones and users. A user's password hash is never written:
/// it is the one secret the directory holds.
enum DirectoryRepresentation {
    static func group(_ group: Group) -> JSONValue {
        .object([
            ("id", .int(group.id)),
            ("number", .string(group.number)),
            ("name", .string(group.name)),
            ("members", .array(group.memberIDs.map(JSONValue.int))),
            ("rule", .string(group.rule.rawValue)),
            ("repetitions", .int(Int64(group.repetitions))),
            ("repeatInterval", .int(Int64(group.repeatInterval))),
            ("escalation", EscalationRepresentation.json(group.escalation)),
        ])
    }

    static func member(_ member: Member) -> JSONValue {
        .object([
            ("id", .int(member.id)),
            ("userName", .string(member.userName)),
            ("name", .string(member.name)),
            ("phoneId", .int(member.phoneID)),
            ("presence", .string(member.presence.rawValue)),
            ("presenceMessage", .string(member.presenceMessage)),
        ])
    }

    static func phone(_ phone: Phone) -> JSONValue {
        .object([
            ("id", .int(phone.id)),
            ("name", .string(phone.name)),
            ("driver", .string(phone.driver)),
            ("address", .string(phone.address)),
        ])
    }

    static func user(_ user: User) -> JSONValue {
        .object([("id", .int(user.id)), ("name", .string(user.name))])
    }

    static func list(_ key: String, _ items: [JSONValue]) -> JSONValue {
        .object([(key, .array(items))])
    }
}
