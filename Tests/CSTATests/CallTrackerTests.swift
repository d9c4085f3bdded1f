import Testing
@testable import CSTA

@Suite("Call tracker, at the event level")
struct CallTrackerTests {
    typealias Tracker = CSTACallTracker<TestInstant>
    let a = CSTACallToken(1)
    let b = CSTACallToken(2)

    func originatedTracker() -> Tracker {
        var tracker = Tracker(answeredCallRetention: .seconds(600))
        _ = tracker.dialling(a, from: "725", to: "722", noAnswerAfter: .seconds(30))
        _ = tracker.originated(a, callingConnection: CSTAConnectionID(deviceID: "725:::x", callID: "c1"), at: .zero)
        return tracker
    }

    @Test("events before the MakeCallResponse adopt the callID by the calling device's number")
    func adoption() {
        var tracker = Tracker()
        _ = tracker.dialling(a, from: "725", to: "722", noAnswerAfter: .seconds(30))
        let delivered = CSTACallEvent(kind: .delivered, connection: CSTAConnectionID(deviceID: "722:::y", callID: "c9"),
                                      subjectDevice: "722:::y", callingDevice: "725:::x")
        #expect(tracker.handle(delivered, at: .seconds(1)) == [.state(a, .ringing(alertingDevice: "722:::y"))])
        #expect(tracker.isTracking(callID: "c9"))
        let established = CSTACallEvent(kind: .established, connection: CSTAConnectionID(deviceID: "722:::y", callID: "c9"), subjectDevice: "722:::y")
        #expect(tracker.handle(established, at: .seconds(2)) == [.state(a, .finished(.answered(answeringDevice: "722:::y")))])
    }

    @Test("a late ConnectionCleared of a finished call is not adopted by the next call from the same device")
    func lateEventOfAForgottenCall() {
        // Call a ends as busy; its ConnectionCleared comes only after call b has been dialled.
        var tracker = originatedTracker()
        _ = tracker.handle(CSTACallEvent(kind: .failed, connection: CSTAConnectionID(deviceID: "722:::y", callID: "c1"), cause: "busy"), at: .seconds(1))
        #expect(!tracker.isTracking(callID: "c1"))
        _ = tracker.dialling(b, from: "725", to: "723", noAnswerAfter: .seconds(30))
        let late = CSTACallEvent(kind: .connectionCleared, connection: CSTAConnectionID(deviceID: "725:::x", callID: "c1"),
                                 subjectDevice: "725:::x", cause: "normalClearing")
        #expect(tracker.handle(late, at: .seconds(2)) == [.notice(.unmatchedEvent(late))])
        #expect(!tracker.isTracking(callID: "c1"))
        // b's own events are still adopted by the calling device's number.
        let delivered = CSTACallEvent(kind: .delivered, connection: CSTAConnectionID(deviceID: "723:::z", callID: "c2"),
                                      subjectDevice: "723:::z", callingDevice: "725:::x")
        #expect(tracker.handle(delivered, at: .seconds(3)) == [.state(b, .ringing(alertingDevice: "723:::z"))])
    }

    @Test("an event without callID goes to the only call; with two calls it is unmatched")
    func withoutCallID() {
        var tracker = originatedTracker()
        let event = CSTACallEvent(kind: .failed, cause: "destNotObtainable")
        #expect(tracker.handle(event, at: .seconds(1)) == [
            .state(a, .finished(.failed(.failedEvent(cause: "destNotObtainable")))),
            .clearConnection(CSTAConnectionID(deviceID: "725:::x", callID: "c1"), a),
        ])
        var two = originatedTracker()
        _ = two.dialling(b, from: "725", to: "723", noAnswerAfter: .seconds(30))
        _ = two.originated(b, callingConnection: CSTAConnectionID(deviceID: "725:::z", callID: "c2"), at: .zero)
        #expect(two.handle(event, at: .seconds(1)) == [.notice(.unmatchedEvent(event))])
        let foreign = CSTACallEvent(kind: .delivered, connection: CSTAConnectionID(deviceID: "999", callID: "other"), callingDevice: "555")
        #expect(two.handle(foreign, at: .seconds(1)) == [.notice(.unmatchedEvent(foreign))])
    }

    @Test("the cause decides between failed and no answer when a call is cleared before Established", arguments: [
        ("busy", true), ("doNotDisturb", true), ("numberUnallocated", true), ("normalClearing", false), ("callNotAnswered", false),
    ])
    func causes(cause: String, failed: Bool) {
        var tracker = originatedTracker()
        let event = CSTACallEvent(kind: .callCleared, connection: CSTAConnectionID(deviceID: nil, callID: "c1"), cause: cause)
        let expected: CSTACallOutcome = failed ? .failed(.clearedBeforeAnswer(cause: cause)) : .noAnswer(.clearedWithoutAnswer(cause: cause))
        // The whole call is gone: nothing left to clear.
        #expect(tracker.handle(event, at: .seconds(1)) == [.state(a, .finished(expected))])
        #expect(tracker.trackedTokens.isEmpty)
    }

    @Test("an answered call whose calling leg clears is forgotten quietly; otherwise after the retention")
    func answeredLifetime() {
        var tracker = originatedTracker()
        _ = tracker.handle(CSTACallEvent(kind: .established, connection: CSTAConnectionID(deviceID: "722", callID: "c1"), subjectDevice: "722"), at: .seconds(5))
        #expect(tracker.handle(CSTACallEvent(kind: .connectionCleared, connection: CSTAConnectionID(deviceID: "725:::x", callID: "c1")), at: .seconds(9)).isEmpty)
        #expect(tracker.trackedTokens.isEmpty)

        var kept = originatedTracker()
        _ = kept.handle(CSTACallEvent(kind: .established, connection: CSTAConnectionID(deviceID: "722", callID: "c1"), subjectDevice: "722"), at: .seconds(5))
        #expect(kept.nextDeadline == .seconds(605))
        #expect(kept.tick(at: .seconds(604)).isEmpty)
        #expect(kept.trackedTokens == [a])
        #expect(kept.tick(at: .seconds(605)).isEmpty)
        #expect(kept.trackedTokens.isEmpty)
    }

    @Test("without a device ID for A the call is cleared with ClearCall; without a callID it cannot be")
    func clearFallbacks() {
        var tracker = Tracker()
        _ = tracker.dialling(a, from: "725", to: "722", noAnswerAfter: .seconds(10))
        _ = tracker.originated(a, callingConnection: CSTAConnectionID(deviceID: nil, callID: "c1"), at: .zero)
        #expect(tracker.tick(at: .seconds(10)) == [
            .state(a, .finished(.noAnswer(.timerExpired(after: .seconds(10))))),
            .clearCall(CSTAConnectionID(deviceID: "725", callID: "c1"), a),
        ])
        var blind = Tracker()
        _ = blind.dialling(b, from: "725", to: "722", noAnswerAfter: .seconds(10))
        _ = blind.originated(b, callingConnection: nil, at: .zero)
        #expect(blind.tick(at: .seconds(10)) == [
            .state(b, .finished(.noAnswer(.timerExpired(after: .seconds(10))))),
            .notice(.callNotClearable(b)),
        ])
    }

    @Test("losing the link fails calls without an outcome and forgets all")
    func linkLost() {
        var tracker = originatedTracker()
        _ = tracker.dialling(b, from: "725", to: "723", noAnswerAfter: .seconds(30))
        _ = tracker.handle(CSTACallEvent(kind: .established, connection: CSTAConnectionID(deviceID: "722", callID: "c1"), subjectDevice: "722"), at: .seconds(1))
        #expect(tracker.linkLost(.connectionLost("EOF")) == [.state(b, .finished(.failed(.linkDown(.connectionLost("EOF")))))])
        #expect(tracker.trackedTokens.isEmpty)
        #expect(tracker.nextDeadline == nil)
    }
}
