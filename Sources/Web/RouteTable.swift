import Hummingbird

/// One registered endpoint, for the check that `Docs/openapi.yaml` documents every API route.
struct RouteDescription: Sendable, Hashable, CustomStringConvertible {
    var method: String
    /// The path as registered, with Hummingbird's `:name` parameters.
    var path: String

    /// The path in OpenAPI's spelling: `/api/alarms/{id}`.
    var openAPIPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    var description: String { "\(method) \(path)" }
}

/// Registers handlers on the router and remembers what it registered.
final class RouteTable {
    typealias Handler = @Sendable (Request, WebRequestContext) async throws -> Response

    let router: Router<WebRequestContext>
    private(set) var routes: [RouteDescription] = []

    init(router: Router<WebRequestContext>) {
        self.router = router
    }

    func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        routes.append(RouteDescription(method: method.rawValue, path: path))
        router.on(RouterPath(path), method: method) { request, context in
            try await handler(request, context)
        }
    }

    func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }
    func put(_ path: String, _ handler: @escaping Handler) { on(.put, path, handler) }
    func delete(_ path: String, _ handler: @escaping Handler) { on(.delete, path, handler) }
}

/// Reading the `:id` of a path.
extension WebRequestContext {
    func id(_ name: String = "id") throws(APIError) -> Int64 {
        guard let text = parameters.get(name), let id = Int64(text), id > 0 else {
            throw .invalid(field: name, message: "\(name) in the path must be a positive integer, not \"\(parameters.get(name) ?? "")\"")
        }
        return id
    }
}
