import Alarming

/// `GET /api/health`: whether the server answers, how many alarms are open, and its version.
struct HealthRoute {
    let service: AlarmService
    let version: String

    func register(on table: RouteTable) {
        table.get("/api/health") { _, _ in
            let open = await service.openCount
            return JSONResponse.make(.object([
                ("status", .string("ok")),
                ("openAlarms", .int(Int64(open))),
                ("version", .string(version)),
            ]))
        }
    }
}
