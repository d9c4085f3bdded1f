import Alarming

/// What an ESPA port needs from the alarm core. `AlarmService` is the one used in the daemon; the
/// protocol lets the port service's tests watch exactly which calls it makes.
public protocol ESPAAlarmSink: Sendable {
    /// Returns once the alarm is durably journalled: only then may the block be ACKed.
    func raise(_ request: AlarmRequest) async throws -> Alarm
    var openAlarms: [Alarm] { get async }
    func end(_ id: AlarmID, reason: EndReason, by actor: String?) async throws -> Alarm
    func alarms(matching query: AlarmQuery) async throws -> [Alarm]
    @discardableResult
    func raiseTechnical(key: String, text: String, priority: Priority) async -> AlarmID?
    func clearTechnical(key: String) async
}

extension AlarmService: ESPAAlarmSink {}
