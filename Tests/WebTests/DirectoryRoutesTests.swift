import Alarming
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Storage
import Testing

@testable import Web

@Suite("REST directory")
struct DirectoryRoutesTests {
    @Test func phonesMembersAndGroupsRoundTrip() async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                let phone = try await client.execute(
                    uri: "/api/phones", method: .post, headers: HTTP.admin,
                    body: HTTP.json(#"{"name":"DECT 4711","driver":"webhook","address":"http://10.0.0.5/push"}"#)
                )
                #expect(phone.status == .created)
                #expect(phone.text == #"{"id":1,"name":"DECT 4711","driver":"webhook","address":"http://10.0.0.5/push"}"#)

                let member = try await client.execute(
                    uri: "/api/members", method: .post, headers: HTTP.admin,
                    body: HTTP.json(#"{"userName":"anna","name":"Anna","phoneId":1,"presence":"Busy"}"#)
                )
                #expect(member.status == .created)
                #expect(member.text == #"{"id":1,"userName":"anna","name":"Anna","phoneId":1,"presence":"busy","presenceMessage":""}"#)

                let group = try await client.execute(
                    uri: "/api/groups", method: .post, headers: HTTP.admin,
                    body: HTTP.json(#"{"number":"12","name":"Ward 3","members":[1],"rule":"all","repetitions":2,"repeatInterval":10}"#)
                )
                #expect(group.status == .created)
                #expect(group.text == #"{"id":1,"number":"12","name":"Ward 3","members":[1],"rule":"all","repetitions":2,"repeatInterval":10,"escalation":null}"#)

                let defaults = try await client.execute(uri: "/api/groups", method: .post, headers: HTTP.admin, body: HTTP.json(#"{"number":"13","name":"Ward 4"}"#))
                #expect(defaults.text == #"{"id":2,"number":"13","name":"Ward 4","members":[],"rule":"any","repetitions":0,"repeatInterval":30,"escalation":null}"#)

                let list = try await client.execute(uri: "/api/groups", method: .get, headers: HTTP.admin)
                #expect(list.text == #"{"groups":[\#(group.text),\#(defaults.text)]}"#)
                let one = try await client.execute(uri: "/api/groups/1", method: .get, headers: HTTP.admin)
                #expect(one.text == group.text)

                let changed = try await client.execute(uri: "/api/groups/1", method: .put, headers: HTTP.admin, body: HTTP.json(#"{"name":"Ward 3 North"}"#))
                #expect(changed.status == .ok)
                #expect(changed.text == #"{"id":1,"number":"12","name":"Ward 3 North","members":[1],"rule":"all","repetitions":2,"repeatInterval":10,"escalation":null}"#)

                let presence = try await client.execute(uri: "/api/members/1", method: .put, headers: HTTP.admin, body: HTTP.json(#"{"presence":"dnd","presenceMessage":"In theatre"}"#))
                #expect(presence.text == #"{"id":1,"userName":"anna","name":"Anna","phoneId":1,"presence":"dnd","presenceMessage":"In theatre"}"#)
                #expect(try await world.store.directory.member(id: 1)?.presence == .dnd)

                let members = try await client.execute(uri: "/api/members", method: .get, headers: HTTP.admin)
                #expect(members.text == #"{"members":[\#(presence.text)]}"#)
                let phones = try await client.execute(uri: "/api/phones", method: .get, headers: HTTP.admin)
                #expect(phones.text == #"{"phones":[\#(phone.text)]}"#)

                let renamed = try await client.execute(uri: "/api/phones/1", method: .put, headers: HTTP.admin, body: HTTP.json(#"{"address":"http://10.0.0.6/push"}"#))
                #expect(renamed.text == #"{"id":1,"name":"DECT 4711","driver":"webhook","address":"http://10.0.0.6/push"}"#)

                // A phone in use cannot go; once its member is gone it can.
                let inUse = try await client.execute(uri: "/api/phones/1", method: .delete, headers: HTTP.admin)
                #expect(inUse.status == .conflict)
                #expect(try inUse.json["error"]?["field"] == .null)
                #expect(try await client.execute(uri: "/api/members/1", method: .delete, headers: HTTP.admin).status == .noContent)
                #expect(try await world.store.directory.group(id: 1)?.memberIDs == [])
                #expect(try await client.execute(uri: "/api/phones/1", method: .delete, headers: HTTP.admin).status == .noContent)
                #expect(try await client.execute(uri: "/api/groups/2", method: .delete, headers: HTTP.admin).status == .noContent)
                #expect(try await world.store.directory.group(id: 2) == nil)
            }
        }
    }

    @Test func directoryRefusalsNameTheField() async throws {
        try await withWorld { world in
            let phone = try await world.store.directory.createPhone(Phone(name: "P", driver: "webhook", address: "http://x"))
            _ = try await world.store.directory.createGroup(Group(number: "12", name: "Ward 3"))
            try await world.application.test(.router) { client in
                let cases: [(HTTPRequest.Method, String, String, HTTPResponse.Status, String)] = [
                    (.post, "/api/groups", #"{"name":"Ward 9"}"#, .badRequest, errorJSON("number", "number is required")),
                    (.post, "/api/groups", #"{"number":"12","name":"Other"}"#, .conflict, errorJSON("number", "a group with number 12 already exists")),
                    (.post, "/api/groups", #"{"number":"14","name":"W","members":[99]}"#, .badRequest, errorJSON("members", "no member 99")),
                    (.post, "/api/groups", #"{"number":"14","name":"W","members":"1"}"#, .badRequest, errorJSON("members", "members must be an array of integers, not a string")),
                    (.post, "/api/groups", #"{"number":"14","name":"W","rule":"most"}"#, .badRequest, errorJSON("rule", #"rule must be one of any, all, not "most""#)),
                    (.post, "/api/groups", #"{"number":"14","name":"W","repetitions":21}"#, .badRequest, errorJSON("repetitions", "repetitions must be between 0 and 20, not 21")),
                    (.post, "/api/groups", #"{"number":"14","name":"W","repeatInterval":1}"#, .badRequest, errorJSON("repeatInterval", "repeatInterval must be between 2 and 60, not 1")),
                    (.put, "/api/groups/77", #"{"name":"x"}"#, .notFound, errorJSON("id", "no group 77")),
                    (.get, "/api/groups/0", "", .badRequest, errorJSON("id", #"id in the path must be a positive integer, not "0""#)),
                    (.post, "/api/members", #"{"userName":"bob"}"#, .badRequest, errorJSON("phoneId", "phoneId is required")),
                    (.post, "/api/members", #"{"userName":"bob","phoneId":42}"#, .badRequest, errorJSON("phoneId", "no phone 42")),
                    (.post, "/api/members", #"{"userName":"bob","phoneId":\#(phone.id),"presence":"asleep"}"#, .badRequest, errorJSON("presence", #"presence must be one of available, away, busy, dnd, offline, not "asleep""#)),
                    (.post, "/api/phones", #"{"name":"P2","driver":"webhook"}"#, .badRequest, errorJSON("address", "address is required")),
                    (.delete, "/api/members/5", "", .notFound, errorJSON("id", "no member 5")),
                    (.get, "/api/phones/5/history", "", .notFound, errorJSON("id", "no phone 5")),
                    (.delete, "/api/users/5", "", .notFound, errorJSON("id", "no user 5")),
                    (.post, "/api/users", #"{"name":"eve"}"#, .badRequest, errorJSON("password", "password is required")),
                    (.post, "/api/users", #"{"name":"eve","password":"\#(String(repeating: "p", count: 73))"}"#, .badRequest, errorJSON("password", "password must be at most 72 bytes (bcrypt ignores the rest)")),
                    (.post, "/api/users", #"{"name":"admin","password":"x"}"#, .conflict, errorJSON("name", "a user with name admin already exists")),
                ]
                for (method, uri, body, status, expected) in cases {
                    let response = try await client.execute(uri: uri, method: method, headers: HTTP.admin, body: body.isEmpty ? nil : HTTP.json(body))
                    #expect(response.status == status, "\(method) \(uri) \(body)")
                    #expect(response.text == expected, "\(method) \(uri) \(body)")
                }
            }
            #expect(try await world.store.directory.groups().count == 1)
            #expect(try await world.store.directory.members().isEmpty)
        }
    }

    @Test func usersAreStoredHashedAndHashesAreNeverReturned() async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                let created = try await client.execute(uri: "/api/users", method: .post, headers: HTTP.admin, body: HTTP.json(#"{"name":"nurse","password":"s3cret pw"}"#))
                #expect(created.status == .created)
                #expect(created.text == #"{"id":2,"name":"nurse"}"#)
                let list = try await client.execute(uri: "/api/users", method: .get, headers: HTTP.admin)
                #expect(list.text == #"{"users":[{"id":1,"name":"admin"},{"id":2,"name":"nurse"}]}"#)
                #expect(!list.text.contains("$2"))

                let stored = try #require(try await world.store.directory.user(name: "nurse"))
                #expect(stored.passwordHash.hasPrefix("$2b$04$"))
                #expect(Bcrypt.verify("s3cret pw", hash: stored.passwordHash))

                // The new account can log in.
                let asNurse = try await client.execute(uri: "/api/health", method: .get, headers: HTTP.basic("nurse", "s3cret pw"))
                #expect(asNurse.status == .ok)

                #expect(try await client.execute(uri: "/api/users/2", method: .delete, headers: HTTP.admin).status == .noContent)
                #expect(try await world.store.directory.user(name: "nurse") == nil)
                let gone = try await client.execute(uri: "/api/health", method: .get, headers: HTTP.basic("nurse", "s3cret pw"))
                #expect(gone.status == .unauthorized)
            }
        }
    }

    @Test func phoneHistoryListsTheAlarmsPushedToIt() async throws {
        try await withWorld { world in
            let (_, _, phone) = try await world.staffedGroup()
            for text in ["one", "two"] {
                _ = try await world.awaitEvent({ if case .delivery(_, .accepted) = $0.change { $0.alarm.request.text == text } else { false } }) {
                    _ = try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: text))
                }
            }
            try await world.application.test(.router) { client in
                let response = try await client.execute(uri: "/api/phones/\(phone.id)/history", method: .get, headers: HTTP.admin)
                #expect(response.status == .ok)
                guard case .array(let alarms) = try response.json["alarms"] else {
                    Issue.record("no alarms array: \(response.text)")
                    return
                }
                #expect(alarms.map { $0["text"] } == [.string("two"), .string("one")])
            }
        }
    }
}
