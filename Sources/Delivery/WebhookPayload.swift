#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming

/// The JSON body of one webhook push. Its keys are a contract with receivers: they are written in
/// a fixed order and absent values are written as `null`, never left out, so a receiver can rely
/// on every key being there.
struct WebhookPayload: Sendable {
    struct Source: Sendable {
        var kind: String
        var name: String
    }

    struct Recipient: Sendable {
        var phoneId: Int64
        var name: String
    }

    var alarm: AlarmID
    var group: String?
    var routedGroup: String?
    var text: String
    var priority: String
    var source: Source
    var reference: String?
    var callbackNumber: String?
    var receivedAt: Date
    var destination: Recipient
    var attempt: Int
    var repetition: Int

    init(_ request: DeliveryRequest) {
        let alarm = request.alarm
        self.alarm = alarm.id
        if case .group(let number) = alarm.request.target {
            group = number
        } else {
            group = nil
        }
        routedGroup = alarm.routedGroup
        text = alarm.request.text
        priority = alarm.request.priority.rawValue
        source = Source(kind: alarm.request.source.kind.rawValue, name: alarm.request.source.name)
        reference = alarm.request.sourceReference
        callbackNumber = alarm.request.callbackNumber
        receivedAt = alarm.receivedAt
        destination = Recipient(phoneId: request.destination.phoneID, name: request.destination.name)
        attempt = request.attempt
        repetition = request.repetition
    }

    /// The body bytes. Written by hand rather than through JSONEncoder: a push is one small object,
    /// and the generic encoder cost more than the HTTP exchange around it. Strings are escaped as
    /// JSONEncoder escapes them with `.withoutEscapingSlashes` (a test compares the two byte for
    /// byte); dates are ISO 8601 UTC in whole seconds, as everywhere else in Tocsin's JSON.
    func encoded() -> [UInt8] {
        var json = JSONObjectWriter(capacity: 320 + text.utf8.count)
        json.open()
        json.key("alarm"); json.number(alarm)
        json.key("group"); json.string(group)
        json.key("routedGroup"); json.string(routedGroup)
        json.key("text"); json.string(text)
        json.key("priority"); json.string(priority)
        json.key("source"); json.open()
        json.key("kind"); json.string(source.kind)
        json.key("name"); json.string(source.name)
        json.close()
        json.key("reference"); json.string(reference)
        json.key("callbackNumber"); json.string(callbackNumber)
        json.key("receivedAt"); json.string(receivedAt.formatted(.iso8601))
        json.key("destination"); json.open()
        json.key("phoneId"); json.number(destination.phoneId)
        json.key("name"); json.string(destination.name)
        json.close()
        json.key("attempt"); json.number(attempt)
        json.key("repetition"); json.number(repetition)
        json.close()
        return json.bytes
    }
}

/// Appends JSON objects' parts in the order they are called; the caller keeps the nesting right.
struct JSONObjectWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func open() { bytes.append(UInt8(ascii: "{")) }
    mutating func close() { bytes.append(UInt8(ascii: "}")) }

    /// A member's name (plain ASCII, never escaped) and its colon, after a comma unless it is the first.
    mutating func key(_ name: StaticString) {
        if bytes.last != UInt8(ascii: "{") { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(contentsOf: "\":".utf8)
    }

    mutating func number(_ value: some BinaryInteger) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A string literal, or `null`: quote, backslash and the C0 controls escaped (the short forms
    /// where JSON has them, `\u00xx` otherwise), everything else as its UTF-8 bytes.
    mutating func string(_ value: String?) {
        guard let value else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case 0x08: bytes.append(contentsOf: "\\b".utf8)
            case 0x0C: bytes.append(contentsOf: "\\f".utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\r"): bytes.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\t"): bytes.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
