/// One forward step of the schema. Steps are numbered from 1 and stored in `PRAGMA user_version`,
/// so a file remembers how far it has come without a table of its own.
struct Migration: Sendable {
    var version: Int
    var summary: String
    var apply: @Sendable (Database) throws(StoreError) -> Void

    init(version: Int, summary: String, apply: @escaping @Sendable (Database) throws(StoreError) -> Void) {
        self.version = version
        self.summary = summary
        self.apply = apply
    }

    /// A step that is plain SQL.
    init(version: Int, summary: String, sql: String) {
        self.init(version: version, summary: summary) { database throws(StoreError) in try database.execute(sql) }
    }
}

extension Database {
    /// Brings the file forward to the last of `migrations`, each step in its own transaction so that
    /// a failed step leaves the file at the previous version. Returns the versions applied.
    @discardableResult
    func migrate(_ migrations: [Migration]) throws(StoreError) -> [Int] {
        let supported = migrations.map(\.version).max() ?? 0
        let found = try integer(pragma: "user_version")
        if found > supported {
            throw StoreError.newerSchema(path: path, found: found, supported: supported)
        }
        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > found {
            try run("BEGIN IMMEDIATE")
            do {
                try migration.apply(self)
                // PRAGMA takes no bound parameters; the version is our own integer.
                try execute("PRAGMA user_version = \(migration.version)")
                try run("COMMIT")
            } catch {
                if inTransaction { try? run("ROLLBACK") }
                throw error
            }
            applied.append(migration.version)
        }
        return applied
    }
}
