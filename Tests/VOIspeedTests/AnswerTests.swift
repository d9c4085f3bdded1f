import Testing
@testable import VOIspeed

private func parse(_ text: String) throws(VOIspeedFault) -> VOIspeedAnswer {
    try VOIspeedAnswer.parse(Array(text.utf8), peer: "pbx")
}

private func fault(_ text: String) -> VOIspeedFault? {
    do {
        _ = try parse(text)
        return nil
    } catch {
        return error
    }
}

/// `result=N` answers: the seed's examples, every code, and what a broken PBX may send.
struct AnswerTests {
    @Test func theSeedsExamples() throws {
        let placed = try parse("result=0;call_id=12345")
        #expect(placed.result == .ok)
        #expect(placed.callID == "12345")
        #expect(placed.refusal(of: .placeCall, peer: "pbx") == nil)
        #expect(try parse("result=0").callID == nil)
        #expect(try parse("result=0;line_id=1").keywords["line_id"] == "1")
        #expect(try parse("result=0;id=0003").keywords["id"] == "0003")
    }

    @Test func toleratesSpacesCaseLineBreaksAndTrailingSeparators() throws {
        let answer = try parse("  RESULT = 7 ;\r\n")
        #expect(answer.result == .callIDNotFound)
        #expect(try parse("result=0;Call_ID=99;\n").callID == "99")
        #expect(try parse("result=0;;call_id=5;;").callID == "5")
        #expect(try parse("result=0\r\ncall_id=6\r\n").callID == "6")
        // A repeated keyword does not change the first answer.
        #expect(try parse("result=0;result=45").result == .ok)
    }

    @Test func everyCodeFrom0To45HasItsMeaning() throws {
        #expect(VOIspeedResultCode.meanings.count == 46)
        for code in 0...45 {
            let answer = try parse("result=\(code)")
            #expect(answer.result.rawValue == code)
            #expect(answer.result.isKnown)
            #expect(!answer.result.meaning.isEmpty)
            #expect(answer.result.description == "result=\(code) (\(answer.result.meaning))")
            #expect(answer.result.isSuccess == (code == 0))
            #expect(answer.result.isRetryable == (code == 8 || code == 40), "\(code)")
            if code != 0 {
                let refusal = try #require(answer.refusal(of: .sendSMS, peer: "pbx.example"))
                #expect(refusal.kind == .refused(answer.result))
                #expect(refusal.isRetryable == answer.result.isRetryable)
                #expect(refusal.detail.hasPrefix("pbx.example refused to send an SMS to a user: result=\(code) ("))
            }
        }
        #expect(Set(VOIspeedResultCode.meanings).count == 46)
    }

    @Test func theMeaningsAreTheSeeds() {
        let expected: [Int: String] = [
            0: "OK", 1: "unknown or unsupported service", 2: "bad CGI parameters", 3: "missing call ID parameter",
            4: "missing extension parameter", 5: "invalid call ID parameter", 6: "missing enable parameter", 7: "call ID not found",
            8: "service failure, check the PBX's log files", 9: "missing recipient parameter", 13: "missing body parameter",
            15: "invalid call status", 18: "missing conference ID parameter", 24: "user not found", 36: "wrong com status",
            39: "unparking request sender unknown", 40: "internal server error", 43: "group not found", 44: "missing number parameter",
            45: "no capability to use this interface",
        ]
        for (code, meaning) in expected {
            #expect(VOIspeedResultCode(rawValue: code).meaning == meaning)
        }
    }

    @Test func hintsTellTheIntegratorWhatToDo() throws {
        let refusal = try #require(try parse("result=45").refusal(of: .placeCall, peer: "http://pbx:3541"))
        #expect(refusal.detail == "http://pbx:3541 refused to place a call between two party numbers: result=45 (no capability to use this interface); allow Tocsin (its address, or the user) to use the PBX's HTTP interface")
        #expect(!refusal.isRetryable)
        #expect(VOIspeedResultCode(rawValue: 24).hint?.contains("phone's address") == true)
        #expect(VOIspeedResultCode(rawValue: 30).hint == nil)
    }

    @Test func anUndocumentedCodeIsFinalAndSaysSo() throws {
        let answer = try parse("result=46")
        #expect(!answer.result.isKnown)
        #expect(!answer.result.isRetryable)
        #expect(answer.result.description == "result=46 (a result code the VOIspeed interface does not document)")
        #expect(try parse("result=999999").result.rawValue == 999_999)
    }

    @Test func garbageIsMalformedNeverAGuess() {
        let cases: [(String, String)] = [
            ("", "answered an empty body"),
            ("  \r\n ", "answered an empty body"),
            ("<html><body>VOIspeed Integration Command List</body></html>", "answered an HTML page"),
            ("OK", "\"OK\" is not keyword=value"),
            ("call_id=5", "without a result keyword"),
            ("result=", "result=\"\", which is not a result code"),
            ("result=abc", "result=\"abc\", which is not a result code"),
            ("result=-1", "result=\"-1\", which is not a result code"),
            ("result=1234567", "which is not a result code"),
            ("=0", "a value without a keyword"),
        ]
        for (text, message) in cases {
            let found = fault(text)
            #expect(found?.kind == .malformed, "\(text)")
            #expect(found?.detail.contains(message) == true, "\(text): \(found?.detail ?? "no fault")")
            #expect(found?.isRetryable == false)
        }
    }

    @Test func oversizedAndBinaryAnswers() {
        let big = fault("result=0;" + String(repeating: "x", count: VOIspeedAnswer.sizeLimit))
        #expect(big?.kind == .malformed)
        #expect(big?.detail.contains("bytes or more") == true)
        // NUL and other controls are shown as spaces; a result still reads.
        #expect((try? VOIspeedAnswer.parse([0x72, 0x65, 0x73, 0x75, 0x6C, 0x74, 0x3D, 0x30, 0x00], peer: "pbx"))?.result == .ok)
        let binary = fault(String(decoding: [0xFF, 0xFE, 0x00, 0x01], as: UTF8.self))
        #expect(binary?.kind == .malformed)
        // Not UTF-8: read as Latin-1 and quoted, not a crash.
        #expect((try? VOIspeedAnswer.parse([0x72, 0xE9, 0x3D, 0x31], peer: "pbx")) == nil)
    }

    @Test func aBadCallIDIsNotACallID() throws {
        #expect(try parse("result=0;call_id=").callID == nil)
        #expect(try parse("result=0;call_id=12 34").callID == nil)
        #expect(try parse("result=0;call_id=<x>").callID == nil)
        #expect(try parse("result=0;call_id=" + String(repeating: "9", count: 65)).callID == nil)
        #expect(try parse("result=0;call_id=A-7_x.2").callID == "A-7_x.2")
    }

    @Test func faultsSayWhetherTryingAgainHelps() {
        #expect(VOIspeedFault(.unreachable, "x").isRetryable)
        #expect(VOIspeedFault(.timedOut, "x").isRetryable)
        #expect(VOIspeedFault(.httpStatus(503), "x").isRetryable)
        #expect(VOIspeedFault(.httpStatus(429), "x").isRetryable)
        #expect(!VOIspeedFault(.httpStatus(404), "x").isRetryable)
        #expect(!VOIspeedFault(.httpStatus(401), "x").isRetryable)
        #expect(VOIspeedFault(.refused(.serviceFailure), "x").isRetryable)
        #expect(VOIspeedFault(.refused(.internalServerError), "x").isRetryable)
        #expect(!VOIspeedFault(.refused(.notPermitted), "x").isRetryable)
        #expect(!VOIspeedFault(.malformed, "x").isRetryable)
        #expect(VOIspeedFault(.malformed, "the detail").description == "the detail")
    }
}
