// The live alarm board staff use in a browser: one HTML page, its script and its style sheet, kept as
// Swift string literals so the static binary serves them with no files on disk and no build step.
// The daemon's router looks a request path up in `PageAssets.files`; nothing here knows about HTTP.

/// The web page's assets by request path.
enum PageAssets {
    static let files: [String: (contentType: String, body: String)] = [
        "/": (contentType: "text/html; charset=utf-8", body: IndexPage.html),
        "/app.js": (contentType: "text/javascript; charset=utf-8", body: AppScript.javascript),
        "/style.css": (contentType: "text/css; charset=utf-8", body: StyleSheet.css),
    ]
}
