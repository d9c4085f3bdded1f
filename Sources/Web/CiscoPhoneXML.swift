/// The display objects Cisco IP phones render (`CiscoIPPhoneText`, `CiscoIPPhoneMenu`), encoded
/// the way every phone model accepts: ISO-8859-1 bytes declared in the XML prolog and in the
/// `Content-Type`. Characters Latin-1 cannot carry become `?`, control characters other than CR, LF
/// and TAB are dropped, and every text is escaped. Title and Prompt are cut to 32 characters and
/// menu item names to 64, the phones' limits.
enum CiscoPhoneXML {
    static let contentType = "text/xml; charset=ISO-8859-1"
    static let titleLimit = 32
    static let promptLimit = 32
    static let menuNameLimit = 64
    static let menuItemLimit = 100
    /// Past about 4000 bytes older phones refuse a CiscoIPPhoneText.
    static let textLimit = 3000

    struct SoftKey: Equatable, Sendable {
        var name: String
        var url: String
        var position: Int
    }

    struct MenuItem: Equatable, Sendable {
        var name: String
        var url: String
    }

    static func text(title: String, prompt: String, text: String, softKeys: [SoftKey]) -> String {
        var out = prolog + "<CiscoIPPhoneText>\n"
        out += "<Title>\(escape(cut(title, titleLimit)))</Title>\n"
        out += "<Prompt>\(escape(cut(prompt, promptLimit)))</Prompt>\n"
        out += "<Text>\(escape(cut(text, textLimit)))</Text>\n"
        for key in softKeys { out += softKey(key) }
        out += "</CiscoIPPhoneText>\n"
        return out
    }

    static func menu(title: String, prompt: String, items: [MenuItem], softKeys: [SoftKey]) -> String {
        var out = prolog + "<CiscoIPPhoneMenu>\n"
        out += "<Title>\(escape(cut(title, titleLimit)))</Title>\n"
        out += "<Prompt>\(escape(cut(prompt, promptLimit)))</Prompt>\n"
        for item in items.prefix(menuItemLimit) {
            out += "<MenuItem>\n<Name>\(escape(cut(item.name, menuNameLimit)))</Name>\n<URL>\(escape(item.url))</URL>\n</MenuItem>\n"
        }
        for key in softKeys { out += softKey(key) }
        out += "</CiscoIPPhoneMenu>\n"
        return out
    }

    private static let prolog = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"

    private static func softKey(_ key: SoftKey) -> String {
        "<SoftKeyItem>\n<Name>\(escape(key.name))</Name>\n<URL>\(escape(key.url))</URL>\n<Position>\(key.position)</Position>\n</SoftKeyItem>\n"
    }

    /// At most `limit` characters; a cut text ends in `.` so the reader sees it was cut (Latin-1
    /// has no ellipsis character).
    static func cut(_ text: String, _ limit: Int) -> String {
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.filter { isAllowed($0) }))
        guard clean.count > limit else { return clean }
        return String(clean.prefix(limit - 1)) + "."
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                guard isAllowed(scalar) else { continue }
                out.unicodeScalars.append(scalar.value <= 0xFF ? scalar : "?")
            }
        }
        return out
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x00..<0x20, 0x7F..<0xA0: false
        default: true
        }
    }

    /// The document as ISO-8859-1 bytes. `escape` has already replaced everything above U+00FF,
    /// so every scalar maps to exactly one byte.
    static func latin1(_ document: String) -> [UInt8] {
        document.unicodeScalars.map { $0.value <= 0xFF ? UInt8($0.value) : UInt8(ascii: "?") }
    }
}
