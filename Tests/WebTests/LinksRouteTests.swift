#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Web

@Suite("Links")
struct LinksRouteTests {
    @Test func listsEveryLinkWithStateSinceAndCounters() async throws {
        try await withWorld { world in
            world.links.set(LinkStatus(kind: "serial", name: "ward3", state: .up, detail: "/dev/tocsin/ward3 9600 7E2", counters: ["blocks": 2], since: TestWorld.start))
            world.links.set(LinkStatus(kind: "csta", name: "pbx", state: .down, detail: "connection refused", since: TestWorld.start))
            world.links.count(kind: "serial", name: "ward3", "naks")
            try await world.application.test(.router) { client in
                let response = try await client.execute(uri: "/api/links", method: .get, headers: HTTP.admin)
                #expect(response.status == .ok)
                #expect(response.text == #"{"links":[{"kind":"csta","name":"pbx","state":"down","detail":"connection refused","since":"\#(TestWorld.startText)","counters":{}},{"kind":"serial","name":"ward3","state":"up","detail":"/dev/tocsin/ward3 9600 7E2","since":"\#(TestWorld.startText)","counters":{"blocks":2,"naks":1}}]}"#)
            }
        }
    }

    @Test func aStateChangeMovesSinceAndTheSameStateKeepsIt() {
        let board = LinkBoard()
        let later = TestWorld.start.addingTimeInterval(60)
        board.set(LinkStatus(kind: "serial", name: "p", state: .up, since: TestWorld.start))
        board.set(LinkStatus(kind: "serial", name: "p", state: .up, detail: "still up", since: later))
        #expect(board.all.first?.since == TestWorld.start)
        #expect(board.all.first?.detail == "still up")
        board.set(LinkStatus(kind: "serial", name: "p", state: .absent, since: later))
        #expect(board.all.first?.since == later)
        board.remove(kind: "serial", name: "p")
        #expect(board.all.isEmpty)
    }
}
