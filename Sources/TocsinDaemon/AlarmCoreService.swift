import Alarming
import Logging
import ServiceLifecycle

/// Runs the alarm service inside the service group: resumes open alarms at start, and on graceful
/// shutdown stops delivery work without ending any alarm, so the next start picks them up again.
struct AlarmCoreService: Service {
    let alarms: AlarmService
    let logger: Logger
    let onStarted: @Sendable (Int) async -> Void

    func run() async throws {
        let resumed = try await alarms.start()
        await onStarted(resumed)
        // Cancellation (a failing sibling service) stops delivery the same way a graceful stop does.
        try? await gracefulShutdown()
        await alarms.shutdown()
        alarms.events.finish()
        let stillOpen = await alarms.openCount
        logger.info("alarm service stopped", metadata: ["open": "\(stillOpen)"])
    }
}
