/// Session identifiers: 24 characters from a 62-letter alphabet, about 143 bits from the system's
/// cryptographic generator, well inside the XSD's 1–32 characters.
public enum ESPAXSessionID {
    public static let length = 24
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
        String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
