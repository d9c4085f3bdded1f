// A load generator for the ESPA-X figures: many logged-in sessions multiplexed by one poll(2) loop
// over non-blocking sockets, reading frames by their header and classifying replies with byte
// searches. The benchmark machine has two cores shared with the daemon, so the generator must cost
// far less per request than the server does, or it measures itself.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Alarming
import TocsinTestKit

final class ESPAXLoad {
    private struct Session {
        var fd: Int32
        var sessionID: String
        var input: [UInt8] = []
        var consumed = 0
        var invokeID: UInt32 = 1000
        var inFlight = 0
        var sent = 0
        var sentAt: [UInt32: ContinuousClock.Instant] = [:]
    }

    private var sessions: [Session]
    /// Sets this generator's references apart from earlier ones: alarms are never ended here, and a
    /// running `CP-PR-REF` sent again is (rightly) refused as a duplicate.
    private let tag: String
    nonisolated(unsafe) private static var generators = 0
    private var descriptors: [pollfd]
    private(set) var answered = 0
    private(set) var refused: [String] = []
    private(set) var latencies: [Double] = []
    private(set) var stopped = 0
    /// IND.P-ENDED indications read: in the default (callisto) mode one per process once its pushes are sent.
    private(set) var ended = 0
    private var stopping = false
    /// Processes to stop, found in the answers while reading (sent after the read loop).
    private var toStop: [(session: Int, tan: Int)] = []

    private static let rspStop = Array("<RSP.P-STOP".utf8)
    private static let indEnded = Array("<IND.P-ENDED".utf8)
    private static let tanElement = Array("<SP-PR-TAN>".utf8)

    private static let rspStart = Array("<RSP.P-START".utf8)
    private static let invokeAttribute = Array("invokeID=\"".utf8)
    private static let codeElement = Array("<RSP-CODE>".utf8)

    /// Logs `count` sessions in with the test kit's client, then takes their sockets over.
    init(port: Int, sessions count: Int) throws {
        var sessions: [Session] = []
        for _ in 0..<count {
            let client = try ESPAXTestClient(port: port)
            guard try client.login(client: "Bench", password: "secret1").code == 200, let id = client.sessionID else {
                throw HarnessError("login refused")
            }
            let fd = dup(client.socketDescriptor)
            client.disconnect()
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            sessions.append(Session(fd: fd, sessionID: id))
        }
        self.sessions = sessions
        Self.generators += 1
        tag = "g\(Self.generators)-"
        descriptors = sessions.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
    }

    deinit {
        for session in sessions { close(session.fd) }
    }

    /// Keeps `window` P-STARTs in flight on every session until each has had `perSession` answered.
    /// Returns answered requests per second.
    func sustained(perSession: Int, window: Int) throws -> Double {
        let started = ContinuousClock.now
        let total = sessions.count * perSession
        while answered < total {
            for index in sessions.indices {
                while sessions[index].inFlight < window && sessions[index].sent < perSession {
                    try start(index, reference: "s")
                }
            }
            try receive(timeoutMilliseconds: 5)
            guard refused.isEmpty else { throw HarnessError("P-START refused: \(refused.prefix(3))") }
        }
        return Double(answered) / started.duration(to: .now).seconds
    }

    /// Reads until every answered process has had its IND.P-ENDED or nothing came for `quiet`.
    func awaitEnds(quiet: Duration = .seconds(10)) throws {
        var lastProgress = ContinuousClock.now
        var seen = ended
        while ended < answered && lastProgress.duration(to: .now) < quiet {
            try receive(timeoutMilliseconds: 50)
            if ended != seen { seen = ended; lastProgress = .now }
        }
    }

    /// Sends `rate` P-STARTs a second, spread over the sessions, for `seconds`; keeps each
    /// RSP.P-START latency in milliseconds.
    func paced(rate: Int, seconds: Int) throws {
        let total = rate * seconds
        let started = ContinuousClock.now
        var sent = 0
        let before = answered
        while answered - before < total {
            let due = min(total, Int(started.duration(to: .now).seconds * Double(rate)))
            while sent < due {
                try start(sent % sessions.count, reference: "p", timed: true)
                sent += 1
            }
            try receive(timeoutMilliseconds: 1)
            guard refused.isEmpty else { throw HarnessError("P-START refused: \(refused.prefix(3))") }
            if started.duration(to: .now) > .seconds(seconds * 10 + 30) { throw HarnessError("answers stopped coming") }
        }
    }

    /// Alarms that pass through: each P-START answered 200 is stopped at once by its SP-PR-TAN,
    /// with `window` requests in flight per session, until `total` processes have been stopped.
    /// `every` is called after each `interval` stopped processes.
    func churn(total: Int, window: Int, interval: Int, every: (Int) throws -> Void) throws {
        stopping = true
        let perSession = (total + sessions.count - 1) / sessions.count
        var reported = 0
        while stopped < total {
            for index in sessions.indices {
                while sessions[index].inFlight < window && sessions[index].sent < perSession {
                    try start(index, reference: "c")
                }
            }
            try receive(timeoutMilliseconds: 5)
            guard refused.isEmpty else { throw HarnessError("refused: \(refused.prefix(3))") }
            while stopped - reported >= interval {
                reported += interval
                try every(reported)
            }
        }
        stopping = false
    }

    private func stop(_ index: Int, tan: Int) throws {
        sessions[index].invokeID &+= 1
        let id = sessions[index].invokeID
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><ESPA-X xmlns="http://ns.espa-x.org/espa-x" version="1.00" \
            timestamp="2025-01-01T12:00:00"><REQ.P-STOP invokeID="\(id)" sessionID="\(sessions[index].sessionID)">\
            <SP-PR-TAN>\(tan)</SP-PR-TAN><CP-PR-MASK>All</CP-PR-MASK></REQ.P-STOP></ESPA-X>
            """
        try send(ESPAXTestClient.frame(xml, number: id), on: index)
        sessions[index].inFlight += 1
    }

    private func send(_ frame: [UInt8], on index: Int) throws {
        var offset = 0
        while offset < frame.count {
            let written = frame[offset...].withUnsafeBytes { write(sessions[index].fd, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if errno == EAGAIN || errno == EINTR {
                try receive(timeoutMilliseconds: 1)
            } else {
                throw HarnessError("write failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    private func start(_ index: Int, reference: String, timed: Bool = false) throws {
        sessions[index].invokeID &+= 1
        let id = sessions[index].invokeID
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><ESPA-X xmlns="http://ns.espa-x.org/espa-x" version="1.00" \
            timestamp="2025-01-01T12:00:00"><REQ.P-START invokeID="\(id)" sessionID="\(sessions[index].sessionID)">\
            <CP-PR-REF>\(tag)\(reference)\(index)-\(id)</CP-PR-REF><CP-GROUPID>0815</CP-GROUPID><CP-TEXTMSG>bench</CP-TEXTMSG>\
            </REQ.P-START></ESPA-X>
            """
        try send(ESPAXTestClient.frame(xml, number: id), on: index)
        sessions[index].sent += 1
        sessions[index].inFlight += 1
        if timed { sessions[index].sentAt[id] = .now }
    }

    private func receive(timeoutMilliseconds: Int32) throws {
        guard poll(&descriptors, nfds_t(descriptors.count), timeoutMilliseconds) > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        for index in descriptors.indices where descriptors[index].revents != 0 {
            descriptors[index].revents = 0
            while true {
                let count = chunk.withUnsafeMutableBytes { read(sessions[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    sessions[index].input += chunk[0..<count]
                    if count < chunk.count { break }
                } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                    break
                } else {
                    throw HarnessError("the server closed session \(index)")
                }
            }
            try frames(of: index)
        }
        let pending = toStop
        toStop = []
        for process in pending { try stop(process.session, tan: process.tan) }
    }

    private func frames(of index: Int) throws {
        let now = ContinuousClock.now
        try sessions[index].input.withUnsafeBufferPointer { bytes in
            var at = sessions[index].consumed
            while bytes.count - at >= 10 {
                guard bytes[at] == 0x45, bytes[at + 1] == 0x58 else { throw HarnessError("bad magic from the server") }
                let total = Int(bytes[at + 2]) << 24 | Int(bytes[at + 3]) << 16 | Int(bytes[at + 4]) << 8 | Int(bytes[at + 5])
                guard total >= 10 else { throw HarnessError("the server announced length \(total)") }
                guard bytes.count - at >= total else { break }
                let body = UnsafeBufferPointer(rebasing: bytes[(at + 10)..<(at + total)])
                if let element = Self.find(Self.rspStart, in: body, from: 0) {
                    let code = Self.find(Self.codeElement, in: body, from: element).map { Self.number(in: body, at: $0 + Self.codeElement.count) }
                    if code == 200 {
                        answered += 1
                        if stopping, let tan = Self.find(Self.tanElement, in: body, from: element) {
                            toStop.append((index, Self.number(in: body, at: tan + Self.tanElement.count)))
                        }
                    } else {
                        refused.append(String(decoding: body, as: UTF8.self))
                    }
                    sessions[index].inFlight -= 1
                    if let attribute = Self.find(Self.invokeAttribute, in: body, from: element),
                       let sent = sessions[index].sentAt.removeValue(forKey: UInt32(Self.number(in: body, at: attribute + Self.invokeAttribute.count))) {
                        latencies.append(milliseconds(sent.duration(to: now)))
                    }
                } else if let element = Self.find(Self.rspStop, in: body, from: 0) {
                    let code = Self.find(Self.codeElement, in: body, from: element).map { Self.number(in: body, at: $0 + Self.codeElement.count) }
                    if code == 200 { stopped += 1 } else { refused.append(String(decoding: body, as: UTF8.self)) }
                    sessions[index].inFlight -= 1
                } else if Self.find(Self.indEnded, in: body, from: 0) != nil {
                    ended += 1
                }
                at += total
            }
            sessions[index].consumed = at
        }
        if sessions[index].consumed > 65_536 {
            sessions[index].input.removeFirst(sessions[index].consumed)
            sessions[index].consumed = 0
        }
    }

    private static func find(_ needle: [UInt8], in body: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard body.count - start >= needle.count else { return nil }
        let first = needle[0]
        var at = start
        let last = body.count - needle.count
        outer: while at <= last {
            if body[at] == first {
                for offset in 1..<needle.count where body[at + offset] != needle[offset] {
                    at += 1
                    continue outer
                }
                return at
            }
            at += 1
        }
        return nil
    }

    private static func number(in body: UnsafeBufferPointer<UInt8>, at start: Int) -> Int {
        var value = 0
        var at = start
        while at < body.count, body[at] >= 0x30, body[at] <= 0x39 {
            value = value * 10 + Int(body[at] - 0x30)
            at += 1
        }
        return value
    }
}
