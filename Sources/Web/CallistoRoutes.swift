import Alarming
import Hummingbird
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The compatibility surface for integrations written against the Callisto ManagerAssistant REST
/// manual (`/rest/groups/…`, `/rest/members/…`, with or without `.asp`, GET query or POST form).
/// It maps Callisto's model onto Tocsin's directory:
/// - a Callisto group is a Tocsin group; `gr_number` is its alarm number (the ESPA call address),
///   so unlike in Callisto it is mandatory in `addGroup`. `gr_rule`, `gr_repetitions` and
///   `gr_repeatInterval` set Tocsin's own group settings.
/// - a Callisto member is a Tocsin member, which exists once and can be in many groups;
///   `usr_Name` is its user name, `gm_shortName` its display name, and `mb_number` names its phone
///   by address (or by name): the phone must already be in the directory.
/// Answers are always HTTP 200 with the status in the XML, as Callisto does; an unknown call is a
/// 404.
struct CallistoRoutes {
    let directory: any Directory

    enum Status: String, Error, Sendable {
        case ok = "OK"
        case parameterMissing = "PARAMETER_MISSING"
        case invalidGroupID = "INVALID_GROUP_ID"
        case invalidMemberID = "INVALID_MEMBER_ID"
        case alreadyExists = "ALREADY_EXISTS"
        case invalidState = "INVALID_STATE"
        case invalidParameters = "INVALID_PARAMETERS"
        case error = "ERROR"
    }

    /// What a call answers: a bare status, an id with a status, or a list of elements.
    enum Answer: Sendable, Equatable {
        case status(Status)
        case identified(id: Int64?, status: Status)
        case elements([CallistoXML.Node])
    }

    static let groupCalls = ["addGroup", "deleteGroup", "editGroup", "getGroups"]
    static let memberCalls = ["addMember", "deleteMember", "editMember", "getMembers", "orderByUserList", "reorderMembers", "setPresence"]

    func register(on table: RouteTable) {
        for (area, calls) in [("groups", Self.groupCalls), ("members", Self.memberCalls)] {
            for call in calls {
                for path in ["/rest/\(area)/\(call)", "/rest/\(area)/\(call).asp"] {
                    for method in [HTTPRequest.Method.get, .post] {
                        table.on(method, path) { request, context in
                            try await respond(call, request, context)
                        }
                    }
                }
            }
        }
    }

    private func respond(_ call: String, _ request: Request, _ context: WebRequestContext) async throws -> Response {
        let parameters: FormParameters
        do {
            parameters = try await FormParameters.read(request)
        } catch {
            return Self.xml(call, .status(.error))
        }
        let answer = await perform(call, parameters, logger: context.logger)
        return Self.xml(call, answer)
    }

    static func xml(_ call: String, _ answer: Answer) -> Response {
        let document: String
        switch answer {
        case .status(let status):
            document = CallistoXML.document(request: call, status: status.rawValue)
        case .identified(let id, let status):
            var nodes: [CallistoXML.Node] = []
            if let id { nodes.append(.text("id", String(id))) }
            nodes.append(.text("status", status.rawValue))
            document = CallistoXML.document(request: call, response: nodes)
        case .elements(let nodes):
            document = CallistoXML.document(request: call, response: nodes)
        }
        let buffer = ByteBuffer(string: document)
        var headers = HTTPFields()
        headers[.contentType] = CallistoXML.contentType
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// Runs one call. Storage faults become `ERROR` and are logged; the caller learns no more.
    func perform(_ call: String, _ parameters: FormParameters, logger: Logger) async -> Answer {
        do {
            switch call {
            case "addGroup": return try await addGroup(parameters)
            case "deleteGroup": return try await deleteGroup(parameters)
            case "editGroup": return try await editGroup(parameters)
            case "getGroups": return try await getGroups(parameters)
            case "addMember": return try await addMember(parameters)
            case "deleteMember": return try await deleteMember(parameters)
            case "editMember": return try await editMember(parameters)
            case "getMembers": return try await getMembers(parameters)
            case "orderByUserList": return try await orderByUserList(parameters)
            case "reorderMembers": return try await reorderMembers(parameters)
            case "setPresence": return try await setPresence(parameters)
            default: return .status(.error)
            }
        } catch {
            logger.error("compatibility call failed", metadata: ["call": "\(call)", "error": "\(error)"])
            return Self.identifiesItself(call) ? .identified(id: nil, status: .error) : .status(.error)
        }
    }

    /// The calls whose answer carries `<id>` and `<status>` rather than a bare status.
    static func identifiesItself(_ call: String) -> Bool {
        ["addGroup", "deleteGroup", "editGroup", "addMember"].contains(call)
    }

    // MARK: - Groups

    private func addGroup(_ parameters: FormParameters) async throws -> Answer {
        guard let name = parameters["gr_name"], let number = parameters["gr_number"] else {
            return .identified(id: nil, status: .parameterMissing)
        }
        var group = Group(number: number, name: name)
        if let status = applyGroupSettings(parameters, to: &group) { return .identified(id: nil, status: status) }
        let groups = try await directory.groups()
        if groups.contains(where: { $0.name == name || $0.number == number }) {
            return .identified(id: nil, status: .alreadyExists)
        }
        do {
            let created = try await directory.createGroup(group)
            return .identified(id: created.id, status: .ok)
        } catch let error as DirectoryError {
            return .identified(id: nil, status: Self.status(for: error))
        }
    }

    private func editGroup(_ parameters: FormParameters) async throws -> Answer {
        guard let idText = parameters["gr_id"] else { return .identified(id: nil, status: .parameterMissing) }
        guard let id = Self.id(idText), var group = try await directory.group(id: id) else {
            return .identified(id: Self.id(idText), status: .invalidGroupID)
        }
        if let name = parameters["gr_name"] { group.name = name }
        if let number = parameters["gr_number"] { group.number = number }
        if let status = applyGroupSettings(parameters, to: &group) { return .identified(id: id, status: status) }
        let others = try await directory.groups().filter { $0.id != id }
        if others.contains(where: { $0.name == group.name || $0.number == group.number }) {
            return .identified(id: id, status: .alreadyExists)
        }
        do {
            _ = try await directory.updateGroup(group)
            return .identified(id: id, status: .ok)
        } catch let error as DirectoryError {
            return .identified(id: id, status: Self.status(for: error))
        }
    }

    private func deleteGroup(_ parameters: FormParameters) async throws -> Answer {
        guard let idText = parameters["gr_id"] else { return .identified(id: nil, status: .parameterMissing) }
        guard let id = Self.id(idText), try await directory.group(id: id) != nil else {
            return .identified(id: Self.id(idText), status: .invalidGroupID)
        }
        try await directory.deleteGroup(id: id)
        return .identified(id: id, status: .ok)
    }

    private func getGroups(_ parameters: FormParameters) async throws -> Answer {
        var groups = try await directory.groups()
        if let name = parameters["gr_name"] {
            groups = groups.filter { $0.name.lowercased().contains(name.lowercased()) }
        }
        if let idText = parameters["gr_id"] {
            let id = Self.id(idText)
            groups = groups.filter { $0.id == id }
        }
        return .elements(groups.map { group in
            .element("group", [
                .text("id", String(group.id)),
                .text("name", group.name),
                .text("number", group.number),
                .text("rule", group.rule.rawValue),
                .text("repetitions", String(group.repetitions)),
                .text("repeatInterval", String(group.repeatInterval)),
            ])
        })
    }

    /// Tocsin's own group settings; returns the status to answer when one is invalid.
    private func applyGroupSettings(_ parameters: FormParameters, to group: inout Group) -> Status? {
        if let text = parameters["gr_rule"] {
            guard let rule = AcknowledgementRule(rawValue: text.lowercased()) else { return .invalidParameters }
            group.rule = rule
        }
        if let text = parameters["gr_repetitions"] {
            guard let value = Int(text), Group.repetitionsRange.contains(value) else { return .invalidParameters }
            group.repetitions = value
        }
        if let text = parameters["gr_repeatInterval"] {
            guard let value = Int(text), Group.repeatIntervalRange.contains(value) else { return .invalidParameters }
            group.repeatInterval = value
        }
        return nil
    }

    // MARK: - Members

    /// The member named by `mb_id`, or else by `usr_Name`; `mb_id` wins when both are given.
    private enum MemberLookup {
        case missing
        case unknown
        case found(Member)
    }

    private func lookUpMember(_ parameters: FormParameters) async throws -> MemberLookup {
        if let idText = parameters["mb_id"] {
            guard let id = Self.id(idText), let member = try await directory.member(id: id) else { return .unknown }
            return .found(member)
        }
        if let userName = parameters["usr_Name"] {
            guard let member = try await directory.member(userName: userName) else { return .unknown }
            return .found(member)
        }
        return .missing
    }

    /// The phone `mb_number` names: by address first, then by name.
    private func phone(named number: String) async throws -> Phone? {
        if let phone = try await directory.phone(address: number) { return phone }
        return try await directory.phones().first { $0.name == number }
    }

    private func addMember(_ parameters: FormParameters) async throws -> Answer {
        guard let groupText = parameters["gr_id"], let userName = parameters["usr_Name"], let number = parameters["mb_number"] else {
            return .identified(id: nil, status: .parameterMissing)
        }
        guard let groupID = Self.id(groupText), var group = try await directory.group(id: groupID) else {
            return .identified(id: nil, status: .invalidGroupID)
        }
        guard let phone = try await phone(named: number) else { return .identified(id: nil, status: .invalidParameters) }
        var member: Member
        if var existing = try await directory.member(userName: userName) {
            if group.memberIDs.contains(existing.id) { return .identified(id: existing.id, status: .alreadyExists) }
            if existing.phoneID != phone.id || parameters["gm_shortName"] != nil {
                existing.phoneID = phone.id
                if let shortName = parameters["gm_shortName"] { existing.name = shortName }
                existing = try await directory.updateMember(existing)
            }
            member = existing
        } else {
            member = try await directory.createMember(Member(userName: userName, name: parameters["gm_shortName"] ?? userName, phoneID: phone.id))
        }
        group.memberIDs.append(member.id)
        _ = try await directory.updateGroup(group)
        return .identified(id: member.id, status: .ok)
    }

    private func deleteMember(_ parameters: FormParameters) async throws -> Answer {
        let member: Member
        switch try await lookUpMember(parameters) {
        case .missing: return .status(.parameterMissing)
        case .unknown: return .status(.invalidMemberID)
        case .found(let found): member = found
        }
        if let groupText = parameters["gr_id"] {
            guard let groupID = Self.id(groupText), var group = try await directory.group(id: groupID) else {
                return .status(.invalidGroupID)
            }
            guard group.memberIDs.contains(member.id) else { return .status(.invalidMemberID) }
            group.memberIDs.removeAll { $0 == member.id }
            _ = try await directory.updateGroup(group)
        } else {
            try await directory.deleteMember(id: member.id)
        }
        return .status(.ok)
    }

    private func editMember(_ parameters: FormParameters) async throws -> Answer {
        var member: Member
        switch try await lookUpMember(parameters) {
        case .missing: return .status(.parameterMissing)
        case .unknown: return .status(.invalidMemberID)
        case .found(let found): member = found
        }
        if let number = parameters["mb_number"] {
            guard let phone = try await phone(named: number) else { return .status(.invalidParameters) }
            member.phoneID = phone.id
        }
        if let shortName = parameters["gm_shortName"] { member.name = shortName }
        do {
            _ = try await directory.updateMember(member)
        } catch let error as DirectoryError {
            return .status(Self.status(for: error))
        }
        return .status(.ok)
    }

    private func getMembers(_ parameters: FormParameters) async throws -> Answer {
        var members = try await directory.members()
        var group: Group?
        if let groupText = parameters["gr_id"] {
            guard let groupID = Self.id(groupText), let found = try await directory.group(id: groupID) else {
                return .elements([])
            }
            group = found
            members = found.memberIDs.compactMap { id in members.first { $0.id == id } }
        }
        if let idText = parameters["mb_id"] {
            let id = Self.id(idText)
            members = members.filter { $0.id == id }
        }
        if let userName = parameters["usr_Name"] { members = members.filter { $0.userName == userName } }
        if let shortName = parameters["gm_shortName"] { members = members.filter { $0.name == shortName } }
        let phones = try await directory.phones()
        if let number = parameters["mb_number"] {
            let ids = Set(phones.filter { $0.address == number || $0.name == number }.map(\.id))
            members = members.filter { ids.contains($0.phoneID) }
        }
        return .elements(members.map { member in
            var nodes: [CallistoXML.Node] = [
                .text("id", String(member.id)),
                .text("userName", member.userName),
                .text("shortName", member.name),
                .text("number", phones.first { $0.id == member.phoneID }?.address ?? ""),
            ]
            if let group, let index = group.memberIDs.firstIndex(of: member.id) {
                nodes += [.text("grId", String(group.id)), .text("index", String(index + 1))]
            }
            nodes += [.text("userState", String(member.presence.code)), .text("statusMessage", member.presenceMessage)]
            return .element("member", nodes)
        })
    }

    private func orderByUserList(_ parameters: FormParameters) async throws -> Answer {
        guard let groupText = parameters["gr_id"], let list = parameters["usr_list"] else { return .status(.parameterMissing) }
        guard let groupID = Self.id(groupText), var group = try await directory.group(id: groupID) else {
            return .status(.invalidParameters)
        }
        var ordered: [Int64] = []
        for name in list.split(separator: ",").map(\.trimmed) {
            guard let member = try await directory.member(userName: name), group.memberIDs.contains(member.id), !ordered.contains(member.id) else {
                return .status(.invalidParameters)
            }
            ordered.append(member.id)
        }
        guard ordered.count == group.memberIDs.count else { return .status(.invalidParameters) }
        group.memberIDs = ordered
        _ = try await directory.updateGroup(group)
        return .status(.ok)
    }

    private func reorderMembers(_ parameters: FormParameters) async throws -> Answer {
        guard let groupText = parameters["gr_id"], let move = parameters["move"] else { return .status(.parameterMissing) }
        let member: Member
        switch try await lookUpMember(parameters) {
        case .missing: return .status(.parameterMissing)
        case .unknown: return .status(.invalidMemberID)
        case .found(let found): member = found
        }
        guard let groupID = Self.id(groupText), var group = try await directory.group(id: groupID),
              let index = group.memberIDs.firstIndex(of: member.id)
        else { return .status(.invalidParameters) }
        switch move.lowercased() {
        case "up": if index > 0 { group.memberIDs.swapAt(index, index - 1) }
        case "down": if index < group.memberIDs.count - 1 { group.memberIDs.swapAt(index, index + 1) }
        default: return .status(.invalidParameters)
        }
        _ = try await directory.updateGroup(group)
        return .status(.ok)
    }

    private func setPresence(_ parameters: FormParameters) async throws -> Answer {
        guard let stateText = parameters["presenceState"] else { return .status(.parameterMissing) }
        var member: Member
        switch try await lookUpMember(parameters) {
        case .missing: return .status(.parameterMissing)
        case .unknown: return .status(.invalidMemberID)
        case .found(let found): member = found
        }
        guard let code = Int(stateText), let presence = Presence(code: code) else { return .status(.invalidState) }
        member.presence = presence
        if let message = parameters.values["presenceMessage"] { member.presenceMessage = message }
        _ = try await directory.updateMember(member)
        return .status(.ok)
    }

    // MARK: - Helpers

    static func id(_ text: String) -> Int64? {
        guard let id = Int64(text), id > 0 else { return nil }
        return id
    }

    static func status(for error: DirectoryError) -> Status {
        switch error {
        case .alreadyExists: .alreadyExists
        case .invalid, .inUse: .invalidParameters
        case .notFound(let kind, _): kind == "group" ? .invalidGroupID : kind == "member" ? .invalidMemberID : .invalidParameters
        }
    }
}
