import Alarming
import Hummingbird
import HummingbirdBcrypt
import Logging
import NIOPosix

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// HTTP Basic authentication against the directory's users, with the loopback exemption of
/// `WebPolicy`. Credentials, when sent, are always checked, even from loopback: a wrong password
/// is a mistake the integrator should hear about, not one to paper over. Passwords are never logged.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext

    static let realm = "Tocsin"

    let directory: any Directory
    let policy: WebPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard let credentials = Self.basicCredentials(header) else {
                context.logger.notice("refused a request with a malformed Authorization header")
                return Self.unauthorized("the Authorization header must be HTTP Basic credentials")
            }
            guard try await verify(credentials, logger: context.logger) else {
                context.logger.notice("refused a request with a wrong user name or password", metadata: ["user": "\(credentials.user)"])
                return Self.unauthorized("wrong user name or password")
            }
            context.caller = .user(credentials.user)
        } else if policy.loopbackWithoutAuth, context.isLoopback {
            context.caller = .loopback
        } else {
            return Self.unauthorized("authentication required")
        }
        return try await next(request, context)
    }

    private func verify(_ credentials: (user: String, password: String), logger: Logger) async throws -> Bool {
        let user: User?
        do {
            user = try await directory.user(name: credentials.user)
        } catch {
            logger.error("could not read the users for authentication", metadata: ["error": "\(error)"])
            throw APIError.unavailable(message: "the user directory cannot be read")
        }
        // An unknown user costs as much time as a wrong password, so response times do not tell
        // which user names exist.
        let hash = user?.passwordHash
        let password = credentials.password
        // Bcrypt takes a quarter of a second at cost 12: keep it off the event loop and off the
        // cooperative pool, which has only two threads on the gateway box. The timing hash is made
        // on first use, so that happens on the thread pool too.
        let matches = try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password, hash: hash ?? Self.timingHash)
        }
        return user != nil && matches
    }

    /// A hash nobody's password matches, verified in place of a missing user's.
    private static let timingHash = Bcrypt.hash("tocsin: no such user", cost: 12)

    /// Splits `Basic base64(user:password)`. The scheme is case-insensitive (RFC 7617).
    static func basicCredentials(_ header: String) -> (user: String, password: String)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic" else { return nil }
        guard let data = Data(base64Encoded: parts[1].trimmed),
              let decoded = String(bytes: data, encoding: .utf8),
              let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }

    static func unauthorized(_ message: String) -> Response {
        var response = JSONResponse.make(APIError.invalid(field: nil, message: message).body, status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Basic realm=\"\(realm)\""
        return response
    }
}
