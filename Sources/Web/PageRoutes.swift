import Hummingbird

/// `/`, `/app.js` and `/style.css`: the live alarm board, served from the string literals of
/// `PageAssets` behind the same authentication as the API, so the browser asks for the password
/// once and then sends it with every API call of the page.
struct PageRoutes {
    func register(on table: RouteTable) {
        for (path, asset) in PageAssets.files.sorted(by: { $0.key < $1.key }) {
            let buffer = ByteBuffer(string: asset.body)
            let contentType = asset.contentType
            table.get(path) { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = contentType
                headers[.contentLength] = String(buffer.readableBytes)
                // The assets change only with the binary; no-cache still lets the browser revalidate
                // after an upgrade instead of running an old script against a new API.
                headers[.cacheControl] = "no-cache"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
            }
        }
    }
}
