import Testing
@testable import CSTA

typealias Action = CSTAAction<TestInstant>

let ed3 = #"xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3""#
let appl = #"xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session""#

/// ECSS-10 A's dynamic device ID in the seed's events (samples 9, 12).
let seedDeviceA = "725:::MV80MTQ4Nzg5MjgwQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk3ODIyMzA2MDQ1MDMxMDIw#MzE3MDY1Nzk5NA=="
/// The callID of the seed's call from 725 to 722 (samples 9–13).
let seedCallID = "f76e9d66720eb32d"

/// A MakeCallResponse for the seed's call, shaped like sample 15.
let seedMakeCallResponse = "<MakeCallResponse \(ed3)><callingDevice><deviceID typeOfNumber=\"dialingNumber\">\(seedDeviceA)</deviceID><callID>\(seedCallID)</callID></callingDevice></MakeCallResponse>"

/// The seed's events with their callID (they all carry f76e9d66720eb32d).
func eltexEvent(_ xml: String) -> [UInt8] { annexJ(xml, invokeID: 9999) }

/// Drives an ECSS-10 session through framed bytes with an injected clock.
struct EltexDriver {
    var session: CSTASession<TestInstant>

    init(configuration: CSTASessionConfiguration = .eltexECSS10(userName: "p.city", password: "1234", callingDevices: ["725"])) {
        session = CSTASession(configuration: configuration)
    }

    /// Connects and answers StartApplicationSession (300 s granted), MonitorStart and an empty
    /// SnapshotDevice, at `t`; returns the actions of the last step (which holds `linkUp`).
    @discardableResult
    mutating func bringUp(at t: Double = 0, attempt: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) -> [Action] {
        if session.phase == .idle { _ = session.start(at: .seconds(t)) }
        let opened = session.connected(attempt: attempt, at: .seconds(t))
        let start = sentFrames(opened)
        #expect(start.map(\.name) == ["StartApplicationSession"], sourceLocation: sourceLocation)
        let monitor = sentFrames(session.received(annexJ(EltexSeed.startApplicationSessionPosResponse, invokeID: start[0].invokeID!), at: .seconds(t)))
        #expect(monitor.map(\.name) == ["MonitorStart"], sourceLocation: sourceLocation)
        let snapshot = sentFrames(session.received(annexJ(EltexSeed.monitorStartResponse, invokeID: monitor[0].invokeID!), at: .seconds(t)))
        #expect(snapshot.map(\.name) == ["SnapshotDevice"], sourceLocation: sourceLocation)
        let actions = session.received(annexJ("<SnapshotDeviceResponse \(ed3)><crossRefIDorSnapshotData><snapshotData/></crossRefIDorSnapshotData></SnapshotDeviceResponse>",
                                              invokeID: snapshot[0].invokeID!), at: .seconds(t))
        #expect(actions.contains(.linkUp(sessionID: "f76e5fe9c5e0d444", sessionDuration: .seconds(300))), sourceLocation: sourceLocation)
        #expect(session.phase == .up, sourceLocation: sourceLocation)
        return actions
    }

    /// Places a call 725 → 722 and answers MakeCall with the seed's call.
    mutating func placeSeedCall(_ token: UInt64 = 1, noAnswerAfter: Duration = .seconds(30), at t: Double,
                                sourceLocation: SourceLocation = #_sourceLocation) -> (placed: [Action], originated: [Action]) {
        let placed = session.placeCall(CSTACallToken(token), from: "725", to: "722", noAnswerAfter: noAnswerAfter, at: .seconds(t))
        let frames = sentFrames(placed)
        #expect(frames.map(\.name) == ["MakeCall"], sourceLocation: sourceLocation)
        let originated = session.received(annexJ(seedMakeCallResponse, invokeID: frames.first?.invokeID ?? 0), at: .seconds(t))
        return (placed, originated)
    }
}

/// Drives a Uni-tel session through NUL-framed bytes.
struct UniTelDriver {
    var session: CSTASession<TestInstant>

    static let configuration = CSTASessionConfiguration.uniTel(
        userID: "test@mydomain", password: "bla.bla", pbxDomain: "12345678.pbx.one-connect.dk", callingDevices: ["123"])

    init(configuration: CSTASessionConfiguration = UniTelDriver.configuration) {
        session = CSTASession(configuration: configuration)
    }

    mutating func sent(_ actions: [Action]) -> [SentFrame] { sentFrames(actions, framing: .nulDelimited) }

    @discardableResult
    mutating func bringUp(at t: Double = 0, sourceLocation: SourceLocation = #_sourceLocation) -> [Action] {
        if session.phase == .idle { _ = session.start(at: .seconds(t)) }
        guard case .connecting(let attempt) = session.phase else {
            Issue.record("not connecting", sourceLocation: sourceLocation)
            return []
        }
        #expect(sent(session.connected(attempt: attempt, at: .seconds(t))).map(\.name) == ["StartApplicationSession"], sourceLocation: sourceLocation)
        let granted = "<StartApplicationSessionPosResponse><sessionID>2e853292-bacf-418e-aa1e-86d9a88ea942</sessionID><actualProtocolVersion>http://www.ecma-international.org/standards/ecma-323/csta/ed3</actualProtocolVersion><actualSessionDuration>20</actualSessionDuration></StartApplicationSessionPosResponse>"
        #expect(sent(session.received(nul(granted), at: .seconds(t))).map(\.xml)
                == ["<MonitorStart><monitorObject><deviceObject>123</deviceObject></monitorObject></MonitorStart>"], sourceLocation: sourceLocation)
        #expect(sent(session.received(nul("<MonitorStartResponse><monitorCrossRefID>123-1444294019863</monitorCrossRefID></MonitorStartResponse>"), at: .seconds(t))).map(\.xml)
                == ["<SnapshotDevice><snapshotObject>123@12345678.pbx.one-connect.dk</snapshotObject></SnapshotDevice>"], sourceLocation: sourceLocation)
        let actions = session.received(nul("<SnapshotDeviceResponse><snapshotData><snapshotDeviceResponseInfo/></snapshotData></SnapshotDeviceResponse>"), at: .seconds(t))
        #expect(actions.contains(.linkUp(sessionID: "2e853292-bacf-418e-aa1e-86d9a88ea942", sessionDuration: .seconds(20))), sourceLocation: sourceLocation)
        return actions
    }
}
