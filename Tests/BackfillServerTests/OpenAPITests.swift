import BackfillTestSupport
import Foundation
import Testing

@testable import BackfillServer

/// The OpenAPI document: the served text is the committed docs/openapi.json, and its paths and
/// methods are exactly the routes the server registers.
@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("docs/openapi.json is the served document")
    func committedCopy() throws {
        let file = try String(contentsOfFile: Fixtures.packageRoot + "/docs/openapi.json", encoding: .utf8)
        #expect(file == OpenAPI.document + "\n", "docs/openapi.json differs from Sources/BackfillServer/OpenAPI.swift")
    }

    @Test("every route is documented and every documented operation is a route, with its security")
    func routesMatch() throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPI.document.utf8)) as? [String: Any])
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        var documented: Set<String> = [], open: Set<String> = []
        for (path, ops) in paths {
            for (method, op) in ops {
                documented.insert("\(method.uppercased()) \(path)")
                if let security = (op as? [String: Any])?["security"] as? [Any], security.isEmpty {
                    open.insert("\(method.uppercased()) \(path)")
                }
            }
        }
        let routes = API.routeTable
        #expect(Set(routes.map { "\($0.method) \($0.path)" }) == documented)
        #expect(
            Set(routes.filter { $0.scope == nil }.map { "\($0.method) \($0.path)" }) == open, "the document says which routes need no key")
    }
}
