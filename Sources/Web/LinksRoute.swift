import Alarming

/// `GET /api/links`: every supervised link (serial ports, ESPA-X sessions, the CSTA link) with its
/// state, since when, a one-line detail and its counters.
struct LinksRoute {
    let links: LinkBoard

    func register(on table: RouteTable) {
        table.get("/api/links") { _, _ in
            JSONResponse.make(DirectoryRepresentation.list("links", links.all.map(Self.link)))
        }
    }

    static func link(_ link: LinkStatus) -> JSONValue {
        .object([
            ("kind", .string(link.kind)),
            ("name", .string(link.name)),
            ("state", .string(link.state.rawValue)),
            ("detail", .string(link.detail)),
            ("since", WebDate.json(link.since)),
            ("counters", .object(link.counters.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
        ])
    }
}
