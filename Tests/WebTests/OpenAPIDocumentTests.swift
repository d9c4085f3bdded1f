import Alarming
import Testing

@testable import Web

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `Docs/openapi.yaml` must document every route registered under `/api`, with its method. The
/// YAML is read crudely: a path is a two-space-indented key starting with `/`, a method a
/// four-space-indented `get:`, `post:`… under it. That is the layout the document keeps.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static var documentPath: String {
        // Tests/WebTests/<this file> → the repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/openapi.yaml").path
    }

    static func documentedOperations() throws -> Set<String> {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: documentPath)), as: UTF8.self)
        var operations: Set<String> = []
        var currentPath: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, let first = line.first, !first.isWhitespace { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path = currentPath {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if ["get", "put", "post", "delete", "patch", "head", "options"].contains(String(key)) {
                    operations.insert("\(key.uppercased()) \(path)")
                }
            }
        }
        return operations
    }

    static func registeredAPIOperations() async throws -> Set<String> {
        let world = try await TestWorld()
        let (_, routes) = makeWebRouter(world.environment)
        await world.shutdown()
        return Set(routes.filter { $0.path.hasPrefix("/api/") }.map { "\($0.method) \($0.openAPIPath)" })
    }

    @Test func everyAPIRouteIsDocumentedAndNothingElse() async throws {
        let documented = try Self.documentedOperations()
        let registered = try await Self.registeredAPIOperations()
        #expect(registered.count == 28)
        #expect(registered.subtracting(documented).sorted() == [], "registered but not in Docs/openapi.yaml")
        #expect(documented.subtracting(registered).sorted() == [], "documented but not registered")
    }

    @Test func routePathsAreSpelledTheOpenAPIWay() {
        #expect(RouteDescription(method: "GET", path: "/api/alarms/:id/journal").openAPIPath == "/api/alarms/{id}/journal")
        #expect(RouteDescription(method: "GET", path: "/api/health").openAPIPath == "/api/health")
    }
}
