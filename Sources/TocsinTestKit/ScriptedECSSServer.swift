#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOPosix
import Synchronization

/// An Eltex ECSS-10-style CSTA server on 127.0.0.1, written from csta.md and the ECSS-10 seed: Annex
/// J.2 framing (two zero bytes, a big-endian length that counts the 8-byte header, four ASCII invoke
/// ID digits; events carry 9999), and the seed's responses and events replayed with this call's
/// IDs. What a MakeCall leads to is scripted per called number.
public final class ScriptedECSSServer: Sendable {
    /// How the callee behaves.
    public enum Callee: Sendable {
        /// Rings, then answers: Delivered, then Established from the callee.
        case answers
        /// Busy: a FailedEvent with cause busy, then ConnectionCleared.
        case busy
        /// Rings until the client clears the call.
        case neverAnswers
        /// MakeCall is refused with a CSTAErrorCode.
        case refused(String)
    }

    private struct State {
        var callees: [String: Callee] = [:]
        var requests: [String] = []
        var documents: [String] = []
        var sessionsStarted = 0
        var grantedDuration = 300
        var refuseNextSessionStart = false
        var nextCall = 0
        /// Calls ringing or talking on the PBX, by callID, until the client clears them.
        var activeCalls: [String] = []
        var connections: [any Channel] = []
        var waiters: [(name: String, count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    private let channel: any Channel
    private let nulDelimited: Bool
    public let port: Int

    public static let callingDevice = "725"
    /// The calling device's connection ID as ECSS-10 echoes it (seed item 15, on one line).
    static let callingDeviceID = "725:::MV80MTQ4Nzg5MjgwQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk3ODIyMzA2MDQ1MDMxMDIw#MzE3MDY1Nzk5NA=="

    /// `nulDelimited` speaks Uni-tel's transport instead (see `UniTelConnectionHandler`).
    public init(grantedDuration: Int = 300, nulDelimited: Bool = false) async throws {
        let boxRef = BoxRef()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    if nulDelimited {
                        try child.pipeline.syncOperations.addHandler(UniTelConnectionHandler(server: boxRef))
                    } else {
                        try child.pipeline.syncOperations.addHandler(ECSSConnectionHandler(server: boxRef))
                    }
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        self.nulDelimited = nulDelimited
        state.withLock { $0.grantedDuration = grantedDuration }
        boxRef.box.withLock { $0 = self }
    }

    public func shutdown() async {
        let open = state.withLock { $0.connections }
        for connection in open { try? await connection.close() }
        try? await channel.close()
    }

    public func script(_ number: String, _ callee: Callee) { state.withLock { $0.callees[number] = callee } }
    /// The next StartApplicationSession gets a negative response.
    public func refuseNextSessionStart() { state.withLock { $0.refuseNextSessionStart = true } }
    /// Drops every open connection, as a broken TCP link.
    public func dropConnections() {
        let open = state.withLock { state -> [any Channel] in defer { state.connections.removeAll() }; return state.connections }
        for connection in open { connection.close(promise: nil) }
    }

    /// Ends every open application session as the PBX does when its timer runs out or it is short of
    /// resources: an unsolicited ApplicationSessionTerminated (invoke ID 9999). Calls in progress stay
    /// on the PBX, where the next session's SnapshotDevice finds them. Uni-tel closes the connection
    /// after it (`closing`); ECSS-10 leaves that to the client.
    public func terminateSessions(reason: String = "sessionTimerExpired", closing: Bool = false) {
        let (open, session) = state.withLock { ($0.connections, "f76e5fe9c5e0d44\($0.sessionsStarted)") }
        let xml = "<?xml version=\"1.0\"?>\n<ApplicationSessionTerminated xmlns=\"\(Self.session)\"><sessionID>\(session)</sessionID><sessionTermReason><definedTermReason>\(reason)</definedTermReason></sessionTermReason></ApplicationSessionTerminated>"
        let bytes = nulDelimited ? Array(xml.utf8) + [0] : Self.frame(xml, invokeID: "9999")
        for connection in open {
            let written = connection.writeAndFlush(ByteBuffer(bytes: bytes))
            if closing { written.whenComplete { _ in connection.close(promise: nil) } }
        }
    }

    /// The callIDs of calls the PBX still holds (ringing or answered, and not cleared).
    public var activeCallIDs: [String] { state.withLock { $0.activeCalls } }

    /// The root element names of every request received, in order.
    public var requests: [String] { state.withLock { $0.requests } }
    /// Every request document received, in order, as it came off the wire.
    public var requestDocuments: [String] { state.withLock { $0.documents } }
    public var sessionsStarted: Int { state.withLock { $0.sessionsStarted } }

    /// Returns once `count` requests named `name` have arrived.
    public func waitForRequests(_ name: String, count: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.requests.filter({ $0 == name }).count >= count { return true }
                state.waiters.append((name, count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func opened(_ channel: any Channel) { state.withLock { $0.connections.append(channel) } }

    /// The frames that answer one request: its response (same invoke ID) and any events (9999).
    func answer(_ xml: String, invokeID: String) -> [(String, String)] {
        let name = Self.rootName(xml)
        let (reply, due): ([(String, String)], [CheckedContinuation<Void, Never>]) = state.withLock { state in
            state.requests.append(name)
            state.documents.append(xml)
            let reply = replies(to: name, xml: xml, invokeID: invokeID, state: &state)
            let count = state.requests.filter { $0 == name }.count
            let due = state.waiters.filter { $0.name == name && $0.count <= count }.map(\.continuation)
            state.waiters.removeAll { $0.name == name && $0.count <= count }
            return (reply, due)
        }
        for waiter in due { waiter.resume() }
        return reply
    }

    private static let csta = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
    private static let session = "http://www.ecma-international.org/standards/ecma-354/appl_session"

    private func replies(to name: String, xml: String, invokeID: String, state: inout State) -> [(String, String)] {
        func doc(_ body: String) -> String { "<?xml version=\"1.0\"?>\n" + body }
        switch name {
        case "StartApplicationSession":
            if state.refuseNextSessionStart {
                state.refuseNextSessionStart = false
                return [(invokeID, doc("<StartApplicationSessionNegResponse xmlns=\"\(Self.session)\"><errorCode><definedError>invalidApplicationInfo</definedError></errorCode></StartApplicationSessionNegResponse>"))]
            }
            state.sessionsStarted += 1
            return [(invokeID, doc("""
                <StartApplicationSessionPosResponse xmlns="\(Self.session)">
                  <sessionID>f76e5fe9c5e0d44\(state.sessionsStarted)</sessionID>
                  <actualProtocolVersion>\(Self.csta)</actualProtocolVersion>
                  <actualSessionDuration>\(state.grantedDuration)</actualSessionDuration>
                </StartApplicationSessionPosResponse>
                """))]
        case "ResetApplicationSessionTimer":
            return [(invokeID, doc("<ResetApplicationSessionTimerPosResponse xmlns=\"\(Self.session)\"><actualSessionDuration>\(state.grantedDuration)</actualSessionDuration></ResetApplicationSessionTimerPosResponse>"))]
        case "StopApplicationSession":
            return [(invokeID, doc("<StopApplicationSessionPosResponse xmlns=\"\(Self.session)\"/>"))]
        case "MonitorStart":
            return [(invokeID, doc("<MonitorStartResponse xmlns=\"\(Self.csta)\"><monitorCrossRefID>DMON:f76e605590f2bc03</monitorCrossRefID></MonitorStartResponse>"))]
        case "MonitorStop":
            return [(invokeID, doc("<MonitorStopResponse xmlns=\"\(Self.csta)\"/>"))]
        case "SnapshotDevice":
            // Shaped like the seed's sample 25: one snapshotDeviceResponseInfo per call on the device.
            let calls = state.activeCalls.map { callID in
                "<snapshotDeviceResponseInfo><connectionIdentifier><deviceID typeOfNumber=\"dialingNumber\">\(Self.callingDeviceID)</deviceID><callID>\(callID)</callID></connectionIdentifier><localCallState><compoundCallState><localConnectionState>connected</localConnectionState><localConnectionState>alerting</localConnectionState></compoundCallState></localCallState></snapshotDeviceResponseInfo>"
            }
            return [(invokeID, doc("<SnapshotDeviceResponse xmlns=\"\(Self.csta)\"><crossRefIDorSnapshotData><snapshotData>\(calls.joined())</snapshotData></crossRefIDorSnapshotData></SnapshotDeviceResponse>"))]
        case "MakeCall":
            let called = Self.element("calledDirectoryNumber", in: xml) ?? ""
            state.nextCall += 1
            let callID = "f76e9d66720eb" + String(1000 + state.nextCall % 1000).dropFirst()
            let callee = state.callees[called] ?? .neverAnswers
            switch callee {
            case .answers, .neverAnswers: state.activeCalls.append(callID)
            case .busy, .refused: break
            }
            return makeCall(called: called, callID: callID, invokeID: invokeID, callee: callee)
        case "ClearConnection", "ClearCall":
            let callID = Self.element("callID", in: xml) ?? ""
            state.activeCalls.removeAll { $0 == callID }
            let response = name == "ClearCall" ? "ClearCallResponse" : "ClearConnectionResponse"
            return [(invokeID, doc("<\(response) xmlns=\"\(Self.csta)\"/>")),
                    ("9999", doc(Self.cleared(callID: callID, device: Self.callingDeviceID, cause: "normalClearing")))]
        default:
            return [(invokeID, doc("<CSTAErrorCode xmlns=\"\(Self.csta)\"><operation>requestIncompatibleWithObject</operation></CSTAErrorCode>"))]
        }
    }

    private func makeCall(called: String, callID: String, invokeID: String, callee: Callee) -> [(String, String)] {
        func doc(_ body: String) -> String { "<?xml version=\"1.0\"?>\n" + body }
        if case .refused(let error) = callee {
            return [(invokeID, doc("<CSTAErrorCode xmlns=\"\(Self.csta)\"><operation>\(error)</operation></CSTAErrorCode>"))]
        }
        let calledID = "722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#\(called)"
        var frames = [(invokeID, doc("""
            <MakeCallResponse xmlns="\(Self.csta)">
              <callingDevice><deviceID typeOfNumber="dialingNumber">\(Self.callingDeviceID)</deviceID><callID>\(callID)</callID></callingDevice>
            </MakeCallResponse>
            """))]
        frames.append(("9999", doc("""
            <OriginatedEvent xmlns="\(Self.csta)"><monitorCrossRefID>DMON:f76e605590f2bc03</monitorCrossRefID>
              <originatedConnection><deviceID typeOfNumber="dialingNumber">\(Self.callingDeviceID)</deviceID><callID>\(callID)</callID></originatedConnection>
              <callingDevice><deviceIdentifier>\(Self.callingDeviceID)</deviceIdentifier></callingDevice><calledDevice><notKnown/></calledDevice>
              <localConnectionInfo>connected</localConnectionInfo><cause>normal</cause></OriginatedEvent>
            """)))
        switch callee {
        case .busy:
            frames.append(("9999", doc("""
                <FailedEvent xmlns="\(Self.csta)"><monitorCrossRefID>DMON:f76e605590f2bc03</monitorCrossRefID>
                  <failedConnection><deviceID>\(calledID)</deviceID><callID>\(callID)</callID></failedConnection>
                  <failingDevice><deviceIdentifier>\(calledID)</deviceIdentifier></failingDevice>
                  <calledDevice><deviceIdentifier>\(calledID)</deviceIdentifier></calledDevice><cause>busy</cause></FailedEvent>
                """)))
            frames.append(("9999", doc(Self.cleared(callID: callID, device: calledID, cause: "busy"))))
        case .answers, .neverAnswers:
            frames.append(("9999", doc("""
                <DeliveredEvent xmlns="\(Self.csta)"><monitorCrossRefID>DMON:f76e605590f2bc03</monitorCrossRefID>
                  <connection><deviceID typeOfNumber="dialingNumber">\(calledID)</deviceID><callID>\(callID)</callID></connection>
                  <alertingDevice><deviceIdentifier>\(calledID)</deviceIdentifier></alertingDevice>
                  <callingDevice><deviceIdentifier>\(Self.callingDeviceID)</deviceIdentifier></callingDevice>
                  <calledDevice><deviceIdentifier>\(calledID)</deviceIdentifier></calledDevice>
                  <lastRedirectionDevice><notKnown/></lastRedirectionDevice><cause>newCall</cause></DeliveredEvent>
                """)))
            if case .answers = callee {
                frames.append(("9999", doc("""
                    <EstablishedEvent xmlns="\(Self.csta)"><monitorCrossRefID>DMON:f76e605590f2bc03</monitorCrossRefID>
                      <establishedConnection><deviceID typeOfNumber="dialingNumber">\(calledID)</deviceID><callID>\(callID)</callID></establishedConnection>
                      <answeringDevice><deviceIdentifier>\(calledID)</deviceIdentifier></answeringDevice>
                      <callingDevice><deviceIdentifier>\(Self.callingDeviceID)</deviceIdentifier></callingDevice>
                      <calledDevice><notKnown/></calledDevice><lastRedirectionDevice><notKnown/></lastRedirectionDevice><cause>normal</cause></EstablishedEvent>
                    """)))
            }
        case .refused:
            break
        }
        return frames
    }

    private static func cleared(callID: String, device: String, cause: String) -> String {
        """
        <ConnectionClearedEvent xmlns="\(csta)"><monitorCrossRefID>DMON:f76e605590f2bc03</monitorCrossRefID>
          <droppedConnection><deviceID typeOfNumber="dialingNumber">\(device)</deviceID><callID>\(callID)</callID></droppedConnection>
          <releasingDevice><deviceIdentifier>\(device)</deviceIdentifier></releasingDevice><cause>\(cause)</cause>
          <extensions><privateData><string>release_initiator=system;</string></privateData></extensions></ConnectionClearedEvent>
        """
    }

    /// The first element's local name after the XML declaration.
    static func rootName(_ xml: String) -> String {
        var rest = Substring(xml)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            if after.hasPrefix("?") || after.hasPrefix("!") {
                rest = after.drop { $0 != ">" }
                continue
            }
            let name = after.prefix { !" />\n\r\t".contains($0) }
            return String(name.split(separator: ":").last ?? name)
        }
        return ""
    }

    /// The text of the first element with this local name.
    static func element(_ name: String, in xml: String) -> String? {
        let parts = xml.split(separator: "<", omittingEmptySubsequences: true)
        guard let index = parts.firstIndex(where: { part in
            let tag = part.prefix { !" />\n\r\t".contains($0) }
            return (tag.split(separator: ":").last ?? tag) == name
        }) else { return nil }
        guard let close = parts[index].firstIndex(of: ">") else { return nil }
        let text = parts[index][parts[index].index(after: close)...]
        return String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// An Annex J.2 frame: 0x0000, the big-endian length including this 8-byte header, the invoke ID.
    public static func frame(_ xml: String, invokeID: String) -> [UInt8] {
        let body = Array(xml.utf8)
        let length = body.count + 8
        return [0, 0, UInt8(length >> 8), UInt8(length & 0xFF)] + Array(invokeID.utf8) + body
    }
}

/// Lets the child handlers reach the server, which exists only once bind has returned.
final class BoxRef: Sendable {
    let box = Mutex<ScriptedECSSServer?>(nil)
    var server: ScriptedECSSServer? { box.withLock { $0 } }
}

/// Splits one connection's bytes into Annex J.2 frames and writes the server's answers.
final class ECSSConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: BoxRef
    private var buffer: [UInt8] = []

    init(server: BoxRef) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        server.server?.opened(context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffer += unwrapInboundIn(data).readableBytesView
        while buffer.count >= 8 {
            let length = Int(buffer[2]) << 8 | Int(buffer[3])
            guard buffer[0] == 0, buffer[1] == 0, length >= 8 else {
                context.close(promise: nil)
                return
            }
            guard buffer.count >= length else { return }
            let invokeID = String(decoding: buffer[4..<8], as: UTF8.self)
            let xml = String(decoding: buffer[8..<length], as: UTF8.self)
            buffer.removeFirst(length)
            for (id, reply) in server.server?.answer(xml, invokeID: invokeID) ?? [] {
                context.write(wrapOutboundOut(ByteBuffer(bytes: ScriptedECSSServer.frame(reply, invokeID: id))), promise: nil)
            }
            context.flush()
        }
    }
}
