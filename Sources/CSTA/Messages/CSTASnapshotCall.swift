/// One call found on a device by SnapshotDevice: the device's connection and its local states
/// (ECSS-10 lists `localConnectionState` values such as `alerting`; Uni-tel gives none).
public struct CSTASnapshotCall: Sendable, Hashable {
    public var connection: CSTAConnectionID
    public var localConnectionStates: [String]

    public init(connection: CSTAConnectionID, localConnectionStates: [String] = []) {
        self.connection = connection
        self.localConnectionStates = localConnectionStates
    }

    /// Reads both shapes: ECSS-10's `snapshotDeviceResponseInfo*` each with one
    /// `connectionIdentifier` and a `localCallState`, and Uni-tel's one `snapshotDeviceResponseInfo`
    /// holding several `connectionIdentifier`s.
    static func calls(in response: CSTAElement) -> [CSTASnapshotCall] {
        var calls: [CSTASnapshotCall] = []
        for info in response.descendants(named: "snapshotDeviceResponseInfo") {
            let states = info.descendants(named: "localConnectionState").compactMap(\.value)
                + info.descendants(named: "simpleCallState").compactMap(\.value)
            for identifier in info.children("connectionIdentifier") {
                guard let connection = CSTAConnectionID(identifier) else { continue }
                calls.append(CSTASnapshotCall(connection: connection, localConnectionStates: states))
            }
        }
        return calls
    }
}
