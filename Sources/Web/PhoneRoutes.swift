#if canImport(Glibc)
import Glibc
#endif
import Alarming
import Hummingbird
import Logging
import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The URLs Cisco phones fetch themselves, outside `/api` and outside the staff authentication
/// (see `PhoneEndpointPolicy` for theirs):
/// - `GET /cisco/alarms/{id}?phone=|device=`: the alarm page a push points at, a
///   `CiscoIPPhoneText` with an **Acknowledge** softkey while the alarm is open, and **Back**;
/// - `GET|POST /cisco/alarms/{id}/acknowledge?phone=|device=`: the softkey's URL; records who
///   acknowledged (the member on that phone) from which phone;
/// - `GET /cisco/services?device=#DEVICENAME#`: the Services list, a `CiscoIPPhoneMenu` of the
///   phone's five most recent alarms, newest first, each opening its alarm page;
/// - `POST /cisco/authenticate`: the phones' authentication URL (`UserID`, `Password`,
///   `devicename`), answering the bare words `AUTHORIZED`, `UN-AUTHORIZED` or `ERROR`.
struct PhoneRoutes {
    let service: AlarmService
    let journal: any AlarmJournal
    let directory: any Directory
    let policy: PhoneEndpointPolicy

    static let recentLimit = 5

    /// Registers on the router itself: these routes must sit outside the staff authentication
    /// middleware, so they are registered before it is added (Hummingbird builds each route's
    /// middleware chain when the route is added).
    func register(on router: Router<WebRequestContext>) {
        router.get("/cisco/alarms/:id") { request, context in try await alarmPage(request, context) }
        router.get("/cisco/alarms/:id/acknowledge") { request, context in try await acknowledge(request, context) }
        router.post("/cisco/alarms/:id/acknowledge") { request, context in try await acknowledge(request, context) }
        router.get("/cisco/services") { request, context in try await services(request, context) }
        router.post("/cisco/authenticate") { request, context in try await authenticate(request, context) }
        router.get("/cisco/authenticate") { request, context in try await authenticate(request, context) }
    }

    // MARK: - Pages

    private func alarmPage(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let parameters = try await FormParameters.read(request, limit: 4096)
        let phone: Phone
        switch await resolvePhone(parameters, context) {
        case .success(let found): phone = found
        case .failure(let refusal): return refusal.response
        }
        guard let id = Self.alarmID(context) else { return Refusal.notFound("No such alarm").response }
        // Only alarms that went to this phone: the id in the URL is no key to other wards' alarms.
        guard let alarm = try await visibleAlarm(id, to: phone) else { return Refusal.notFound("Alarm \(id) was not sent to this phone").response }
        return Self.xml(page(for: alarm, phone: phone, query: Self.query(for: phone, parameters)), expires: true)
    }

    private func acknowledge(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let parameters = try await FormParameters.read(request, limit: 4096)
        let phone: Phone
        switch await resolvePhone(parameters, context) {
        case .success(let found): phone = found
        case .failure(let refusal): return refusal.response
        }
        guard let id = Self.alarmID(context) else { return Refusal.notFound("No such alarm").response }
        guard try await visibleAlarm(id, to: phone) != nil else { return Refusal.notFound("Alarm \(id) was not sent to this phone").response }
        let person = try await personOn(phone)
        let query = Self.query(for: phone, parameters)
        do {
            let alarm = try await service.acknowledge(id, by: person, phoneID: phone.id)
            context.logger.notice("alarm acknowledged from a phone", metadata: ["alarm": "\(id)", "phone": "\(phone.name)", "by": "\(person)"])
            return Self.xml(page(for: alarm, phone: phone, query: query, acknowledgedHere: true), expires: true)
        } catch AlarmServiceError.alreadyEnded {
            guard let alarm = try await service.alarm(id: id) else { return Refusal.notFound("No such alarm").response }
            return Self.xml(page(for: alarm, phone: phone, query: query), expires: true)
        } catch AlarmServiceError.notFound {
            return Refusal.notFound("No such alarm").response
        }
    }

    private func services(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let parameters = try await FormParameters.read(request, limit: 4096)
        let phone: Phone
        switch await resolvePhone(parameters, context) {
        case .success(let found): phone = found
        case .failure(let refusal): return refusal.response
        }
        let recent = try await journal.history(phoneID: phone.id, limit: Self.recentLimit)
        let base = policy.settings.base
        let query = Self.query(for: phone, parameters)
        if recent.isEmpty {
            return Self.xml(CiscoPhoneXML.text(title: "Recent alarms", prompt: phone.name, text: "No alarms yet.", softKeys: [Self.backKey]), expires: true)
        }
        let items = recent.map { alarm in
            CiscoPhoneXML.MenuItem(
                name: "\(Self.clock(alarm.receivedAt)) \(Self.mark(alarm))\(alarm.request.text)",
                url: "\(base)/cisco/alarms/\(alarm.id)?\(query)"
            )
        }
        let document = CiscoPhoneXML.menu(
            title: "Recent alarms",
            prompt: "\(recent.count) most recent",
            items: items,
            softKeys: [CiscoPhoneXML.SoftKey(name: "Select", url: "SoftKey:Select", position: 1), CiscoPhoneXML.SoftKey(name: "Back", url: "SoftKey:Exit", position: 3)]
        )
        return Self.xml(document, expires: true)
    }

    /// The phones POST the credentials of a push here; the answer is a bare word with no stray
    /// bytes, or the phone reports Error 4.
    private func authenticate(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let parameters: FormParameters
        do {
            parameters = try await FormParameters.read(request, limit: 4096)
        } catch {
            return Self.word("ERROR")
        }
        guard let user = parameters["UserID"], let password = parameters["Password"] else { return Self.word("ERROR") }
        let settings = policy.settings
        let authorized = !settings.username.isEmpty
            && PhoneEndpointPolicy.constantTimeEquals(user, settings.username)
            && PhoneEndpointPolicy.constantTimeEquals(password, settings.password)
        if !authorized {
            context.logger.notice("phone authentication refused", metadata: ["user": "\(user)", "device": "\(parameters["devicename"] ?? "")"])
        }
        return Self.word(authorized ? "AUTHORIZED" : "UN-AUTHORIZED")
    }

    // MARK: - The alarm page

    static let backKey = CiscoPhoneXML.SoftKey(name: "Back", url: "SoftKey:Exit", position: 3)

    private func page(for alarm: Alarm, phone: Phone, query: String, acknowledgedHere: Bool = false) -> String {
        let base = policy.settings.base
        var lines = [alarm.request.text]
        if let callback = alarm.request.callbackNumber, !callback.isEmpty { lines.append("Call back: \(callback)") }
        lines.append("Alarm \(alarm.id), group \(alarm.routedGroup ?? alarm.request.target.value), \(Self.clock(alarm.receivedAt))")
        let prompt: String
        var keys: [CiscoPhoneXML.SoftKey] = []
        if alarm.isOpen {
            prompt = "\(alarm.request.priority.rawValue) - please acknowledge"
            keys.append(CiscoPhoneXML.SoftKey(name: "Acknowledge", url: "\(base)/cisco/alarms/\(alarm.id)/acknowledge?\(query)", position: 1))
        } else if alarm.state == .acknowledged || alarm.acknowledgedBy != nil || alarm.endReason == .finished {
            prompt = acknowledgedHere ? "Acknowledged" : "Acknowledged by \(alarm.acknowledgedBy ?? alarm.endedBy ?? "?")"
            if let by = alarm.acknowledgedBy, let at = alarm.acknowledgedAt { lines.append("Acknowledged by \(by) at \(Self.clock(at))") }
        } else {
            prompt = "Ended (\(alarm.endReason?.rawValue ?? "?"))"
        }
        if !alarm.isOpen, acknowledgedHere, !(alarm.deliveries.first { $0.destination.phoneID == phone.id }?.status == .acknowledged) {
            lines.append("Acknowledged from this phone")
        }
        keys.append(Self.backKey)
        return CiscoPhoneXML.text(title: "\(alarm.request.priority.rawValue) alarm", prompt: prompt, text: lines.joined(separator: "\n"), softKeys: keys)
    }

    /// Whether the alarm was pushed to this phone (it is in its deliveries), so a phone sees only
    /// its own alarms.
    private func visibleAlarm(_ id: AlarmID, to phone: Phone) async throws -> Alarm? {
        guard let alarm = try await service.alarm(id: id) else { return nil }
        return alarm.deliveries.contains { $0.destination.phoneID == phone.id } ? alarm : nil
    }

    /// Who acknowledges from a phone: the member who uses it, or the phone's own name when nobody does.
    private func personOn(_ phone: Phone) async throws -> String {
        let members = try await directory.members().filter { $0.phoneID == phone.id }
        return members.first?.name ?? phone.name
    }

    // MARK: - Who is asking

    struct Refusal: Error {
        var status: HTTPResponse.Status
        var message: String

        static func notFound(_ message: String) -> Refusal { Refusal(status: .notFound, message: message) }

        /// A refusal the phone can still show: a CiscoIPPhoneText with the reason.
        var response: Response {
            PhoneRoutes.xml(CiscoPhoneXML.text(title: "Tocsin", prompt: "Not available", text: message, softKeys: [PhoneRoutes.backKey]), status: status, expires: true)
        }
    }

    private func resolvePhone(_ parameters: FormParameters, _ context: WebRequestContext) async -> Result<Phone, Refusal> {
        let found: Phone?
        do {
            if let text = parameters["phone"] {
                guard let id = Int64(text), id > 0 else { return .failure(.notFound("phone must be a phone id, not \(text)")) }
                found = try await directory.phone(id: id)
            } else if let device = parameters["device"] {
                found = try await directory.phone(name: device)
            } else {
                return .failure(Refusal(status: .badRequest, message: "The URL must name the phone: device=#DEVICENAME#"))
            }
        } catch {
            context.logger.error("phone lookup failed", metadata: ["error": "\(error)"])
            return .failure(Refusal(status: .serviceUnavailable, message: "The directory cannot be read"))
        }
        guard let phone = found else {
            return .failure(.notFound("This phone is not in Tocsin's directory"))
        }
        if policy.settings.requirePhoneAddress, !PhoneEndpointPolicy.peer(context.remoteAddress?.ipAddress, isPhoneAt: phone.address) {
            context.logger.notice("phone page refused: the request did not come from the phone's address", metadata: [
                "phone": "\(phone.name)", "address": "\(phone.address)", "peer": "\(context.remoteAddress?.ipAddress ?? "?")",
            ])
            return .failure(Refusal(status: .forbidden, message: "This page is only for the phone \(phone.name)"))
        }
        return .success(phone)
    }

    /// The query that names the phone in links, in the form the request used.
    static func query(for phone: Phone, _ parameters: FormParameters) -> String {
        if parameters["phone"] == nil, let device = parameters["device"] {
            return "device=" + percentEncode(device)
        }
        return "phone=\(phone.id)"
    }

    static func alarmID(_ context: WebRequestContext) -> AlarmID? {
        guard let text = context.parameters.get("id"), let id = AlarmID(text), id > 0 else { return nil }
        return id
    }

    // MARK: - Answers

    static func xml(_ document: String, status: HTTPResponse.Status = .ok, expires: Bool) -> Response {
        let buffer = ByteBuffer(bytes: CiscoPhoneXML.latin1(document))
        var headers = HTTPFields()
        headers[.contentType] = CiscoPhoneXML.contentType
        headers[.contentLength] = String(buffer.readableBytes)
        // Alarm pages change as people acknowledge: the phone must not show a stale copy.
        if expires { headers[.expires] = "-1" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func word(_ word: String) -> Response {
        let buffer = ByteBuffer(string: word)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain"
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `HH:MM` in the gateway's local time zone, as the ward's clocks show it.
    static func clock(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min))"
    }

    /// A mark before the text of alarms still open, so the list shows which still need someone.
    static func mark(_ alarm: Alarm) -> String {
        alarm.isOpen ? "! " : ""
    }
}
