import Alarming
import Hummingbird
import Logging

/// `/api/alarms`: raising, listing, reading, acknowledging and ending alarms, and an alarm's
/// journal. Raising answers `201` only after `AlarmService.raise` returned, that is once the alarm
/// is on disk.
struct AlarmRoutes {
    let service: AlarmService
    let journal: any AlarmJournal

    static let priorityWords = Priority.allCases.map(\.rawValue)

    func register(on table: RouteTable) {
        table.post("/api/alarms") { request, context in try await raise(request, context) }
        table.get("/api/alarms") { request, _ in try await list(request) }
        table.get("/api/alarms/:id") { _, context in
            let id = try context.id()
            guard let alarm = try await APIError.guarding({ try await service.alarm(id: id) }) else {
                throw APIError.notFound(field: "id", message: "no alarm \(id)")
            }
            return JSONResponse.make(AlarmRepresentation.alarm(alarm))
        }
        table.get("/api/alarms/:id/journal") { _, context in
            let id = try context.id()
            guard try await APIError.guarding({ try await service.alarm(id: id) }) != nil else {
                throw APIError.notFound(field: "id", message: "no alarm \(id)")
            }
            let records = try await APIError.guarding { try await journal.records(alarmID: id) }
            return JSONResponse.make(.object([("entries", .array(records.map(AlarmRepresentation.record)))]))
        }
        table.post("/api/alarms/:id/acknowledge") { request, context in
            let id = try context.id()
            let fields = try await JSONFields.read(request, allowed: ["by", "phoneId"], emptyAllowed: true)
            let person = try fields.optionalText("by") ?? context.requiredCaller.actorName
            let phoneID = try fields.integer("phoneId")
            let alarm = try await APIError.guarding { try await service.acknowledge(id, by: person, phoneID: phoneID) }
            return JSONResponse.make(AlarmRepresentation.alarm(alarm))
        }
        table.post("/api/alarms/:id/end") { request, context in
            let id = try context.id()
            let fields = try await JSONFields.read(request, allowed: ["reason"], emptyAllowed: true)
            let reason = try fields.word("reason", { text in EndReason.allCases.first { $0.rawValue.lowercased() == text.lowercased() } }, allowed: EndReason.allCases.map(\.rawValue)) ?? .operator
            let alarm = try await APIError.guarding { try await service.end(id, reason: reason, by: context.requiredCaller.actorName) }
            return JSONResponse.make(AlarmRepresentation.alarm(alarm))
        }
    }

    private func raise(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let fields = try await JSONFields.read(request, allowed: ["group", "phone", "text", "priority", "reference", "callbackNumber"])
        let group = try fields.optionalText("group")
        let phone = try fields.optionalText("phone")
        let target: AlarmTarget
        switch (group, phone) {
        case (let group?, nil): target = .group(group)
        case (nil, let phone?): target = .phone(phone)
        case (nil, nil): throw APIError.invalid(field: "group", message: "group (or phone) is required")
        case (.some, .some): throw APIError.invalid(field: "phone", message: "give either group or phone, not both")
        }
        let text = try fields.requiredText("text")
        let priority = try fields.word("priority", Priority.init(caseInsensitive:), allowed: Self.priorityWords) ?? .standard
        let alarmRequest = AlarmRequest(
            source: AlarmSource(kind: .rest, name: context.requiredCaller.sourceName),
            sourceReference: try fields.optionalText("reference"),
            target: target,
            text: text,
            priority: priority,
            callbackNumber: try fields.optionalText("callbackNumber")
        )
        let alarm = try await APIError.guarding { try await service.raise(alarmRequest) }
        context.logger.info("alarm raised through REST", metadata: ["alarm": "\(alarm.id)", "target": "\(target.value)", "by": "\(alarmRequest.source.name)"])
        return JSONResponse.make(AlarmRepresentation.alarm(alarm), status: .created)
    }

    private func list(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let known: Set<String> = ["state", "group", "source", "priority", "since", "until", "limit"]
        if let unknown = parameters.map({ String($0.key) }).sorted().first(where: { !known.contains($0) }) {
            throw APIError.invalid(field: unknown, message: "unknown query parameter \(unknown); allowed: \(known.sorted().joined(separator: ", "))")
        }
        var query = AlarmQuery()
        if let state = parameters.get("state") {
            switch state.lowercased() {
            case "open": query.open = true
            case "ended": query.open = false
            default: throw APIError.invalid(field: "state", message: "state must be open or ended, not \"\(state)\"")
            }
        }
        if let group = parameters.get("group") {
            guard !group.isEmpty else { throw APIError.invalid(field: "group", message: "group must not be empty") }
            query.group = group
        }
        if let source = parameters.get("source") {
            guard let kind = AlarmSource.Kind(rawValue: source.lowercased()) else {
                let kinds = AlarmSource.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.invalid(field: "source", message: "source must be one of \(kinds), not \"\(source)\"")
            }
            query.sourceKind = kind
        }
        if let priority = parameters.get("priority") {
            guard let value = Priority(caseInsensitive: priority) else {
                throw APIError.invalid(field: "priority", message: "priority must be one of \(Self.priorityWords.joined(separator: ", ")), not \"\(priority)\"")
            }
            query.priority = value
        }
        for key in ["since", "until"] {
            guard let text = parameters.get(key) else { continue }
            guard let date = WebDate.parse(text) else {
                throw APIError.invalid(field: key, message: "\(key) must be an ISO 8601 date such as 2027-01-15T08:00:00Z, not \"\(text)\"")
            }
            if key == "since" { query.since = date } else { query.until = date }
        }
        if let limit = parameters.get("limit") {
            guard let value = Int(limit), (1...1000).contains(value) else {
                throw APIError.invalid(field: "limit", message: "limit must be an integer from 1 to 1000, not \"\(limit)\"")
            }
            query.limit = value
        }
        let alarms = try await APIError.guarding { try await service.alarms(matching: query) }
        return JSONResponse.make(AlarmRepresentation.alarms(alarms))
    }
}
