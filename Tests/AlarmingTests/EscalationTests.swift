import Alarming
import Testing

/// The escalation chain as `AlarmService` runs it, with a manual clock and a scripted dialer.
@Suite(.timeLimit(.minutes(1))) struct EscalationTests {
    /// Group 12 with Anna (whose push is accepted unless scripted otherwise) and a chain.
    private func harness(_ chain: EscalationChain, people: [(String, Presence)] = [("Anna", .available)], dialer: ScriptedDialer? = ScriptedDialer()) async throws -> (AlarmHarness, ScriptedDialer?) {
        let h = AlarmHarness()
        var group = try await h.group("12", people)
        group.escalation = chain
        _ = try await h.directory.updateGroup(group)
        try await h.group("999", [("Tech", .available)])
        await h.service.register(dialer: dialer)
        return (h, dialer)
    }

    private func escalationEntries(_ h: AlarmHarness, _ id: AlarmID) -> [JournalEntry] {
        h.journal.entries(id).filter {
            switch $0 {
            case .escalationCall, .escalationOutcome, .stateChanged(.escalating): true
            default: false
            }
        }
    }

    @Test func theChainStartsAfterTAndCallsTheNextNumberWhenOneDoesNotAnswer() async throws {
        let (h, dialer) = try await harness(EscalationChain(delay: 60, noAnswerTime: 20, numbers: ["201", "202"], answerAcknowledges: true))
        let dialerUsed = try #require(dialer)
        dialerUsed.script("202", .outcome(.answered(detail: "answered by 202")))
        let alarm = try await h.raise()
        await h.clock.waitForSleepers()
        #expect(h.clock.requestedSleeps == [.seconds(60)])
        h.clock.advance(by: .seconds(59))
        #expect(dialerUsed.calls.isEmpty)
        h.clock.advance(by: .seconds(1))
        let ended = await h.log.waitForEnd(of: alarm.id)
        await h.service.waitForDeliveries()

        #expect(dialerUsed.calls == [.init(number: "201", noAnswerAfter: .seconds(20)), .init(number: "202", noAnswerAfter: .seconds(20))])
        #expect(ended.endReason == .finished)
        #expect(ended.acknowledgedBy == "202")
        #expect(escalationEntries(h, alarm.id) == [
            .stateChanged(.escalating),
            .escalationCall(step: 1, number: "201"),
            .escalationOutcome(step: 1, number: "201", outcome: "no-answer", detail: "not answered within 20 s"),
            .escalationCall(step: 2, number: "202"),
            .escalationOutcome(step: 2, number: "202", outcome: "answered", detail: "answered by 202"),
        ])
        #expect(Array(h.journal.entries(alarm.id).suffix(3)) == [
            .acknowledged(by: "202", phoneID: nil), .stateChanged(.acknowledged), .ended(reason: .finished, by: "202"),
        ])
        #expect(h.log.changes(alarm.id).contains(.escalation(step: 2, number: "202", outcome: .answered(detail: "answered by 202"))))
    }

    @Test func anAnswerThatOnlyCountsAsReachedStopsTheChainAndLeavesTheAlarmOpen() async throws {
        let (h, dialer) = try await harness(EscalationChain(delay: 10, noAnswerTime: 15, numbers: ["201", "202"], answerAcknowledges: false))
        let dialerUsed = try #require(dialer)
        dialerUsed.script("201", .outcome(.answered(detail: "answered by 201")))
        let alarm = try await h.raise()
        await h.clock.waitForSleepers()
        h.clock.advance(by: .seconds(10))
        await h.service.waitForDeliveries()

        #expect(dialerUsed.calls.map(\.number) == ["201"])
        let stored = try #require(h.journal.stored(alarm.id))
        #expect(stored.state == .delivered)
        #expect(stored.isOpen)
        #expect(Array(h.journal.entries(alarm.id).suffix(4)) == [
            .stateChanged(.escalating),
            .escalationCall(step: 1, number: "201"),
            .escalationOutcome(step: 1, number: "201", outcome: "answered", detail: "answered by 201"),
            .stateChanged(.delivered),
        ])
        _ = try await h.service.acknowledge(alarm.id, by: "Anna", phoneID: 1)
        #expect(h.journal.stored(alarm.id)?.endReason == .finished)
    }

    @Test func anAcknowledgementFromAPhoneClearsTheRingingCallAndStopsTheChain() async throws {
        let (h, dialer) = try await harness(EscalationChain(delay: 30, noAnswerTime: 20, numbers: ["201", "202"]))
        let dialerUsed = try #require(dialer)
        dialerUsed.script("201", .hold)
        let alarm = try await h.raise()
        await h.clock.waitForSleepers()
        h.clock.advance(by: .seconds(30))
        await dialerUsed.waitForCalls(1)
        #expect(h.journal.stored(alarm.id)?.state == .escalating)

        _ = try await h.service.acknowledge(alarm.id, by: "Anna", phoneID: 1)
        await h.service.waitForDeliveries()
        await h.log.wait { $0.alarm.id == alarm.id && $0.change == .escalation(step: 1, number: "201", outcome: .cancelled) }

        #expect(dialerUsed.cleared == ["201"])
        #expect(dialerUsed.calls.map(\.number) == ["201"])
        let stored = try #require(h.journal.stored(alarm.id))
        #expect(stored.endReason == .finished)
        #expect(stored.acknowledgedBy == "Anna")
        #expect(h.journal.entries(alarm.id).last == .escalationOutcome(
            step: 1, number: "201", outcome: "cancelled", detail: "cleared by Tocsin: the alarm no longer needs the call"))
    }

    @Test func anAcknowledgementBeforeTPlacesNoCall() async throws {
        let (h, dialer) = try await harness(EscalationChain(delay: 60, numbers: ["201"]))
        let alarm = try await h.raise()
        await h.clock.waitForSleepers()
        _ = try await h.service.acknowledge(alarm.id, by: "web")
        await h.service.waitForDeliveries()
        h.clock.advance(by: .seconds(120))
        #expect(dialer?.calls == [])
        #expect(escalationEntries(h, alarm.id) == [])
        #expect(h.clock.sleeperCount == 0)
    }

    @Test func anExhaustedChainEndsTheAlarmAsFailureAndRaisesATechnicalAlarm() async throws {
        let (h, dialer) = try await harness(EscalationChain(delay: 5, numbers: ["201", "202"]))
        dialer?.script("201", .outcome(ScriptedDialer.busy))
        let alarm = try await h.raise()
        await h.clock.waitForSleepers()
        h.clock.advance(by: .seconds(5))
        let ended = await h.log.waitForEnd(of: alarm.id)
        await h.service.waitForDeliveries()

        #expect(ended.endReason == .failure)
        #expect(escalationEntries(h, alarm.id) == [
            .stateChanged(.escalating),
            .escalationCall(step: 1, number: "201"),
            .escalationOutcome(step: 1, number: "201", outcome: "failed", detail: "busy"),
            .escalationCall(step: 2, number: "202"),
            .escalationOutcome(step: 2, number: "202", outcome: "no-answer", detail: "not answered within 20 s"),
        ])
        let technical = try #require(h.journal.stored(alarm.id + 1))
        #expect(technical.request.source.kind == .technical)
        #expect(technical.request.sourceReference == "undeliverable:\(alarm.id)")
        #expect(technical.request.text == "Alarm \(alarm.id) for 12 could not be delivered (escalation chain exhausted: none of 201, 202 answered): Room 12 bed 1")
    }

    @Test func aGroupWhosePushFailedStillEscalatesInsteadOfFailingAtOnce() async throws {
        let (h, dialer) = try await harness(EscalationChain(delay: 20, numbers: ["201"], answerAcknowledges: true))
        h.driver.script(1, ScriptedDriver.gone)
        dialer?.script("201", .outcome(.answered(detail: "answered")))
        let alarm = try await h.raise()
        await h.clock.waitForSleepers()
        #expect(h.journal.stored(alarm.id)?.isOpen == true)
        h.clock.advance(by: .seconds(20))
        let ended = await h.log.waitForEnd(of: alarm.id)
        #expect(ended.endReason == .finished)
        #expect(ended.acknowledgedBy == "201")
        #expect(ended.deliveries.map(\.status) == [.failed])
    }

    @Test func aGroupWithNobodyAvailableEscalatesToo() async throws {
        let (h, dialer) = try await harness(EscalationChain(delay: 0, numbers: ["201"], answerAcknowledges: true), people: [("Anna", .offline)])
        dialer?.script("201", .outcome(.answered(detail: "answered")))
        let alarm = try await h.raise()
        let ended = await h.log.waitForEnd(of: alarm.id)
        #expect(ended.endReason == .finished)
        #expect(ended.deliveries.isEmpty)
        #expect(dialer?.calls.map(\.number) == ["201"])
    }

    @Test func withoutADialerEveryStepFailsAndTheChainIsExhausted() async throws {
        let (h, _) = try await harness(EscalationChain(delay: 0, numbers: ["201"]), dialer: nil)
        let alarm = try await h.raise()
        let ended = await h.log.waitForEnd(of: alarm.id)
        #expect(ended.endReason == .failure)
        #expect(h.journal.entries(alarm.id).contains(.escalationOutcome(
            step: 1, number: "201", outcome: "failed", detail: "no escalation dialer is configured: set up [csta] or [voispeed]")))
    }

    @Test func repetitionsGoOnWhileTheChainRunsAndStopWhenItFails() async throws {
        let h = AlarmHarness()
        let anna = try await h.directory.addPerson("Anna").member
        _ = try await h.directory.createGroup(Group(number: "12", name: "Ward", memberIDs: [anna.id], repetitions: 5, repeatInterval: 10,
                                                    escalation: EscalationChain(delay: 15, numbers: ["201"])))
        let dialer = ScriptedDialer()
        dialer.script("201", .hold)
        await h.service.register(dialer: dialer)
        let alarm = try await h.raise()
        await h.clock.waitForSleepers(2)
        h.clock.advance(by: .seconds(10))
        await h.driver.waitForCalls(2)
        await h.clock.waitForSleepers(2)
        h.clock.advance(by: .seconds(5))
        await dialer.waitForCalls(1)
        dialer.answer("201", with: .failed(detail: "busy"))
        let ended = await h.log.waitForEnd(of: alarm.id)
        await h.service.waitForDeliveries()
        #expect(ended.endReason == .failure)
        #expect(h.clock.sleeperCount == 0)
        #expect(h.driver.calls.map(\.repetition) == [0, 1])
    }

    @Test func chainsAreValidatedFieldByField() {
        #expect(EscalationChain(delay: 60, noAnswerTime: 30, numbers: ["201", "+7495*1#"]).violation == nil)
        #expect(EscalationChain(delay: -1, numbers: ["201"]).violation == .invalid(field: "escalation.delay", reason: "must be 0 to 86400 seconds, not -1"))
        #expect(EscalationChain(delay: 0, noAnswerTime: 4, numbers: ["201"]).violation == .invalid(field: "escalation.noAnswerTime", reason: "must be 5 to 300 seconds, not 4"))
        #expect(EscalationChain(delay: 0, numbers: []).violation == .invalid(field: "escalation.numbers", reason: "must hold 1 to 20 numbers, not 0"))
        #expect(EscalationChain(delay: 0, numbers: ["201", "2,3"]).violation == .invalid(field: "escalation.numbers", reason: "\"2,3\" is not a dialable number (1 to 32 of 0-9 + * #)"))
    }

    @Test func outcomesRoundTripThroughTheirStoredWords() {
        for outcome: CallOutcome in [.answered(detail: "a"), .noAnswer(detail: "b"), .failed(detail: "c"), .cancelled] {
            #expect(CallOutcome(word: outcome.word, detail: outcome.detail) == outcome)
        }
        #expect(CallOutcome(word: "rang", detail: "") == nil)
    }
}
