// HTTP Digest authentication as SIP uses it (RFC 3261 §22, RFC 2617): reading a `401`'s
// `WWW-Authenticate` or a `407`'s `Proxy-Authenticate` challenge and computing the
// `Authorization` / `Proxy-Authorization` answer with MD5, with or without `qop=auth`. MD5 is
// implemented here because the static binary carries no crypto library for one hash.

#if canImport(Glibc)
import Glibc
#endif

/// One `Digest` challenge.
public struct SIPDigestChallenge: Sendable, Hashable {
    public var realm: String
    public var nonce: String
    public var opaque: String?
    public var algorithm: String?
    public var qop: [String]

    /// Parses `Digest realm="…", nonce="…", qop="auth,auth-int", opaque="…", algorithm=MD5`.
    public init?(header: String) {
        let trimmed = header.trimmingXMLSpace()
        guard trimmed.lowercased().hasPrefix("digest") else { return nil }
        var fields: [String: String] = [:]
        var rest = Substring(trimmed.dropFirst("digest".count))
        while !rest.isEmpty {
            rest = rest.trimmingCharacters(inSet: " \t,")
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(inSet: " \t").lowercased()
            rest = rest[rest.index(after: equals)...].trimmingCharacters(inSet: " \t")
            var value: Substring
            if rest.first == "\"" {
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: "\"") else { return nil }
                value = rest[..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(inSet: " \t")
                rest = rest[end...]
            }
            fields[name] = String(value)
        }
        guard let realm = fields["realm"], let nonce = fields["nonce"] else { return nil }
        self.realm = realm
        self.nonce = nonce
        self.opaque = fields["opaque"]
        self.algorithm = fields["algorithm"]
        self.qop = (fields["qop"] ?? "").split(separator: ",").map { $0.trimmingXMLSpace() }.filter { !$0.isEmpty }
    }

    /// Only MD5 (the SIP default) is supported; SHA-256 challenges are reported, not answered.
    public var isSupported: Bool {
        guard let algorithm else { return true }
        return algorithm.uppercased() == "MD5"
    }

    /// The credentials line for `method uri`. `cnonce` is the client's nonce for `qop=auth`.
    public func authorization(method: String, uri: String, username: String, password: String, cnonce: String, nonceCount: Int = 1) -> String {
        let ha1 = MD5.hex("\(username):\(realm):\(password)")
        let ha2 = MD5.hex("\(method):\(uri)")
        var line = "Digest username=\"\(username)\", realm=\"\(realm)\", nonce=\"\(nonce)\", uri=\"\(uri)\""
        if qop.contains("auth") {
            let hex = String(nonceCount, radix: 16)
            let count = String(repeating: "0", count: max(0, 8 - hex.count)) + hex
            let response = MD5.hex("\(ha1):\(nonce):\(count):\(cnonce):auth:\(ha2)")
            line += ", response=\"\(response)\", algorithm=MD5, cnonce=\"\(cnonce)\", qop=auth, nc=\(count)"
        } else {
            let response = MD5.hex("\(ha1):\(nonce):\(ha2)")
            line += ", response=\"\(response)\", algorithm=MD5"
        }
        if let opaque { line += ", opaque=\"\(opaque)\"" }
        return line
    }
}

/// RFC 1321 MD5.
enum MD5 {
    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]
    private static let constants: [UInt32] = (0..<64).map { index in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(index + 1))) * 4_294_967_296).rounded(.down)))
    }

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var bytes = message
        let bitLength = UInt64(message.count) &* 8
        bytes.append(0x80)
        while bytes.count % 64 != 56 { bytes.append(0) }
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var a0: UInt32 = 0x6745_2301, b0: UInt32 = 0xEFCD_AB89, c0: UInt32 = 0x98BA_DCFE, d0: UInt32 = 0x1032_5476
        for chunk in stride(from: 0, to: bytes.count, by: 64) {
            var words = [UInt32](repeating: 0, count: 16)
            for index in 0..<16 {
                let base = chunk + index * 4
                words[index] = UInt32(bytes[base]) | UInt32(bytes[base + 1]) << 8 | UInt32(bytes[base + 2]) << 16 | UInt32(bytes[base + 3]) << 24
            }
            var a = a0, b = b0, c = c0, d = d0
            for index in 0..<64 {
                var f: UInt32
                let g: Int
                switch index {
                case 0..<16: f = (b & c) | (~b & d); g = index
                case 16..<32: f = (d & b) | (~d & c); g = (5 * index + 1) % 16
                case 32..<48: f = b ^ c ^ d; g = (3 * index + 5) % 16
                default: f = c ^ (b | ~d); g = (7 * index) % 16
                }
                f = f &+ a &+ constants[index] &+ words[g]
                a = d
                d = c
                c = b
                b = b &+ (f << shifts[index] | f >> (32 - shifts[index]))
            }
            a0 = a0 &+ a; b0 = b0 &+ b; c0 = c0 &+ c; d0 = d0 &+ d
        }
        return [a0, b0, c0, d0].flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32($0 * 8)) } }
    }

    static func hex(_ text: String) -> String {
        let digits = Array("0123456789abcdef")
        return String(digest(Array(text.utf8)).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }
}
