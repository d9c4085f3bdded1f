@testable import Delivery
import Testing

@Suite struct WebhookAddressTests {
    @Test func acceptsHTTPAndHTTPSWithDefaultPorts() throws {
        let plain = try #require(WebhookAddress("http://receiver.example/hook"))
        #expect(plain.description == "http://receiver.example:80")
        let secure = try #require(WebhookAddress("HTTPS://receiver.example:8443/a?b=c"))
        #expect(secure.description == "https://receiver.example:8443")
    }

    @Test(arguments: ["", "receiver.example/hook", "ftp://receiver.example/", "http://", "sip:4711@pbx", "http:///path"])
    func refusesAddressesThatAreNotHTTPURLs(_ address: String) {
        #expect(WebhookAddress(address) == nil)
    }
}
