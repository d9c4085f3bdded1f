/// The text of an alarm SMS and the number it goes to, as `srv=5` wants them.
public enum VOIspeedSMSText {
    /// The seed's limit for `body`: 160 characters.
    public static let limit = 160

    /// `marker: text` on one line, cut to 160 characters with `...` at the end when it was longer
    /// (three full stops: an ellipsis character would force the whole SMS into UCS-2 on many
    /// gateways and cut its length to 70). Line breaks and other control characters become
    /// spaces, and runs of spaces one.
    public static func body(_ text: String, marker: String?) -> String {
        let joined = (marker.map { "\($0): " } ?? "") + text
        var scalars = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in joined.unicodeScalars {
            let isSpace = scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
            if isSpace {
                if !lastWasSpace { scalars.append(" ") }
            } else {
                scalars.append(scalar)
            }
            lastWasSpace = isSpace
        }
        var flat = String(scalars)
        while flat.last == " " { flat.removeLast() }
        guard flat.count > limit else { return flat }
        return String(flat.prefix(limit - 3)) + "..."
    }

    /// A phone's address as an SMS recipient: an extension or a mobile number, with an optional
    /// leading `+`. Spaces, `-`, `/`, `.` and brackets are dropped, so `+39 333 123-4567` is
    /// `+393331234567`. Nil when anything else is left or it is longer than 32 characters.
    public static func recipient(_ address: String) -> String? {
        let kept = address.unicodeScalars.filter { !($0.properties.isWhitespace || "-/.()".unicodeScalars.contains($0)) }
        let number = String(String.UnicodeScalarView(kept))
        guard !number.isEmpty, number.count <= 32 else { return nil }
        let digits = number.hasPrefix("+") ? number.dropFirst() : Substring(number)
        guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) || $0 == "*" || $0 == "#" }) else { return nil }
        return number
    }
}
