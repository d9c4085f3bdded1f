/// The source reference of an ESPA call: the port it came in on, its call address and the port's
/// running call sequence, written `port/address/sequence`. `%` and `/` in the port name and the
/// address are percent-escaped, so the text always parses back and two addresses never share a
/// prefix. A reset is matched to its alarm by port and address, not by sequence.
public struct CallReference: Sendable, Hashable, CustomStringConvertible, LosslessStringConvertible {
    public var port: String
    public var address: String
    public var sequence: UInt64

    public init(port: String, address: String, sequence: UInt64) {
        self.port = port
        self.address = address
        self.sequence = sequence
    }

    public var description: String {
        "\(CallReference.escape(port))/\(CallReference.escape(address))/\(sequence)"
    }

    /// Parses the text made by `description`; nil for anything else (for example a reference of
    /// another source kind).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let sequence = UInt64(parts[2]),
              let port = CallReference.unescape(parts[0]), let address = CallReference.unescape(parts[1]) else { return nil }
        self.init(port: port, address: address, sequence: sequence)
    }

    /// Whether a reset with this reference ends the alarm raised with `other`: same port, same
    /// call address (compared as strings).
    public func isSameCall(as other: CallReference) -> Bool {
        port == other.port && address == other.address
    }

    private static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "%": escaped += "%25"
            case "/": escaped += "%2F"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func unescape(_ text: Substring) -> String? {
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "%" {
                let code = text[index...].prefix(3)
                switch code {
                case "%25": result.append("%")
                case "%2F": result.append("/")
                default: return nil
                }
                index = text.index(index, offsetBy: 3)
            } else {
                result.append(text[index])
                index = text.index(after: index)
            }
        }
        return result
    }
}
