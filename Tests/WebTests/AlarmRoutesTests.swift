import Alarming
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Web

@Suite("REST alarms")
struct AlarmRoutesTests {
    static let t0 = TestWorld.startText

    /// The alarm as a raise answers it: journalled already routed, its one push not yet made.
    static func raisedAlarm(id: Int64, group: String = "12", text: String, priority: String, name: String, reference: String?) -> String {
        let ref = reference.map { "\"\($0)\"" } ?? "null"
        return """
            {"id":\(id),"state":"dispatching","endReason":null,"group":"\(group)","phone":null,"routedGroup":"\(group)","routingNote":null,\
            "text":"\(text)","priority":"\(priority)","source":{"kind":"rest","name":"\(name)"},"reference":\(ref),"callbackNumber":null,\
            "receivedAt":"\(t0)","updatedAt":"\(t0)","acknowledgedAt":null,"acknowledgedBy":null,"endedAt":null,"endedBy":null,\
            "revision":0,"deliveries":[{"phoneId":1,"memberId":1,"name":"Anna","driver":"webhook","address":"http://127.0.0.1:9/phone",\
            "status":"pending","attempts":0,"repetitions":0,"lastOutcome":null,"updatedAt":"\(t0)"}]}
            """
    }

    @Test func raisingAnswers201WithTheJournalledAlarmAndTheUserAsSource() async throws {
        try await withWorld { world in
            try await world.staffedGroup()
            try await world.application.test(.router) { client in
                let response = try await client.execute(
                    uri: "/api/alarms", method: .post, headers: HTTP.admin,
                    body: HTTP.json(#"{"group":"12","text":"Room 12 bed 1","priority":"high","reference":"abc"}"#)
                )
                #expect(response.status == .created)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.text == Self.raisedAlarm(id: 1, text: "Room 12 bed 1", priority: "High", name: "admin", reference: "abc"))
            }
            // 201 means journalled: the store has it.
            let stored = try #require(try await world.store.journal.alarm(id: 1))
            #expect(stored.request.text == "Room 12 bed 1")
            #expect(stored.request.source == AlarmSource(kind: .rest, name: "admin"))
        }
    }

    @Test func priorityDefaultsToStandardAndPhoneTargetsAreAccepted() async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                let response = try await client.execute(
                    uri: "/api/alarms", method: .post, headers: HTTP.admin,
                    body: HTTP.json(#"{"phone":"4711","text":"Call back","callbackNumber":"200"}"#)
                )
                #expect(response.status == .created)
                let json = try response.json
                #expect(json["priority"] == .string("Standard"))
                #expect(json["phone"] == .string("4711"))
                #expect(json["group"] == .null)
                #expect(json["callbackNumber"] == .string("200"))
            }
        }
    }

    @Test(arguments: [
        (#"{"group":"12"}"#, errorJSON("text", "text is required")),
        (#"{"group":"12","text":""}"#, errorJSON("text", "text must not be empty")),
        (#"{"group":"12","text":"   "}"#, errorJSON("text", "text must not be empty")),
        (#"{"group":"12","text":42}"#, errorJSON("text", "text must be a string, not a number")),
        (#"{"group":"12","text":"x","priority":"Urgent"}"#, errorJSON("priority", #"priority must be one of Emergency, High, Medium, Standard, Low, not "Urgent""#)),
        (#"{"group":12,"text":"x"}"#, errorJSON("group", "group must be a string, not a number")),
        (#"{"text":"x"}"#, errorJSON("group", "group (or phone) is required")),
        (#"{"group":"12","phone":"4711","text":"x"}"#, errorJSON("phone", "give either group or phone, not both")),
        (#"{"group":"12","text":"x","priorty":"High"}"#, errorJSON("priorty", "unknown field priorty; allowed: callbackNumber, group, phone, priority, reference, text")),
        (#"{"group":"12","text":"x""#, errorJSON(nil, "the request body is not valid JSON")),
        (#"["group"]"#, errorJSON(nil, "the request body must be a JSON object, not an array")),
        ("", errorJSON(nil, "the request body is empty; a JSON object is required")),
    ])
    func raisingRefusesBadInputNamingTheField(body: String, expected: String) async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                let response = try await client.execute(uri: "/api/alarms", method: .post, headers: HTTP.admin, body: HTTP.json(body))
                #expect(response.status == .badRequest)
                #expect(response.text == expected)
            }
            #expect(try await world.store.journal.alarms(matching: AlarmQuery()).isEmpty)
        }
    }

    @Test func oversizedBodiesAreRefusedWith413() async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                let text = String(repeating: "x", count: JSONFields.maximumBodySize)
                let response = try await client.execute(uri: "/api/alarms", method: .post, headers: HTTP.admin, body: HTTP.json(#"{"group":"1","text":"\#(text)"}"#))
                #expect(response.status == .contentTooLarge)
                #expect(response.text == errorJSON(nil, "the request body is larger than 65536 bytes"))
            }
            #expect(try await world.store.journal.alarms(matching: AlarmQuery()).isEmpty)
        }
    }

    @Test func readingAnAlarmItsJournalAndUnknownIds() async throws {
        try await withWorld { world in
            let (_, member, phone) = try await world.staffedGroup()
            let delivered = try await world.awaitEvent({ if case .delivery(_, .accepted) = $0.change { true } else { false } }) {
                _ = try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .espax, name: "panel"), target: .group("12"), text: "Bed 1", priority: .high))
            }
            #expect(delivered.alarm.id == 1)
            try await world.application.test(.router) { client in
                let response = try await client.execute(uri: "/api/alarms/1", method: .get, headers: HTTP.admin)
                #expect(response.status == .ok)
                let json = try response.json
                #expect(json["state"] == .string("delivered"))
                #expect(json["routedGroup"] == .string("12"))
                #expect(json["source"] == .object([("kind", .string("espax")), ("name", .string("panel"))]))
                let delivery = """
                    {"phoneId":\(phone.id),"memberId":\(member.id),"name":"Anna","driver":"webhook","address":"http://127.0.0.1:9/phone",\
                    "status":"accepted","attempts":1,"repetitions":0,"lastOutcome":"accepted: HTTP 200","updatedAt":"\(Self.t0)"}
                    """
                #expect(json["deliveries"] == .array([try JSONValue.parse(Array(delivery.utf8))]))

                let journal = try await client.execute(uri: "/api/alarms/1/journal", method: .get, headers: HTTP.admin)
                #expect(journal.status == .ok)
                guard case .array(let entries) = try journal.json["entries"] else {
                    Issue.record("entries is not an array: \(journal.text)")
                    return
                }
                #expect(entries.first?["kind"] == .string("received"))
                #expect(entries.first?["at"] == .string(Self.t0))
                let outcome = try #require(entries.first { $0["kind"] == .string("outcome") })
                #expect(outcome["phoneId"] == .int(phone.id))
                #expect(outcome["status"] == .string("accepted"))
                #expect(outcome["detail"] == .string("accepted: HTTP 200"))

                let missing = try await client.execute(uri: "/api/alarms/99", method: .get, headers: HTTP.admin)
                #expect(missing.status == .notFound)
                #expect(missing.text == errorJSON("id", "no alarm 99"))
                let missingJournal = try await client.execute(uri: "/api/alarms/99/journal", method: .get, headers: HTTP.admin)
                #expect(missingJournal.status == .notFound)
                let bad = try await client.execute(uri: "/api/alarms/abc", method: .get, headers: HTTP.admin)
                #expect(bad.status == .badRequest)
                #expect(bad.text == errorJSON("id", #"id in the path must be a positive integer, not "abc""#))
            }
        }
    }

    @Test func listingFiltersAndRefusesBadFilters() async throws {
        try await withWorld { world in
            let rest = AlarmSource(kind: .rest, name: "admin")
            _ = try await world.service.raise(AlarmRequest(source: rest, target: .group("1"), text: "first", priority: .low))
            world.clock.advance(by: .seconds(60))
            _ = try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .espa444, name: "port1"), target: .group("2"), text: "second", priority: .high))
            try await world.application.test(.router) { client in
                func ids(_ query: String) async throws -> [JSONValue] {
                    let response = try await client.execute(uri: "/api/alarms" + query, method: .get, headers: HTTP.admin)
                    #expect(response.status == .ok, "\(query): \(response.text)")
                    guard case .array(let alarms) = try response.json["alarms"] else { return [] }
                    return alarms.map { $0["id"] ?? .null }
                }
                #expect(try await ids("") == [.int(2), .int(1)])
                #expect(try await ids("?limit=1") == [.int(2)])
                #expect(try await ids("?group=1") == [.int(1)])
                #expect(try await ids("?source=espa444") == [.int(2)])
                #expect(try await ids("?priority=low") == [.int(1)])
                #expect(try await ids("?since=2027-01-15T08:00:30Z") == [.int(2)])
                #expect(try await ids("?until=2027-01-15T08:00:30.000Z") == [.int(1)])

                let cases: [(String, String)] = [
                    ("?state=closed", errorJSON("state", #"state must be open or ended, not "closed""#)),
                    ("?source=fax", errorJSON("source", #"source must be one of espa444, espax, rest, web, technical, not "fax""#)),
                    ("?priority=urgent", errorJSON("priority", #"priority must be one of Emergency, High, Medium, Standard, Low, not "urgent""#)),
                    ("?since=yesterday", errorJSON("since", #"since must be an ISO 8601 date such as 2027-01-15T08:00:00Z, not "yesterday""#)),
                    ("?limit=0", errorJSON("limit", #"limit must be an integer from 1 to 1000, not "0""#)),
                    ("?limit=many", errorJSON("limit", #"limit must be an integer from 1 to 1000, not "many""#)),
                    ("?grup=1", errorJSON("grup", "unknown query parameter grup; allowed: group, limit, priority, since, source, state, until")),
                ]
                for (query, expected) in cases {
                    let response = try await client.execute(uri: "/api/alarms" + query, method: .get, headers: HTTP.admin)
                    #expect(response.status == .badRequest, "\(query)")
                    #expect(response.text == expected)
                }
            }
        }
    }

    @Test func acknowledgingEndsTheAlarmAndNamesWhoDidIt() async throws {
        try await withWorld { world in
            let (_, _, phone) = try await world.staffedGroup()
            _ = try await world.awaitEvent({ if case .delivery = $0.change { true } else { false } }) {
                _ = try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "a"))
            }
            try await world.application.test(.router) { client in
                let response = try await client.execute(
                    uri: "/api/alarms/1/acknowledge", method: .post, headers: HTTP.admin,
                    body: HTTP.json(#"{"by":"Nurse Anna","phoneId":\#(phone.id)}"#)
                )
                #expect(response.status == .ok)
                let json = try response.json
                #expect(json["state"] == .string("ended"))
                #expect(json["endReason"] == .string("Finished"))
                #expect(json["acknowledgedBy"] == .string("Nurse Anna"))
                #expect(json["acknowledgedAt"] == .string(Self.t0))

                let again = try await client.execute(uri: "/api/alarms/1/acknowledge", method: .post, headers: HTTP.admin)
                #expect(again.status == .conflict)
                #expect(again.text == errorJSON("id", "alarm 1 has already ended"))

                let unknown = try await client.execute(uri: "/api/alarms/7/acknowledge", method: .post, headers: HTTP.admin)
                #expect(unknown.status == .notFound)
                #expect(unknown.text == errorJSON("id", "no alarm 7"))

                let wrongType = try await client.execute(uri: "/api/alarms/1/acknowledge", method: .post, headers: HTTP.admin, body: HTTP.json(#"{"phoneId":"3"}"#))
                #expect(wrongType.status == .badRequest)
                #expect(wrongType.text == errorJSON("phoneId", "phoneId must be an integer, not a string"))
            }
        }
    }

    @Test func acknowledgingWithoutABodyUsesTheAuthenticatedUser() async throws {
        try await withWorld { world in
            try await world.staffedGroup()
            _ = try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "a"))
            try await world.application.test(.router) { client in
                let response = try await client.execute(uri: "/api/alarms/1/acknowledge", method: .post, headers: HTTP.admin)
                #expect(response.status == .ok)
                #expect(try response.json["acknowledgedBy"] == .string("admin"))
                #expect(try response.json["endedBy"] == .string("admin"))
            }
        }
    }

    @Test func endingRecordsTheReasonAndRefusesEndedAndUnknownAlarms() async throws {
        try await withWorld { world in
            try await world.staffedGroup()
            _ = try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "a"))
            _ = try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "b"))
            try await world.application.test(.router) { client in
                let byDefault = try await client.execute(uri: "/api/alarms/1/end", method: .post, headers: HTTP.admin)
                #expect(byDefault.status == .ok)
                #expect(try byDefault.json["endReason"] == .string("Operator"))
                #expect(try byDefault.json["endedBy"] == .string("admin"))
                #expect(try byDefault.json["state"] == .string("ended"))

                let withReason = try await client.execute(uri: "/api/alarms/2/end", method: .post, headers: HTTP.admin, body: HTTP.json(#"{"reason":"client"}"#))
                #expect(withReason.status == .ok)
                #expect(try withReason.json["endReason"] == .string("Client"))

                let ended = try await client.execute(uri: "/api/alarms/1/end", method: .post, headers: HTTP.admin)
                #expect(ended.status == .conflict)
                #expect(ended.text == errorJSON("id", "alarm 1 has already ended"))

                let unknown = try await client.execute(uri: "/api/alarms/9/end", method: .post, headers: HTTP.admin)
                #expect(unknown.status == .notFound)

                let badReason = try await client.execute(uri: "/api/alarms/2/end", method: .post, headers: HTTP.admin, body: HTTP.json(#"{"reason":"Bored"}"#))
                #expect(badReason.status == .badRequest)
                #expect(badReason.text == errorJSON("reason", #"reason must be one of Finished, Client, Operator, Failure, Server, not "Bored""#))
            }
            #expect(try await world.store.journal.alarm(id: 1)?.endReason == .operator)
        }
    }

    @Test func healthReportsOpenAlarmsAndVersion() async throws {
        try await withWorld { world in
            try await world.staffedGroup()
            _ = try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "a"))
            try await world.application.test(.router) { client in
                let response = try await client.execute(uri: "/api/health", method: .get, headers: HTTP.admin)
                #expect(response.status == .ok)
                #expect(response.text == #"{"status":"ok","openAlarms":1,"version":"1.2.3-test"}"#)
            }
        }
    }
}
