#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A member's presence, with the codes of the Callisto-style `setPresence` call.
public enum Presence: String, Codable, Sendable, CaseIterable {
    case available
    case away
    case busy
    case dnd
    case offline

    /// Members in these states are skipped by the router.
    public var canTakeAlarms: Bool { self != .dnd && self != .offline }

    /// The `presenceState` code of the compatibility API: 0, 1, 3, 4, 6.
    public var code: Int {
        switch self {
        case .available: 0
        case .away: 1
        case .busy: 3
        case .dnd: 4
        case .offline: 6
        }
    }

    public init?(code: Int) {
        guard let match = Presence.allCases.first(where: { $0.code == code }) else { return nil }
        self = match
    }
}

/// A device an alarm can be pushed to: a Cisco phone, a SIP handset, a webhook URL.
public struct Phone: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var name: String
    /// The delivery driver's name, such as `webhook`.
    public var driver: String
    /// Where the driver reaches it: a URL, an IP address, a SIP URI, a number.
    public var address: String

    public init(id: Int64 = 0, name: String, driver: String, address: String) {
        self.id = id
        self.name = name
        self.driver = driver
        self.address = address
    }
}

/// A person (or a system) in one or more groups, reachable on one phone, with a presence.
public struct Member: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    /// The login-style name (Callisto `usr_Name`); unique.
    public var userName: String
    public var name: String
    public var phoneID: Int64
    public var presence: Presence
    public var presenceMessage: String

    public init(id: Int64 = 0, userName: String, name: String, phoneID: Int64, presence: Presence = .available, presenceMessage: String = "") {
        self.id = id
        self.userName = userName
        self.name = name
        self.phoneID = phoneID
        self.presence = presence
        self.presenceMessage = presenceMessage
    }
}

/// An alarm group. For ESPA sources `number` is the ESPA call address.
public struct Group: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var number: String
    public var name: String
    /// Member ids in delivery order.
    public var memberIDs: [Int64]
    public var rule: AcknowledgementRule
    /// How many times an unacknowledged alarm is pushed again after the first push.
    public var repetitions: Int
    /// Seconds between repetitions (2 to 60).
    public var repeatInterval: Int
    /// Whom to call through the PBX when an alarm is not acknowledged in time; nil for none.
    public var escalation: EscalationChain?

    public init(
        id: Int64 = 0,
        number: String,
        name: String,
        memberIDs: [Int64] = [],
        rule: AcknowledgementRule = .any,
        repetitions: Int = 0,
        repeatInterval: Int = 30,
        escalation: EscalationChain? = nil
    ) {
        self.id = id
        self.number = number
        self.name = name
        self.memberIDs = memberIDs
        self.rule = rule
        self.repetitions = repetitions
        self.repeatInterval = repeatInterval
        self.escalation = escalation
    }

    public static let repeatIntervalRange = 2...60
    public static let repetitionsRange = 0...20
}

/// A staff account for the REST API and the web page. Only the hash of the password is kept.
public struct User: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var name: String
    public var passwordHash: String

    public init(id: Int64 = 0, name: String, passwordHash: String) {
        self.id = id
        self.name = name
        self.passwordHash = passwordHash
    }
}

/// Why a directory change was refused. The messages name the field.
public enum DirectoryError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(kind: String, key: String)
    case alreadyExists(kind: String, field: String, value: String)
    case invalid(field: String, reason: String)
    case inUse(kind: String, key: String, by: String)

    public var description: String {
        switch self {
        case .notFound(let kind, let key): "no \(kind) \(key)"
        case .alreadyExists(let kind, let field, let value): "a \(kind) with \(field) \(value) already exists"
        case .invalid(let field, let reason): "\(field): \(reason)"
        case .inUse(let kind, let key, let by): "\(kind) \(key) is still used by \(by)"
        }
    }
}

/// A member as routing sees it: with the phone it uses, nil when that phone is gone.
public struct MemberWithPhone: Sendable, Hashable {
    public var member: Member
    public var phone: Phone?

    public init(member: Member, phone: Phone?) {
        self.member = member
        self.phone = phone
    }
}

/// Groups, members, phones and users. Storage implements it with SQLite; the web layer and the alarm
/// service use only this protocol. Creating returns the stored value with its id.
///
/// The three lookups routing makes for every alarm run on the caller's executor
/// (`nonisolated(nonsending)`): they are answered from memory, and hopping off the alarm service's
/// actor and back for each would cost more than the lookup.
public protocol Directory: Sendable {
    func groups() async throws -> [Group]
    func group(id: Int64) async throws -> Group?
    nonisolated(nonsending) func group(number: String) async throws -> Group?
    func createGroup(_ group: Group) async throws -> Group
    func updateGroup(_ group: Group) async throws -> Group
    func deleteGroup(id: Int64) async throws

    func members() async throws -> [Member]
    func member(id: Int64) async throws -> Member?
    /// The members with these ids, in that order, each with the phone it uses; ids of members that
    /// no longer exist are left out. One read, so that routing a 500-member group is not a thousand
    /// lookups one after another.
    nonisolated(nonsending) func membersWithPhones(ids: [Int64]) async throws -> [MemberWithPhone]
    func member(userName: String) async throws -> Member?
    func createMember(_ member: Member) async throws -> Member
    func updateMember(_ member: Member) async throws -> Member
    /// Deleting a member also removes it from every group.
    func deleteMember(id: Int64) async throws

    func phones() async throws -> [Phone]
    func phone(id: Int64) async throws -> Phone?
    nonisolated(nonsending) func phone(address: String) async throws -> Phone?
    func createPhone(_ phone: Phone) async throws -> Phone
    func updatePhone(_ phone: Phone) async throws -> Phone
    /// Refused with `inUse` while a member still uses the phone.
    func deletePhone(id: Int64) async throws

    func users() async throws -> [User]
    func user(name: String) async throws -> User?
    func createUser(_ user: User) async throws -> User
    func updateUser(_ user: User) async throws -> User
    func deleteUser(id: Int64) async throws
}
