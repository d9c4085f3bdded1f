/// Something worth a log line that does not change the link: an unreadable document, an event
/// for no known call, a leftover call being cleared.
public enum CSTANotice: Sendable, Hashable, CustomStringConvertible {
    case unreadableDocument(CSTADecodingError)
    /// A message Tocsin does not use (an unknown event, a service it never requested).
    case ignoredMessage(name: String)
    /// A response that matches no outstanding request.
    case unmatchedResponse(name: String, invokeID: InvokeID?)
    case unmatchedEvent(CSTACallEvent)
    /// SnapshotDevice found a call Tocsin does not follow (left from before a reconnect or a
    /// restart); it is being cleared.
    case leftoverCallCleared(CSTAConnectionID)
    case clearRefused(CSTAConnectionID, CSTAErrorCode)
    case snapshotRefused(device: String, CSTAErrorCode)
    /// No callID is known for the call, so it cannot be cleared.
    case callNotClearable(CSTACallToken)
    case unknownCall(CSTACallToken)
    /// An escalation call was asked for while the link was down; it is placed when the link is up.
    case callWaitingForLink(token: CSTACallToken, calledNumber: String)
    case requestNotFramed(request: String, CSTAFramingError)

    public var description: String {
        switch self {
        case .unreadableDocument(let error): error.description
        case .ignoredMessage(let name): "ignored CSTA message \(name)"
        case .unmatchedResponse(let name, let invokeID): "\(name) with invoke ID \(invokeID.map(\.description) ?? "none") matches no outstanding request"
        case .unmatchedEvent(let event): "\(event.kind.rawValue) for call \(event.callID ?? "?") matches no escalation call"
        case .leftoverCallCleared(let connection): "clearing leftover call \(connection)"
        case .clearRefused(let connection, let error): "PBX refused to clear \(connection): \(error)"
        case .snapshotRefused(let device, let error): "PBX refused SnapshotDevice on \(device): \(error)"
        case .callNotClearable(let token): "\(token) cannot be cleared: the PBX gave no callID"
        case .unknownCall(let token): "\(token) is not in progress"
        case .callWaitingForLink(let token, let number): "\(token) to \(number) waits for the link to the PBX"
        case .requestNotFramed(let request, let error): "\(request) not sent: \(error)"
        }
    }
}
