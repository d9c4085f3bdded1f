import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Web

@Suite("Web page")
struct PageRoutesTests {
    @Test(arguments: [
        ("/", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
    ])
    func assetsAreServedWithTheirContentType(path: String, contentType: String) async throws {
        try await withWorld { world in
            try await world.application.test(.router) { client in
                let response = try await client.execute(uri: path, method: .get, headers: HTTP.admin)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == contentType)
                #expect(response.headers[.cacheControl] == "no-cache")
                #expect(response.text == PageAssets.files[path]?.body)
                #expect(!response.text.isEmpty)
            }
        }
    }
}
