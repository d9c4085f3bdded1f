import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@testable import Web

@Suite("JSON reading and writing")
struct JSONValueTests {
    @Test func stringsAreEscapedForJSON() {
        let value = JSONValue.string("quote \" backslash \\ newline \n tab \t bell \u{07} separator \u{2028} é")
        #expect(value.serialized == #""quote \" backslash \\ newline \n tab \t bell \u0007 separator \u2028 é""#)
    }

    @Test func objectsKeepTheirKeyOrderAndWriteNulls() {
        let value = JSONValue.object([("b", .int(-2)), ("a", .null), ("c", .array([.bool(true), .string("x")]))])
        #expect(value.serialized == #"{"b":-2,"a":null,"c":[true,"x"]}"#)
    }

    @Test func parsingDistinguishesIntegersNumbersAndBooleans() throws {
        let value = try JSONValue.parse(Array(#"{"i":3,"d":1.5,"b":false,"n":null,"s":"x","big":9007199254740993}"#.utf8))
        #expect(value["i"] == .int(3))
        #expect(value["d"] == .double(1.5))
        #expect(value["b"] == .bool(false))
        #expect(value["n"] == .null)
        #expect(value["s"] == .string("x"))
        #expect(value["big"] == .int(9_007_199_254_740_993))
    }

    @Test(arguments: ["{", "{\"a\":}", "nope", "{\"a\":1}}", "\u{FEFF}{}x"])
    func malformedDocumentsAreRefused(text: String) {
        #expect(throws: APIError.invalid(field: nil, message: "the request body is not valid JSON")) {
            try JSONValue.parse(Array(text.utf8))
        }
    }

    @Test func fieldsAreReadWithTheirTypes() throws {
        let fields = try JSONFields(try JSONValue.parse(Array(#"{"n":5,"list":[1,2],"s":"x","nothing":null}"#.utf8)), allowed: ["n", "list", "s", "nothing", "absent"])
        #expect(try fields.integer("n") == 5)
        #expect(try fields.integers("list") == [1, 2])
        #expect(try fields.string("nothing") == nil)
        #expect(try fields.string("absent") == nil)
        #expect(throws: APIError.invalid(field: "n", message: "n must be between 6 and 9, not 5")) { try fields.integer("n", in: 6...9) }
        #expect(throws: APIError.invalid(field: "s", message: "s must be an integer, not a string")) { try fields.integer("s") }
        #expect(throws: APIError.invalid(field: "list", message: "list must be a string, not an array")) { try fields.string("list") }
    }

    @Test func datesAreISO8601UTCWithMilliseconds() throws {
        #expect(WebDate.string(TestWorld.start) == "2027-01-15T08:00:00.000Z")
        #expect(WebDate.string(TestWorld.start.addingTimeInterval(0.25)) == "2027-01-15T08:00:00.250Z")
        #expect(WebDate.parse("2027-01-15T08:00:00Z") == TestWorld.start)
        #expect(WebDate.parse("2027-01-15T09:00:00.000+01:00") == TestWorld.start)
        #expect(WebDate.parse("15.01.2027") == nil)
    }
}
