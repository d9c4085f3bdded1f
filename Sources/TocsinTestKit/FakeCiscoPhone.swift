// A Cisco IP phone as far as Tocsin can tell, for integration tests and benchmarks: an HTTP server
// that takes `POST /CGI/Execute` as CUCM firmware does (form field `XML`, HTTP Basic credentials,
// `CiscoIPPhoneError Number="4"` for wrong ones), fetches the pushed URL from Tocsin with a phone's
// request headers, reads the `CiscoIPPhoneText` it gets (ISO-8859-1), and only then answers
// `CiscoIPPhoneResponse`. It can be slow, refuse the push, answer a `CiscoIPPhoneError`, or be
// unreachable (nothing listening on its port). Softkeys and the Services list are followed the way
// the phone would, from the same client.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

public final class FakeCiscoPhone: Sendable {
    public enum Mode: Sendable, Equatable {
        /// Fetches the page, then answers `Status="0"`.
        case normal
        /// As `normal`, but answers only after this delay (a phone still playing a tone, or busy).
        case slow(Duration)
        /// HTTP 403 without fetching anything: web access disabled on the phone.
        case refusing
        /// `CiscoIPPhoneError Number="n"` without fetching anything.
        case error(Int)
        /// Nothing listens on the phone's port: connections are refused.
        case unreachable
    }

    /// One `ExecuteItem` of a push.
    public struct ExecuteItem: Sendable, Equatable {
        public var priority: String?
        public var url: String

        public init(priority: String?, url: String) {
            self.priority = priority
            self.url = url
        }
    }

    /// The HTTP client phones fetch their pages with, shared by many phones (one connection pool,
    /// wide enough for a few hundred phones fetching at once). Shut it down after the phones.
    public static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        configuration.timeout = .init(connect: .seconds(5))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// One request to `/CGI/Execute`, as the phone saw it.
    public struct Push: Sendable {
        public var method: String
        public var path: String
        public var headers: [(String, String)]
        /// The raw form body (`XML=…`).
        public var body: String
        /// The `XML` form field, decoded.
        public var xml: String
        public var items: [ExecuteItem]
        /// Whether the Basic credentials were the phone's.
        public var authorized: Bool
        /// The answer the phone sent, once sent.
        public var at: ContinuousClock.Instant

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public struct SoftKey: Sendable, Equatable {
        public var name: String
        public var url: String
        public var position: Int

        public init(name: String, url: String, position: Int) {
            self.name = name
            self.url = url
            self.position = position
        }
    }

    public struct MenuItem: Sendable, Equatable {
        public var name: String
        public var url: String

        public init(name: String, url: String) {
            self.name = name
            self.url = url
        }
    }

    /// A display object the phone fetched, read as the phone reads it.
    public struct Page: Sendable {
        public var url: String
        public var status: Int
        public var headers: [(String, String)]
        public var bytes: [UInt8]
        /// The body decoded as ISO-8859-1, the encoding the phones read.
        public var document: String
        /// The root element's name, such as `CiscoIPPhoneText`.
        public var root: String?
        public var title: String?
        public var prompt: String?
        public var text: String?
        public var menuItems: [MenuItem]
        public var softKeys: [SoftKey]

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        public func softKey(named name: String) -> SoftKey? { softKeys.first { $0.name == name } }
    }

    public enum PhoneError: Error, CustomStringConvertible {
        case noSuchSoftKey(String, page: String)
        case notHTTP(String)

        public var description: String {
            switch self {
            case .noSuchSoftKey(let name, let page): "the page \(page) has no softkey named \(name)"
            case .notHTTP(let url): "\(url) is a phone-internal URI, not a page to fetch"
            }
        }
    }

    /// What a CP-8851 sends with every page request (from a published HTTP trace).
    public static let requestHeaders: [(String, String)] = [
        ("x-CiscoIPPhoneModelName", "CP-8851"),
        ("x-CiscoIPPhoneDisplay", "800,480,24,C"),
        ("x-CiscoIPPhoneSDKVersion", "12.0.1"),
        ("Accept", "x-CiscoIPPhone/*;version=3.0, text/*, image/png, */*"),
        ("Accept-Charset", "iso-8859-1,utf-8;q=0.7,*;q=0.7"),
    ]

    private struct State {
        var mode: Mode
        var pushes: [Push] = []
        var pages: [Page] = []
        var fetchErrors: [String] = []
        var waiters: [(predicate: @Sendable (State) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state: Mutex<State>
    private let channel: Mutex<(any Channel)?>
    private let client: HTTPClient
    public let host: String
    public let port: Int
    public let username: String
    public let password: String

    /// Starts listening on `host`:`port` (0: any free port) unless `mode` is `.unreachable`, which
    /// takes a free port and closes it again. Pages are fetched with `client`, shared by many phones.
    public init(
        host: String = "127.0.0.1", port: Int = 0, username: String, password: String, mode: Mode = .normal, client: HTTPClient
    ) async throws {
        self.state = Mutex(State(mode: mode))
        self.client = client
        self.host = host
        self.username = username
        self.password = password
        let box = Box()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(FakeCiscoPhone.handler(box))
                }
            }
            .bind(host: host, port: port).get()
        self.port = listener.localAddress?.port ?? port
        if mode == .unreachable {
            try? await listener.close()
            self.channel = Mutex(nil)
        } else {
            self.channel = Mutex(listener)
        }
        box.value = self
    }

    /// The address to put in the directory: `host:port`.
    public var address: String { "\(host):\(port)" }

    public var mode: Mode { state.withLock { $0.mode } }

    /// Changes how the next pushes are answered. `.unreachable` closes the listener for good.
    public func set(mode: Mode) async {
        state.withLock { $0.mode = mode }
        if mode == .unreachable { await close() }
    }

    public var pushes: [Push] { state.withLock { $0.pushes } }
    public var pages: [Page] { state.withLock { $0.pages } }
    /// Pages the phone could not fetch, with the reason.
    public var fetchErrors: [String] { state.withLock { $0.fetchErrors } }

    /// Returns once the phone has answered `count` pushes in all.
    public func waitForPushes(_ count: Int) async {
        await wait { $0.pushes.count >= count }
    }

    /// Returns once the phone has fetched `count` pages in all (pushed pages, softkeys, Services).
    public func waitForPages(_ count: Int) async {
        await wait { $0.pages.count >= count }
    }

    private func wait(until predicate: @escaping @Sendable (State) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if predicate(state) { return true }
                state.waiters.append((predicate, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func update(_ change: (inout State) -> Void) {
        let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            change(&state)
            let snapshot = state
            let due = state.waiters.filter { $0.predicate(snapshot) }.map(\.continuation)
            state.waiters.removeAll { $0.predicate(snapshot) }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    /// Fetches a page as the phone does: the pushed URL, a softkey's URL, or the Services URL.
    @discardableResult
    public func fetch(_ url: String) async throws -> Page {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw PhoneError.notHTTP(url) }
        var request = HTTPClientRequest(url: url)
        for (name, value) in Self.requestHeaders { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(10))
        var body = try await response.body.collect(upTo: 64 * 1024)
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        let page = Self.read(url: url, status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, bytes: bytes)
        update { $0.pages.append(page) }
        return page
    }

    /// Presses a softkey of a page: fetches its URL (a `SoftKey:` URI such as Exit is the phone's own).
    @discardableResult
    public func press(_ name: String, on page: Page) async throws -> Page {
        guard let key = page.softKey(named: name) else { throw PhoneError.noSuchSoftKey(name, page: page.url) }
        return try await fetch(key.url)
    }

    public func close() async {
        let listener = channel.withLock { current -> (any Channel)? in
            defer { current = nil }
            return current
        }
        try? await listener?.close()
    }

    // MARK: - Answering a push

    fileprivate func answer(method: String, path: String, headers: [(String, String)], body: String) async -> (status: Int, body: String) {
        let mode = self.mode
        let xml = Self.formField("XML", in: body) ?? ""
        let items = Self.executeItems(xml)
        let authorized = Self.isAuthorized(headers.first { $0.0.lowercased() == "authorization" }?.1, username: username, password: password)
        var answer: (status: Int, body: String)
        if method != "POST" || path != "/CGI/Execute" {
            answer = (404, "")
        } else if mode == .refusing {
            answer = (403, "")
        } else if !authorized {
            answer = (200, "<CiscoIPPhoneError Number=\"4\" />")
        } else if case .error(let number) = mode {
            answer = (200, "<CiscoIPPhoneError Number=\"\(number)\" />")
        } else if items.isEmpty || xml.contains("<CiscoIPPhoneExecute>") == false {
            answer = (200, "<CiscoIPPhoneError Number=\"1\" />")
        } else {
            var response = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CiscoIPPhoneResponse>\n"
            for item in items {
                if item.url.hasPrefix("http://") || item.url.hasPrefix("https://") {
                    do {
                        try await fetch(item.url)
                    } catch {
                        update { $0.fetchErrors.append("\(item.url): \(error)") }
                    }
                }
                response += "<ResponseItem URL=\"\(Self.escape(item.url))\" Data=\"Success\" Status=\"0\" />\n"
            }
            response += "</CiscoIPPhoneResponse>\n"
            answer = (200, response)
            if case .slow(let delay) = mode { try? await Task.sleep(for: delay) }
        }
        let push = Push(method: method, path: path, headers: headers, body: body, xml: xml, items: items, authorized: authorized, at: .now)
        update { $0.pushes.append(push) }
        return answer
    }

    // MARK: - Reading what Tocsin sends

    static func isAuthorized(_ header: String?, username: String, password: String) -> Bool {
        guard let header, header.hasPrefix("Basic "),
              let data = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
              let pair = String(data: data, encoding: .utf8)
        else { return false }
        return pair == "\(username):\(password)"
    }

    /// One field of an `application/x-www-form-urlencoded` body, decoded.
    public static func formField(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return percentDecode(String(parts[1]))
        }
        return nil
    }

    static func percentDecode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), input.count >= 2,
                      let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                input = input.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func executeItems(_ xml: String) -> [ExecuteItem] {
        XMLScan.tags("ExecuteItem", in: xml).map { ExecuteItem(priority: $0["Priority"], url: $0["URL"] ?? "") }
    }

    static func read(url: String, status: Int, headers: [(String, String)], bytes: [UInt8]) -> Page {
        // ISO-8859-1: every byte is the scalar of the same number.
        let document = String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        let root = XMLScan.root(document)
        let softKeys = XMLScan.blocks("SoftKeyItem", in: document).map { block in
            SoftKey(name: XMLScan.text("Name", in: block) ?? "", url: XMLScan.text("URL", in: block) ?? "",
                    position: Int(XMLScan.text("Position", in: block) ?? "") ?? 0)
        }
        let items = XMLScan.blocks("MenuItem", in: document).map { block in
            MenuItem(name: XMLScan.text("Name", in: block) ?? "", url: XMLScan.text("URL", in: block) ?? "")
        }
        return Page(
            url: url, status: status, headers: headers, bytes: bytes, document: document, root: root,
            title: XMLScan.text("Title", in: document), prompt: XMLScan.text("Prompt", in: document),
            text: XMLScan.text("Text", in: document), menuItems: items, softKeys: softKeys)
    }

    static func escape(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("\"", with: "&quot;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }

    fileprivate final class Box: @unchecked Sendable {
        weak var value: FakeCiscoPhone?
    }

    /// Answers each request as the phone would, after the phone has thought about it.
    private static func handler(_ box: Box) -> HTTPRequestCollector {
        HTTPRequestCollector { head, body, _, respond in
            guard let phone = box.value else { return }
            let headers = head.headers.map { ($0.name, $0.value) }
            Task {
                let answer = await phone.answer(method: head.method.rawValue, path: head.uri, headers: headers, body: body)
                respond(.init(status: answer.status, contentType: "text/xml", body: answer.body))
            }
        }
    }
}

/// Just enough XML reading for the flat objects phones exchange: a tag's attributes, an element's
/// text with the five entities and numeric references resolved.
enum XMLScan {
    static func root(_ document: String) -> String? {
        var rest = Substring(document)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            if after.hasPrefix("?") || after.hasPrefix("!") {
                guard let close = after.firstIndex(of: ">") else { return nil }
                rest = after[after.index(after: close)...]
                continue
            }
            return String(after.prefix { $0 != ">" && $0 != " " && $0 != "/" && $0 != "\n" })
        }
        return nil
    }

    /// The attributes of every `<name …>` tag.
    static func tags(_ name: String, in xml: String) -> [[String: String]] {
        var found: [[String: String]] = []
        var rest = Substring(xml)
        while let range = rest.firstRange(of: "<\(name)") {
            let after = rest[range.upperBound...]
            guard let end = after.firstIndex(of: ">") else { break }
            found.append(attributes(String(after[..<end])))
            rest = after[after.index(after: end)...]
        }
        return found
    }

    static func attributes(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(text)
        while let equals = rest.firstIndex(of: "=") {
            let name = String(rest[..<equals].filter { !$0.isWhitespace })
            let afterEquals = rest[rest.index(after: equals)...].drop { $0 == " " }
            guard let quote = afterEquals.first, quote == "\"" || quote == "'" else { break }
            let valueStart = afterEquals.index(after: afterEquals.startIndex)
            guard let valueEnd = afterEquals[valueStart...].firstIndex(of: quote) else { break }
            result[name] = unescape(String(afterEquals[valueStart..<valueEnd]))
            rest = afterEquals[afterEquals.index(after: valueEnd)...]
        }
        return result
    }

    /// The inner text of every `<name>…</name>` block.
    static func blocks(_ name: String, in xml: String) -> [String] {
        var found: [String] = []
        var rest = Substring(xml)
        while let open = rest.firstRange(of: "<\(name)>"), let close = rest[open.upperBound...].firstRange(of: "</\(name)>") {
            found.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return found
    }

    /// The text of the first `<name>` element that is not inside a SoftKeyItem or MenuItem.
    static func text(_ name: String, in xml: String) -> String? {
        var outer = xml
        if name != "Name" && name != "URL" && name != "Position" {
            for container in ["SoftKeyItem", "MenuItem"] {
                while let open = outer.firstRange(of: "<\(container)>"), let close = outer[open.upperBound...].firstRange(of: "</\(container)>") {
                    outer.removeSubrange(open.lowerBound..<close.upperBound)
                }
            }
        }
        return blocks(name, in: outer).first.map(unescape)
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semicolon = after.firstIndex(of: ";"), after.distance(from: after.startIndex, to: semicolon) <= 8 else {
                out += "&"
                rest = after
                continue
            }
            let entity = after[..<semicolon]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                if entity.hasPrefix("#x"), let value = UInt32(entity.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(value) {
                    out.unicodeScalars.append(scalar)
                } else if entity.hasPrefix("#"), let value = UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(value) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "&" + entity + ";"
                }
            }
            rest = after[after.index(after: semicolon)...]
        }
        return out + rest
    }
}
