import Alarming
import ESPAX
import Logging

/// What every connection of one listener shares: settings, the caps, the login throttle, the
/// credential check, the process desk and the live session board.
final class ESPAXServerContext: Sendable {
    let settings: ESPAXListenerSettings
    let connections: ESPAXConnectionTable
    let throttle: ESPAXLoginThrottle
    let verifier: any ESPAXCredentialVerifier
    let desk: ESPAXProcessDesk
    let links: LinkBoard
    let logger: Logger

    init(settings: ESPAXListenerSettings, verifier: any ESPAXCredentialVerifier, desk: ESPAXProcessDesk, links: LinkBoard, logger: Logger) {
        self.settings = settings
        self.connections = ESPAXConnectionTable(maximumConnections: settings.maximumConnections,
                                                maximumSessionsPerClient: settings.maximumSessionsPerClient)
        self.throttle = ESPAXLoginThrottle(baseDelay: settings.loginFailureDelay, maximumDelay: settings.maximumLoginDelay)
        self.verifier = verifier
        self.desk = desk
        self.links = links
        self.logger = logger
    }

    /// What `REQ.S-CONDITION` reports: the load follows how full the connection table is.
    var condition: ESPAXServerCondition {
        let used = connections.count * 100 / max(1, connections.maximumConnections)
        let load: ESPAXLoad = used >= 100 ? .full : used >= 80 ? .heavy : used >= 50 ? .medium : .normal
        return ESPAXServerCondition(health: .ok, hotStandby: false, load: load)
    }
}
