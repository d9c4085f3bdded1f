import ESPA444
import Testing

@Suite struct CallTests {
    @Test func mapsAddressTextPriorityAndCallType() throws {
        let call = try Call(block: Worked.b4, bytes: Worked.e4, port: "fire", sequence: 7)
        #expect(call.address == "0815")
        #expect(call.text == "FIRE ZONE 12 FLOOR 3")
        #expect(call.priority == .emergency)
        #expect(call.callType == "3")
        #expect(!call.isReset)
        #expect(call.reference.description == "fire/0815/7")
        let reset = try Call(block: Worked.b5, port: "fire", sequence: 8)
        #expect(reset.isReset)
        #expect(reset.priority == .standard)
    }

    @Test func priorities() {
        #expect(CallPriority(recordValue: "1") == .emergency)
        #expect(CallPriority(recordValue: "2") == .high)
        #expect(CallPriority(recordValue: "3") == .standard)
        #expect(CallPriority(recordValue: "0") == .unrecognised("0"))
        #expect(CallPriority(recordValue: "01") == .unrecognised("01"))
        #expect(CallPriority(recordValue: nil, fallback: .high) == .high)
    }

    @Test func blocksThatAreNotCalls() {
        #expect(throws: CallError.notACallBlock(header: "2")) { try Call(block: Worked.b3, port: "p", sequence: 1) }
        #expect(throws: CallError.missingCallAddress) { try Call(block: Block(header: "1", records: [Record("2", "x")]), port: "p", sequence: 1) }
        #expect(throws: CallError.emptyCallAddress) { try Call(block: Block(header: "1", records: [Record("1", "")]), port: "p", sequence: 1) }
    }

    @Test func referencesEscapeAndParseBack() {
        let reference = CallReference(port: "ward/3", address: "12%/4", sequence: 99)
        #expect(reference.description == "ward%2F3/12%25%2F4/99")
        #expect(CallReference(reference.description) == reference)
        #expect(CallReference("a/b") == nil)
        #expect(CallReference("a/b/x") == nil)
        #expect(CallReference("a/%41/1") == nil)
        #expect(reference.isSameCall(as: CallReference(port: "ward/3", address: "12%/4", sequence: 1)))
        #expect(!reference.isSameCall(as: CallReference(port: "ward/3", address: "12%", sequence: 99)))
    }
}
