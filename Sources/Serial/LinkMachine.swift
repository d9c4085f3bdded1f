import ESPA444

/// The link machine of a port, whichever role it plays, driven with the monotonic clock.
enum LinkMachine {
    typealias Instant = ContinuousClock.Instant
    typealias Action = LinkAction<Instant>

    case pagingSystem(PagingSystemLink<Instant>)
    case controlStation(ControlStationLink<Instant>)

    init(settings: PortSettings, firstSequence: UInt64, now: Instant) {
        let receiver = settings.receiverConfiguration(firstSequence: firstSequence)
        switch settings.role {
        case .pagingSystem:
            self = .pagingSystem(PagingSystemLink(
                configuration: .init(receiver: receiver, supervisionTime: settings.supervisionTime),
                now: now
            ))
        case .controlStation:
            self = .controlStation(ControlStationLink(
                configuration: .init(
                    receiver: receiver,
                    polledAddresses: settings.polledAddresses,
                    pollInterval: settings.pollInterval,
                    supervisionTime: settings.supervisionTime
                ),
                now: now
            ))
        }
    }

    mutating func start(now: Instant) -> [Action] {
        switch self {
        case .pagingSystem(var link):
            let actions = link.start(now: now)
            self = .pagingSystem(link)
            return actions
        case .controlStation(var link):
            let actions = link.start(now: now)
            self = .controlStation(link)
            return actions
        }
    }

    mutating func handle(_ input: LinkInput, now: Instant) -> [Action] {
        switch self {
        case .pagingSystem(var link):
            let actions = link.handle(input, now: now)
            self = .pagingSystem(link)
            return actions
        case .controlStation(var link):
            let actions = link.handle(input, now: now)
            self = .controlStation(link)
            return actions
        }
    }
}
