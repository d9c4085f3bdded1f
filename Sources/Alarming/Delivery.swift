#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One place an alarm goes: a phone reached through a driver at an address, on behalf of a member.
public struct Destination: Codable, Sendable, Hashable {
    public var phoneID: Int64
    public var memberID: Int64?
    public var name: String
    public var driver: String
    public var address: String

    public init(phoneID: Int64, memberID: Int64? = nil, name: String, driver: String, address: String) {
        self.phoneID = phoneID
        self.memberID = memberID
        self.name = name
        self.driver = driver
        self.address = address
    }
}

/// Where one destination stands for one alarm. `accepted` means the device took the message; it is
/// not an acknowledgement, which only a person gives.
public enum DeliveryStatus: String, Codable, Sendable, CaseIterable {
    case pending
    case sending
    /// The device or its gateway took the message but has not confirmed it reached the handset
    /// (SIP `202`).
    case queued
    case accepted
    case acknowledged
    case failed

    /// A destination in one of these states must not be sent the first push again.
    public var hasTakenAlarm: Bool { self == .accepted || self == .acknowledged || self == .queued }
}

/// One destination's delivery of one alarm, with its latest outcome.
public struct Delivery: Codable, Sendable, Hashable {
    public var destination: Destination
    public var status: DeliveryStatus
    public var attempts: Int
    /// How many repetitions have been sent after the first accepted push.
    public var repetitions: Int
    public var lastOutcome: String?
    public var updatedAt: Date

    public init(
        destination: Destination,
        status: DeliveryStatus = .pending,
        attempts: Int = 0,
        repetitions: Int = 0,
        lastOutcome: String? = nil,
        updatedAt: Date
    ) {
        self.destination = destination
        self.status = status
        self.attempts = attempts
        self.repetitions = repetitions
        self.lastOutcome = lastOutcome
        self.updatedAt = updatedAt
    }
}
