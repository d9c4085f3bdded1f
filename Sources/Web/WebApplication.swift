// Web owns Tocsin's HTTP side: the JSON REST API under `/api` (alarms, live events, the directory,
// users, health), the Callisto-style compatibility surface under `/rest`, the web page, and the
// authentication in front of all of them. It speaks to the core only through `AlarmService` and
// the `AlarmJournal` and `Directory` protocols, never to storage internals. The wire formats are
// documented in `Docs/openapi.yaml`.

import Alarming
import Hummingbird
import Logging
import NIOCore

/// What the web server needs from the daemon.
public struct WebEnvironment: Sendable {
    public var service: AlarmService
    /// For an alarm's journal entries and a phone's history, which `AlarmService` does not serve.
    public var journal: any AlarmJournal
    public var directory: any Directory
    /// The supervised links, for `/api/links`.
    public var links: LinkBoard
    public var policy: WebPolicy
    public var host: String
    /// 0 picks a free port; `onServerRunning` reports the one bound.
    public var port: Int
    public var version: String
    public var logger: Logger
    public var onServerRunning: @Sendable (Int) async -> Void
    /// How long an idle event stream waits before sending a `: keepalive` comment.
    public var keepaliveInterval: Duration
    /// The bcrypt cost of passwords set through `POST /api/users`.
    public var bcryptCost: UInt8
    /// Who may use the phone-facing `/cisco/…` URLs, and the push credentials they check.
    public var phonePolicy: PhoneEndpointPolicy
    /// The Prometheus text for `/metrics`.
    public var metrics: @Sendable () async -> String
    /// Where `/voispeed/events` hands a PBX's event callbacks; nil: the URL does not exist.
    public var pbxEvents: PBXEventReceiver?

    public init(
        service: AlarmService,
        journal: any AlarmJournal,
        directory: any Directory,
        links: LinkBoard = LinkBoard(),
        policy: WebPolicy,
        host: String,
        port: Int,
        version: String,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        keepaliveInterval: Duration = .seconds(15),
        bcryptCost: UInt8 = 12,
        metrics: @escaping @Sendable () async -> String = { "" },
        phonePolicy: PhoneEndpointPolicy = PhoneEndpointPolicy(),
        pbxEvents: PBXEventReceiver? = nil
    ) {
        self.service = service
        self.journal = journal
        self.directory = directory
        self.links = links
        self.policy = policy
        self.host = host
        self.port = port
        self.version = version
        self.logger = logger
        self.onServerRunning = onServerRunning
        self.keepaliveInterval = keepaliveInterval
        self.bcryptCost = bcryptCost
        self.metrics = metrics
        self.phonePolicy = phonePolicy
        self.pbxEvents = pbxEvents
    }
}

/// The web server as a service the daemon runs in its service group.
public func makeWebApplication(_ environment: WebEnvironment) -> some ApplicationProtocol {
    let (router, _) = makeWebRouter(environment)
    let report = environment.onServerRunning
    return Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(environment.host, port: environment.port),
            serverName: "Tocsin/\(environment.version)"
        ),
        onServerRunning: { channel in
            await report(channel.localAddress?.port ?? environment.port)
        },
        logger: environment.logger
    )
}

/// Builds the router with every route behind authentication, and lists the routes it registered.
func makeWebRouter(_ environment: WebEnvironment) -> (Router<WebRequestContext>, [RouteDescription]) {
    let router = Router(context: WebRequestContext.self)
    // Before the middleware: phones have their own authentication (PhoneEndpointPolicy).
    PhoneRoutes(service: environment.service, journal: environment.journal, directory: environment.directory, policy: environment.phonePolicy).register(on: router)
    // Before the middleware too: a PBX is admitted by its address.
    if let receiver = environment.pbxEvents { PBXEventRoutes(receiver: receiver).register(on: router) }
    router.addMiddleware {
        AuthenticationMiddleware(directory: environment.directory, policy: environment.policy)
    }
    let table = RouteTable(router: router)
    AlarmRoutes(service: environment.service, journal: environment.journal).register(on: table)
    EventStream(events: environment.service.events, keepaliveInterval: environment.keepaliveInterval).register(on: table)
    DirectoryRoutes(directory: environment.directory, journal: environment.journal, bcryptCost: environment.bcryptCost).register(on: table)
    HealthRoute(service: environment.service, version: environment.version).register(on: table)
    LinksRoute(links: environment.links).register(on: table)
    MetricsRoute(render: environment.metrics).register(on: table)
    CallistoRoutes(directory: environment.directory).register(on: table)
    PageRoutes().register(on: table)
    return (router, table.routes)
}
