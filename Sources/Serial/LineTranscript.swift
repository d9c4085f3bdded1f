import ESPA444

/// How the commissioning tools name bytes and frames for an integrator on site.
public enum LineTranscript {
    /// One byte: its hex value and its name (`06 ACK`, `31 '1'`).
    public static func describe(byte: UInt8) -> String {
        let name: String = switch byte {
        case ESPA444.soh: "SOH"
        case ESPA444.stx: "STX"
        case ESPA444.etx: "ETX"
        case ESPA444.eot: "EOT"
        case ESPA444.enq: "ENQ"
        case ESPA444.ack: "ACK"
        case ESPA444.nak: "NAK"
        case ESPA444.us: "US"
        case ESPA444.rs: "RS"
        case 0x11: "XON"
        case 0x13: "XOFF"
        case 0x20 ..< 0x7F: "'\(Character(Unicode.Scalar(byte)))'"
        default: "."
        }
        return "\(hex([byte])) \(name)"
    }

    /// One decoded frame with its verdict: the BCC check for blocks, then the records.
    public static func describe(frame: Frame) -> String {
        switch frame {
        case .block(let block):
            let bytes = block.bytes
            let bcc = bytes.last.map { hex([$0]) } ?? "--"
            switch block.result {
            case .success(let decoded):
                let records = decoded.records.map { "\($0.identifier)=\(quoted($0.value))" }.joined(separator: " ")
                return "block type '\(decoded.header)' BCC \(bcc) ok: \(records)  [\(hex(bytes))]"
            case .failure(.badBCC(let expected, let received)):
                return "block BCC BAD: expected \(hex([expected])), received \(hex([received]))  [\(hex(bytes))]"
            case .failure(let error):
                return "block BCC \(bcc) refused: \(error)  [\(hex(bytes))]"
            }
        case .eot, .enquiry, .ack, .nak:
            return "\(frame)  [\(hex(frame.bytes))]"
        case .interrupted(let bytes):
            return "incomplete block (cut off): [\(hex(bytes))]"
        case .noise(let bytes):
            return "noise outside any frame: [\(hex(bytes))]"
        }
    }

    private static func quoted(_ value: String) -> String {
        "\"" + value.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\\\"") + "\""
    }
}
