import Testing
@testable import VOIspeed

/// The `services.cgi` requests on the wire, against the seed's examples.
struct RequestTests {
    @Test func thePlaceCallExampleOfTheSeed() {
        let request = VOIspeedRequest.placeCall(firstNumber: "02189655", secondNumber: "315", firstInterface: .isdn, timeoutSeconds: 15)
        #expect(request.query == "srv=0&first_number=02189655&second_number=315&first_interface=ISDN&timeout=15")
        #expect(request.url(base: "http://192.168.1.65:3541")
            == "http://192.168.1.65:3541/services.cgi?srv=0&first_number=02189655&second_number=315&first_interface=ISDN&timeout=15")
        #expect(request.service == .placeCall)
    }

    @Test func optionalParametersAreLeftOut() {
        #expect(VOIspeedRequest.placeCall(firstNumber: "101", secondNumber: "900", firstInterface: nil, timeoutSeconds: nil).query
            == "srv=0&first_number=101&second_number=900")
        #expect(VOIspeedRequest.sendSMS(recipient: "201", body: "x", sender: nil, senderName: "", charset: .utf8).query
            == "srv=5&recipient=201&body=x")
    }

    @Test func theDisconnectAndStatusExamplesOfTheSeed() {
        #expect(VOIspeedRequest.disconnectCall(callID: "12345").query == "srv=1&call_id=12345")
        #expect(VOIspeedRequest.disconnectCall(callID: "12345").url(base: "http://192.168.1.65:3541")
            == "http://192.168.1.65:3541/services.cgi?srv=1&call_id=12345")
        #expect(VOIspeedRequest.currentCalls.query == "srv=3&info=7")
        #expect(VOIspeedRequest.currentCalls.service == .pbxStatus)
        #expect(VOIspeedRequest.disconnectCall(callID: "1").service == .disconnectCall)
    }

    @Test func theSMSExampleOfTheSeed() {
        let request = VOIspeedRequest.sendSMS(recipient: "201", body: "hello Jenny!", sender: "202", senderName: "Peter", charset: .utf8)
        #expect(request.query == "srv=5&recipient=201&body=hello%20Jenny!&sender=202&info=Peter")
        #expect(request.service == .sendSMS)
    }

    @Test func specialCharactersAreEncodedAsTheSeedAsks() {
        // space, &, + and the rest of what a CGI would split or decode on.
        let body = "a b&c+d=e%f#g?h/i;j:k,l\"m<n>"
        #expect(VOIspeedRequest.sendSMS(recipient: "+393331234567", body: body, sender: nil, senderName: "Ward 4", charset: .utf8).query
            == "srv=5&recipient=%2B393331234567&body=a%20b%26c%2Bd%3De%25f%23g%3Fh%2Fi%3Bj%3Ak%2Cl%22m%3Cn%3E&info=Ward%204")
        // JavaScript's encodeURIComponent set, which keeps the seed's "!".
        #expect(VOIspeedQueryEncoding.encode("-_.!~*'()", charset: .utf8) == "-_.!~*'()")
        #expect(VOIspeedQueryEncoding.encode("\n\t\u{0}", charset: .utf8) == "%0A%09%00")
    }

    @Test func nonASCIITextFollowsTheCharset() {
        let text = "Zimmer 4: Bewohnerin gestürzt, città €"
        #expect(VOIspeedQueryEncoding.encode(text, charset: .utf8)
            == "Zimmer%204%3A%20Bewohnerin%20gest%C3%BCrzt%2C%20citt%C3%A0%20%E2%82%AC")
        // Latin-1 has no euro sign: it goes as "?".
        #expect(VOIspeedQueryEncoding.encode(text, charset: .latin1)
            == "Zimmer%204%3A%20Bewohnerin%20gest%FCrzt%2C%20citt%E0%20%3F")
        let request = VOIspeedRequest.sendSMS(recipient: "201", body: "Türe", sender: "202", senderName: "Stationär", charset: .latin1)
        #expect(request.query == "srv=5&recipient=201&body=T%FCre&sender=202&info=Station%E4r")
    }

    @Test func theBaseURLMayCarryAPathAndTrailingSlashes() {
        #expect(VOIspeedRequest.currentCalls.url(base: "https://pbx.example/voispeed//") == "https://pbx.example/voispeed/services.cgi?srv=3&info=7")
    }

    @Test func callIDsAreEncodedToo() {
        #expect(VOIspeedRequest.disconnectCall(callID: "a b&c").query == "srv=1&call_id=a%20b%26c")
    }

    @Test func everyServiceHasTheSeedsNumberAndWords() {
        #expect(VOIspeedService.allCases.map(\.rawValue) == Array(0...18))
        #expect(VOIspeedService.sendSMS.description == "send an SMS to a user")
        #expect(Set(VOIspeedService.allCases.map(\.description)).count == 19)
        #expect(VOIspeedInterface.allCases.map(\.rawValue) == ["IVR", "LAN", "SIP", "WAN", "ISDN", "FAX"])
    }
}

struct QueryDecodingTests {
    @Test func decodesPercentEscapesAndKeepsPlus() {
        #expect(VOIspeedQueryEncoding.decode("hello%20Peter!") == "hello Peter!")
        #expect(VOIspeedQueryEncoding.decode("mycompany%2Ecom") == "mycompany.com")
        #expect(VOIspeedQueryEncoding.decode("+39%203331") == "+39 3331")
        #expect(VOIspeedQueryEncoding.decode("4%2E5%2e13") == "4.5.13")
    }

    @Test func aBrokenEscapeIsKeptAsItIs() {
        #expect(VOIspeedQueryEncoding.decode("100%") == "100%")
        #expect(VOIspeedQueryEncoding.decode("a%2") == "a%2")
        #expect(VOIspeedQueryEncoding.decode("a%zz") == "a%zz")
    }

    @Test func latin1BytesAreReadAsLatin1() {
        #expect(VOIspeedQueryEncoding.decode("gest%FCrzt") == "gestürzt")
        #expect(VOIspeedQueryEncoding.decode("gest%C3%BCrzt") == "gestürzt")
    }

    @Test func roundTripsEveryByteThroughUTF8() {
        let text = "a b&c+d=e%f€ü\u{1F6A8}"
        #expect(VOIspeedQueryEncoding.decode(Substring(VOIspeedQueryEncoding.encode(text, charset: .utf8))) == text)
    }

    @Test func splitsPairs() {
        let pairs = VOIspeedQueryEncoding.pairs(of: "a=1&&b=&c&d=x%3Dy=z")
        #expect(pairs.map(\.name) == ["a", "b", "c", "d"])
        #expect(pairs.map(\.value) == ["1", "", "", "x=y=z"])
    }
}

struct SMSTextTests {
    @Test func marksThePriorityAndFlattensLines() {
        #expect(VOIspeedSMSText.body("Room 4:\r\nfall  detected\t", marker: "HIGH") == "HIGH: Room 4: fall detected")
        #expect(VOIspeedSMSText.body("  x ", marker: nil) == "x")
    }

    @Test func cutsAt160Characters() {
        let exact = String(repeating: "a", count: 154)
        #expect(VOIspeedSMSText.body(exact, marker: "HIGH").count == 160)
        #expect(VOIspeedSMSText.body(exact, marker: "HIGH") == "HIGH: " + exact)
        let long = VOIspeedSMSText.body(String(repeating: "ü", count: 300), marker: "EMERGENCY")
        #expect(long.count == 160)
        #expect(long.hasPrefix("EMERGENCY: üü"))
        #expect(long.hasSuffix("ü..."))
    }

    @Test func recipientsAreExtensionsOrMobileNumbers() {
        #expect(VOIspeedSMSText.recipient("201") == "201")
        #expect(VOIspeedSMSText.recipient(" +39 333 123-4567 ") == "+393331234567")
        #expect(VOIspeedSMSText.recipient("(0049) 171/555.12") == "004917155512")
        #expect(VOIspeedSMSText.recipient("*7#") == "*7#")
        #expect(VOIspeedSMSText.recipient("") == nil)
        #expect(VOIspeedSMSText.recipient("+") == nil)
        #expect(VOIspeedSMSText.recipient("12+3") == nil)
        #expect(VOIspeedSMSText.recipient("sip:201@pbx") == nil)
        #expect(VOIspeedSMSText.recipient("201&body=x") == nil)
        #expect(VOIspeedSMSText.recipient(String(repeating: "1", count: 33)) == nil)
    }
}
