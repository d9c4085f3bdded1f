import Alarming
import Logging

/// Staff accounts declared in the configuration file are created, or have their hash updated, in the
/// directory. Accounts made through REST are left alone.
enum UserSync {
    static func apply(_ users: [Configuration.UserEntry], to directory: any Directory, logger: Logger) async throws {
        for entry in users {
            if var existing = try await directory.user(name: entry.name) {
                guard existing.passwordHash != entry.passwordHash else { continue }
                existing.passwordHash = entry.passwordHash
                _ = try await directory.updateUser(existing)
                logger.info("user password updated from the configuration", metadata: ["user": "\(entry.name)"])
            } else {
                _ = try await directory.createUser(User(name: entry.name, passwordHash: entry.passwordHash))
                logger.info("user created from the configuration", metadata: ["user": "\(entry.name)"])
            }
        }
    }
}
