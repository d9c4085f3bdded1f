import Alarming
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Web

/// The router test client has no peer address, so it stands for a remote client; the live client
/// connects over 127.0.0.1 and so is a loopback client.
@Suite("Authentication")
struct AuthenticationTests {
    static let challenge = #"Basic realm="Tocsin""#

    @Test func remoteClientsWithoutCredentialsGet401WithAChallenge() async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                for uri in ["/api/health", "/api/alarms", "/", "/rest/groups/getGroups.asp"] {
                    let response = try await client.execute(uri: uri, method: .get)
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(response.headers[.wwwAuthenticate] == Self.challenge)
                    #expect(response.text == errorJSON(nil, "authentication required"))
                }
                let raise = try await client.execute(uri: "/api/alarms", method: .post, body: HTTP.json(#"{"group":"1","text":"x"}"#))
                #expect(raise.status == .unauthorized)
            }
            #expect(try await world.store.journal.alarms(matching: AlarmQuery()).isEmpty)
        }
    }

    @Test func goodPasswordIsLetInAndNamesTheSource() async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                let response = try await client.execute(uri: "/api/alarms", method: .post, headers: HTTP.admin, body: HTTP.json(#"{"group":"1","text":"x"}"#))
                #expect(response.status == .created)
                #expect(try response.json["source"] == .object([("kind", .string("rest")), ("name", .string("admin"))]))
            }
        }
    }

    @Test(arguments: [
        (HTTP.basic("admin", "wrong"), "wrong user name or password"),
        (HTTP.basic("nobody", TestWorld.adminPassword), "wrong user name or password"),
        (HTTP.basic("admin", ""), "wrong user name or password"),
        ([.authorization: "Bearer abc"] as HTTPFields, "the Authorization header must be HTTP Basic credentials"),
        ([.authorization: "Basic !!!notbase64"] as HTTPFields, "the Authorization header must be HTTP Basic credentials"),
        ([.authorization: "Basic YWRtaW4="] as HTTPFields, "the Authorization header must be HTTP Basic credentials"),
    ])
    func badCredentialsAreRefused(headers: HTTPFields, message: String) async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                let response = try await client.execute(uri: "/api/health", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == Self.challenge)
                #expect(response.text == errorJSON(nil, message))
            }
        }
    }

    @Test func loopbackIsExemptWhileThePolicySaysSoAndReloadsTakeEffect() async throws {
        try await withWorld { world in
            try await world.application.test(.live) { client in
                let raised = try await client.execute(uri: "/api/alarms", method: .post, body: HTTP.json(#"{"group":"1","text":"from the box"}"#))
                #expect(raised.status == .created)
                #expect(try raised.json["source"] == .object([("kind", .string("rest")), ("name", .string("loopback"))]))

                // Credentials sent from loopback are still checked, and used.
                let named = try await client.execute(uri: "/api/alarms", method: .post, headers: HTTP.admin, body: HTTP.json(#"{"group":"1","text":"x"}"#))
                #expect(try named.json["source"]?["name"] == .string("admin"))
                let wrong = try await client.execute(uri: "/api/health", method: .get, headers: HTTP.basic("admin", "nope"))
                #expect(wrong.status == .unauthorized)

                // A reload turns the exemption off for the very next request.
                world.policy.update(loopbackWithoutAuth: false)
                let refused = try await client.execute(uri: "/api/health", method: .get)
                #expect(refused.status == .unauthorized)
                #expect(refused.headers[.wwwAuthenticate] == Self.challenge)
                let withPassword = try await client.execute(uri: "/api/health", method: .get, headers: HTTP.admin)
                #expect(withPassword.status == .ok)

                world.policy.update(loopbackWithoutAuth: true)
                #expect(try await client.execute(uri: "/api/health", method: .get).status == .ok)
            }
        }
    }

    @Test func loopbackAcknowledgementsAreByWeb() async throws {
        try await withWorld { world in
            try await world.staffedGroup()
            _ = try await world.service.raise(AlarmRequest(source: AlarmSource(kind: .rest, name: "admin"), target: .group("12"), text: "a"))
            try await world.application.test(.live) { client in
                let response = try await client.execute(uri: "/api/alarms/1/acknowledge", method: .post)
                #expect(response.status == .ok)
                #expect(try response.json["acknowledgedBy"] == .string("web"))
            }
        }
    }

    @Test func serverReportsTheBoundPortWhenAskedForPortZero() async throws {
        try await withWorld { world in
            try await world.application.test(.live) { client in
                #expect(try await client.execute(uri: "/api/health", method: .get).status == .ok)
                let port = try #require(client.port)
                #expect(world.reportedPort.port == port)
                #expect(port > 0)
            }
        }
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.10.20.30", true), ("::1", true), ("::ffff:127.0.0.1", true),
        ("10.0.0.1", false), ("128.0.0.1", false), ("::2", false), ("::ffff:10.0.0.1", false), ("127.evil", false),
    ])
    func loopbackMeansTheWholeOf127AndIPv6Localhost(address: String, loopback: Bool) {
        #expect(WebRequestContext.isLoopback(address) == loopback)
    }

    @Test func noPeerAddressIsNotLoopback() {
        #expect(!WebRequestContext.isLoopback(nil))
    }

    @Test(arguments: [
        ("Basic YWRtaW46cGE6c3M=", "admin", "pa:ss"),
        ("basic   YWRtaW46", "admin", ""),
    ])
    func basicCredentialsSplitAtTheFirstColon(header: String, user: String, password: String) {
        let parsed = AuthenticationMiddleware.basicCredentials(header)
        #expect(parsed?.user == user)
        #expect(parsed?.password == password)
    }
}
