#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Alarming

/// The JSON body of one webhook push. Its keys are a contract with receivers: they are encoded in
/// a fixed order and absent values are written as `null`, never left out, so a receiver can rely
/// on every key being there.
struct WebhookPayload: Encodable, Sendable {
    struct Source: Encodable, Sendable {
        var kind: String
        var name: String
    }

    struct Recipient: Encodable, Sendable {
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

    private enum CodingKeys: String, CodingKey {
        case alarm, group, routedGroup, text, priority, source, reference, callbackNumber, receivedAt, destination, attempt, repetition
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(alarm, forKey: .alarm)
        try container.encode(group, forKey: .group)
        try container.encode(routedGroup, forKey: .routedGroup)
        try container.encode(text, forKey: .text)
        try container.encode(priority, forKey: .priority)
        try container.encode(source, forKey: .source)
        try container.encode(reference, forKey: .reference)
        try container.encode(callbackNumber, forKey: .callbackNumber)
        try container.encode(receivedAt, forKey: .receivedAt)
        try container.encode(destination, forKey: .destination)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(repetition, forKey: .repetition)
    }

    /// The body bytes, keys in the documented order (JSONEncoder does not keep the order of keys,
    /// so the object is assembled here and only the values go through the encoder, which does the
    /// escaping). Dates are ISO 8601 UTC, as everywhere else in Tocsin's JSON.
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        func value(_ value: some Encodable) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        func object(_ fields: [(String, String)]) -> String {
            "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
        }
        let json = object([
            ("alarm", try value(alarm)),
            ("group", try value(group)),
            ("routedGroup", try value(routedGroup)),
            ("text", try value(text)),
            ("priority", try value(priority)),
            ("source", object([("kind", try value(source.kind)), ("name", try value(source.name))])),
            ("reference", try value(reference)),
            ("callbackNumber", try value(callbackNumber)),
            ("receivedAt", try value(receivedAt)),
            ("destination", object([("phoneId", try value(destination.phoneId)), ("name", try value(destination.name))])),
            ("attempt", try value(attempt)),
            ("repetition", try value(repetition)),
        ])
        return Array(json.utf8)
    }
}
