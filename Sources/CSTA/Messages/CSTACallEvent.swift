/// One call-control event from a monitor (ECMA-323 §4.1 in csta.md), reduced to what the call
/// tracker reads. Device fields hold the device ID verbatim, or nil for `notKnown` and friends.
public struct CSTACallEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case serviceInitiated = "ServiceInitiatedEvent"
        case originated = "OriginatedEvent"
        case delivered = "DeliveredEvent"
        case established = "EstablishedEvent"
        case failed = "FailedEvent"
        case connectionCleared = "ConnectionClearedEvent"
        case callCleared = "CallClearedEvent"

        /// The element holding the event's connection.
        var connectionElement: String {
            switch self {
            case .serviceInitiated: "initiatedConnection"
            case .originated: "originatedConnection"
            case .delivered: "connection"
            case .established: "establishedConnection"
            case .failed: "failedConnection"
            case .connectionCleared: "droppedConnection"
            case .callCleared: "clearedCall"
            }
        }

        /// The element naming the device the event is about.
        var subjectElement: String? {
            switch self {
            case .serviceInitiated: "initiatingDevice"
            case .originated: "callingDevice"
            case .delivered: "alertingDevice"
            case .established: "answeringDevice"
            case .failed: "failingDevice"
            case .connectionCleared: "releasingDevice"
            case .callCleared: nil
            }
        }
    }

    public var kind: Kind
    public var monitorCrossRefID: String?
    /// The connection the event concerns; `callID` routes it to a call.
    public var connection: CSTAConnectionID?
    /// The initiating, alerting, answering, failing or releasing device.
    public var subjectDevice: String?
    public var callingDevice: String?
    public var calledDevice: String?
    public var localConnectionInfo: String?
    /// The EventCause, such as `newCall`, `normalClearing` or `busy`.
    public var cause: String?

    public init(
        kind: Kind, monitorCrossRefID: String? = nil, connection: CSTAConnectionID? = nil, subjectDevice: String? = nil,
        callingDevice: String? = nil, calledDevice: String? = nil, localConnectionInfo: String? = nil, cause: String? = nil
    ) {
        self.kind = kind
        self.monitorCrossRefID = monitorCrossRefID
        self.connection = connection
        self.subjectDevice = subjectDevice
        self.callingDevice = callingDevice
        self.calledDevice = calledDevice
        self.localConnectionInfo = localConnectionInfo
        self.cause = cause
    }

    init(kind: Kind, _ element: CSTAElement) {
        self.init(
            kind: kind,
            monitorCrossRefID: element.value(of: "monitorCrossRefID"),
            connection: CSTAConnectionID(element.child(kind.connectionElement)),
            subjectDevice: kind.subjectElement.flatMap { CSTADevice.identifier(in: element.child($0)) },
            callingDevice: CSTADevice.identifier(in: element.child("callingDevice")),
            calledDevice: CSTADevice.identifier(in: element.child("calledDevice")),
            localConnectionInfo: element.value(of: "localConnectionInfo"),
            cause: element.value(of: "cause")
        )
    }

    public var callID: String? { connection?.callID }
}
