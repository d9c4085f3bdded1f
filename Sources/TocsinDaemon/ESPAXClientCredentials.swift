import ESPAX
import ESPAXServer
import HummingbirdBcrypt

/// Checks an ESPA-X login against `[[espax.clients]]`: `LI-CLIENT` names the client, `LI-PASSWORD`
/// must match its bcrypt hash. `LI-USER` is recorded in the session view but not checked, as the
/// clients in the field fill it inconsistently.
struct ESPAXClientCredentials: ESPAXCredentialVerifier {
    let hashes: [String: String]

    init(_ clients: [Configuration.ClientEntry]) {
        hashes = Dictionary(clients.map { ($0.name, $0.passwordHash) }, uniquingKeysWith: { first, _ in first })
    }

    func verify(_ login: ESPAXLoginRequest) -> Bool {
        // An unknown client costs as much time as a wrong password, so timing does not tell
        // which client names exist.
        let hash = hashes[login.client]
        let matches = Bcrypt.verify(login.password, hash: hash ?? Self.timingHash)
        return hash != nil && matches
    }

    private static let timingHash = Bcrypt.hash("tocsin: no such ESPA-X client", cost: 10)
}
