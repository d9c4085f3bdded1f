#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import ESPAX

@Suite("Process reporting: callisto and tracked")
struct ESPAXProcessReporterTests {
    static let process = ESPAXProcessIdentity(reference: "nc-0815-1", tan: 42, groupID: "0815")
    static let created = Date(timeIntervalSince1970: 1_735_732_805)
    static let phone = ESPAXDestinationOutcome(number: "4711", name: "Ward 3", outcome: .accepted)

    func reporter(_ mode: ESPAXReportingMode) -> ESPAXProcessReporter {
        ESPAXProcessReporter(mode: mode, sessionID: "S0001", process: Self.process)
    }

    func fields(_ messages: [ESPAXServerMessage], sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: String]] {
        for message in messages { expectValid(message, sourceLocation: sourceLocation) }
        return try messages.map { message in
            let document = try decoded(message)
            #expect(document.sessionID == "S0001", sourceLocation: sourceLocation)
            return document.fields.merging(["message": document.name]) { current, _ in current }
        }
    }

    @Test("IND.P-STARTED is Active with reference, TAN, group and creation time, in both modes")
    func started() throws {
        for mode in ESPAXReportingMode.allCases {
            #expect(try fields(reporter(mode).started(created: Self.created)) == [[
                "message": "IND.P-STARTED", "CP-PR-REF": "nc-0815-1", "CP-GROUPID": "0815", "SP-PR-TAN": "42",
                "SP-CREATED": "2025-01-01T12:00:05Z", "SP-STATUS": "Active",
            ]])
        }
    }

    @Test("callisto: P-ENDED Finished/None once the pushes are out, and nothing after")
    func callisto() throws {
        var reporter = reporter(.callisto)
        #expect(reporter.report(.destination(Self.phone), at: Self.created).isEmpty)
        #expect(try fields(reporter.report(.dispatched(anyAccepted: true), at: Self.created)) == [[
            "message": "IND.P-ENDED", "CP-PR-REF": "nc-0815-1", "CP-GROUPID": "0815", "SP-PR-TAN": "42",
            "SP-CREATED": "2025-01-01T12:00:05Z", "SP-ENDREASON": "Finished", "SP-RESULT": "None",
        ]])
        #expect(reporter.hasReportedEnd)
        #expect(reporter.report(.destination(ESPAXDestinationOutcome(number: "1", name: nil, outcome: .acknowledged)), at: nil).isEmpty)
        #expect(reporter.report(.ended(.finished, acknowledged: true, anyAccepted: true), at: nil).isEmpty)
        #expect(reporter.report(.dispatched(anyAccepted: true), at: nil).isEmpty)
    }

    @Test("callisto: nothing delivered ends as Failure/Negative")
    func callistoFailure() throws {
        var reporter = reporter(.callisto)
        let ended = try fields(reporter.report(.dispatched(anyAccepted: false), at: nil))
        #expect(ended.first?["SP-ENDREASON"] == "Failure")
        #expect(ended.first?["SP-RESULT"] == "Negative")
    }

    @Test("callisto: a stop before the pushes are out ends as Client, once")
    func callistoEarlyStop() throws {
        var reporter = reporter(.callisto)
        let ended = try fields(reporter.report(.ended(.client, acknowledged: false, anyAccepted: false, info: "stopped by REQ.P-STOP"), at: nil))
        #expect(ended == [["message": "IND.P-ENDED", "CP-PR-REF": "nc-0815-1", "CP-GROUPID": "0815", "SP-PR-TAN": "42",
                           "SP-ENDINFO": "stopped by REQ.P-STOP", "SP-ENDREASON": "Client", "SP-RESULT": "None"]])
        #expect(reporter.report(.dispatched(anyAccepted: true), at: nil).isEmpty)
    }

    @Test("tracked: an IND.P-EVENT per destination outcome, always with SS-RESULT")
    func trackedEvents() throws {
        var reporter = reporter(.tracked)
        #expect(reporter.report(.dispatched(anyAccepted: true), at: nil).isEmpty)
        let outcomes: [(ESPAXDestinationOutcome.Outcome, String)] = [(.accepted, "Reached"), (.acknowledged, "Accepted"), (.failed, "Not reached")]
        for (outcome, result) in outcomes {
            let event = try fields(reporter.report(.destination(ESPAXDestinationOutcome(number: "4711", name: "Ward 3", outcome: outcome)), at: nil))
            #expect(event == [["message": "IND.P-EVENT", "CP-PR-REF": "nc-0815-1", "SP-PR-TAN": "42", "SS-NETW-NO": "4711",
                               "SS-NETW-NAME": "Ward 3", "SS-DIRECTION": "Outbound", "SS-STATUS": "Completed", "SS-RESULT": result]])
        }
        #expect(!reporter.hasReportedEnd)
    }

    @Test("tracked: P-ENDED when the alarm ends, with the result it reached", arguments: [
        (ESPAXEndReason.finished, true, true, "Positive confirmed"),
        (.client, false, true, "Positive"),
        (.operator, false, true, "Positive"),
        (.failure, false, false, "Negative"),
        (.server, false, false, "Negative"),
    ])
    func trackedEnd(reason: ESPAXEndReason, acknowledged: Bool, anyAccepted: Bool, result: String) throws {
        var reporter = reporter(.tracked)
        let ended = try fields(reporter.report(.ended(reason, acknowledged: acknowledged, anyAccepted: anyAccepted), at: Self.created))
        #expect(ended.first?["SP-ENDREASON"] == reason.rawValue)
        #expect(ended.first?["SP-RESULT"] == result)
        #expect(reporter.report(.destination(Self.phone), at: nil).isEmpty)
        #expect(reporter.report(.ended(reason, acknowledged: acknowledged, anyAccepted: anyAccepted), at: nil).isEmpty)
    }

    @Test("IND.P-STATUS shows a reported end as Postprocessing")
    func status() throws {
        var reporter = reporter(.callisto)
        #expect(try fields([reporter.status(created: Self.created, acknowledged: false)]).first?["SP-STATUS"] == "Active")
        _ = reporter.report(.dispatched(anyAccepted: true), at: nil)
        let report = try fields([reporter.status(created: nil, acknowledged: true)])
        #expect(report == [["message": "IND.P-STATUS", "CP-PR-REF": "nc-0815-1", "CP-GROUPID": "0815", "SP-PR-TAN": "42",
                            "SP-STATUS": "Postprocessing", "SP-RESULT": "Positive confirmed", "SP-GETSTAT": "true"]])
        expectValid(.processSync(sessionID: "S0001"))
    }

    @Test("the Callisto sequence of espax.md §9 end to end: RSP.P-START, IND.P-STARTED, IND.P-ENDED")
    func callistoSequence() throws {
        var driver = SessionDriver()
        driver.logIn()
        let actions = driver.send(#"<REQ.P-START invokeID="2" sessionID="S0001"><CP-PR-REF>nc-0815-1</CP-PR-REF><CP-GROUPID>0815</CP-GROUPID><CP-TEXTMSG>FIRE ZONE 12 FLOOR 3</CP-TEXTMSG><CP-PRIO>Emergency</CP-PRIO><CP-ATTEMPTS>1</CP-ATTEMPTS></REQ.P-START>"#, number: 2, at: .seconds(5))
        guard case .startProcess(let start, let context) = try #require(actions.first) else { Issue.record("no startProcess"); return }
        // The caller journals alarm 42, then answers and reports.
        var reporter = ESPAXProcessReporter(mode: .callisto, sessionID: context.sessionID,
                                            process: ESPAXProcessIdentity(reference: start.reference, tan: 42, groupID: start.groupID, phoneNumber: start.phoneNumber))
        var sent: [ESPAXServerMessage] = []
        if let response = context.processStartResponse(.ok, reference: start.reference, tan: 42).message { sent.append(response) }
        sent += reporter.started(created: Self.created)
        sent += reporter.report(.dispatched(anyAccepted: true), at: Self.created)
        for message in sent { expectValid(message) }
        #expect(sent.map(\.name) == ["RSP.P-START", "IND.P-STARTED", "IND.P-ENDED"])
        #expect(sent.map(\.headerNumber) == [2, 0, 0])
        let documents = try sent.map(decoded)
        #expect(documents.allSatisfy { $0.sessionID == "S0001" && $0["CP-PR-REF"] == "nc-0815-1" && $0["SP-PR-TAN"] == "42" })
        #expect(documents[1]["CP-GROUPID"] == "0815" && documents[2]["CP-GROUPID"] == "0815")
        #expect(documents[2]["SP-RESULT"] == "None")
    }
}
