// Alarming owns what an alarm *is* and how it lives: `AlarmRequest` → `Alarm`, its states and end
// reasons, routing a group to its destinations, repetitions, acknowledgement rules, and the event
// stream. It defines the `AlarmJournal`, `Directory` and `DeliveryDriver` protocols that storage and
// the drivers implement. It may not touch concrete I/O, sockets or SQLite.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server's transaction number for an alarm (ESPA-X `SP-PR-TAN`), assigned by the journal.
public typealias AlarmID = Int64

/// ESPA-X priorities, highest first. ESPA 4.4.4 `'1'`, `'2'`, `'3'` map to emergency, high, standard.
public enum Priority: String, Codable, Sendable, CaseIterable, Comparable {
    case emergency = "Emergency"
    case high = "High"
    case medium = "Medium"
    case standard = "Standard"
    case low = "Low"

    /// Lower rank means more urgent.
    public var rank: Int {
        switch self {
        case .emergency: 0
        case .high: 1
        case .medium: 2
        case .standard: 3
        case .low: 4
        }
    }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }

    /// Accepts the ESPA-X spelling in any letter case.
    public init?(caseInsensitive text: String) {
        guard let match = Priority.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            return nil
        }
        self = match
    }
}

/// Where an alarm came from. `kind` says which adapter, `name` which port, client or user.
public struct AlarmSource: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case espa444
        case espax
        case rest
        case web
        /// Raised by Tocsin itself for a fault (supervision) or an alarm that could not be delivered.
        case technical
    }

    public var kind: Kind
    public var name: String

    public init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }
}

/// Whom an alarm is for: a group by its number (the ESPA call address, ESPA-X `CP-GROUPID`), or a
/// single phone by its address (ESPA-X `CP-PHONENO`). Numbers stay strings: `"1"` is not `"01"`.
public enum AlarmTarget: Codable, Sendable, Hashable {
    case group(String)
    case phone(String)

    public var value: String {
        switch self {
        case .group(let number), .phone(let number): number
        }
    }
}

/// What an input adapter hands to the core: one per ESPA block, ESPA-X `REQ.P-START` or REST call.
public struct AlarmRequest: Codable, Sendable, Hashable {
    public var source: AlarmSource
    /// The source's own reference (`CP-PR-REF`, or port/address/sequence for ESPA 4.4.4).
    public var sourceReference: String?
    public var target: AlarmTarget
    public var text: String
    public var priority: Priority
    /// A callback number shown with the alarm, when the source gave one.
    public var callbackNumber: String?

    public init(
        source: AlarmSource,
        sourceReference: String? = nil,
        target: AlarmTarget,
        text: String,
        priority: Priority = .standard,
        callbackNumber: String? = nil
    ) {
        self.source = source
        self.sourceReference = sourceReference
        self.target = target
        self.text = text
        self.priority = priority
        self.callbackNumber = callbackNumber
    }
}

/// The life of an alarm (DESIGN §2). `escalating` may come between `delivered` and `acknowledged`.
public enum AlarmState: String, Codable, Sendable, CaseIterable {
    case received
    case dispatching
    case delivered
    case escalating
    case acknowledged
    case ended

    public var isOpen: Bool { self != .ended }
}

/// Why an alarm ended. The raw values are the ESPA-X `SP-END-REASON` words.
public enum EndReason: String, Codable, Sendable, CaseIterable {
    /// A person acknowledged it (by the group's rule), or its work is done.
    case finished = "Finished"
    /// Its source stopped it (ESPA-X `REQ.P-STOP`, ESPA 4.4.4 call type reset).
    case client = "Client"
    /// Staff ended it on the web page or through REST.
    case `operator` = "Operator"
    /// Nothing could be delivered.
    case failure = "Failure"
    /// The server ended it (shutdown policy, retention).
    case server = "Server"
}

/// Whether one person or every reached destination must acknowledge.
public enum AcknowledgementRule: String, Codable, Sendable, CaseIterable {
    case any
    case all
}

/// One alarm, as the journal holds it and as every part of Tocsin sees it.
public struct Alarm: Codable, Sendable, Identifiable, Hashable {
    public var id: AlarmID
    public var request: AlarmRequest
    /// The group the alarm was routed to. Differs from the requested one when that group is
    /// unknown and the alarm went to the technical group instead.
    public var routedGroup: String?
    /// Why the alarm went somewhere other than its target, when it did.
    public var routingNote: String?
    public var state: AlarmState
    public var endReason: EndReason?
    public var receivedAt: Date
    public var updatedAt: Date
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var endedAt: Date?
    public var endedBy: String?
    public var deliveries: [Delivery]
    /// Grows by one with every journalled change, so the journal never stores an older snapshot over
    /// a newer one.
    public var revision: Int

    public init(
        id: AlarmID,
        request: AlarmRequest,
        routedGroup: String? = nil,
        routingNote: String? = nil,
        state: AlarmState = .received,
        endReason: EndReason? = nil,
        receivedAt: Date,
        updatedAt: Date? = nil,
        acknowledgedAt: Date? = nil,
        acknowledgedBy: String? = nil,
        endedAt: Date? = nil,
        endedBy: String? = nil,
        deliveries: [Delivery] = [],
        revision: Int = 0
    ) {
        self.id = id
        self.request = request
        self.routedGroup = routedGroup
        self.routingNote = routingNote
        self.state = state
        self.endReason = endReason
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt ?? receivedAt
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.endedAt = endedAt
        self.endedBy = endedBy
        self.deliveries = deliveries
        self.revision = revision
    }

    public var isOpen: Bool { state.isOpen }
}
