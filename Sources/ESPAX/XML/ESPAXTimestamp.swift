#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `xs:dateTime` values as Tocsin writes them: UTC, whole seconds, with a `Z`. Clients send local
/// time without a zone (espax.md §4), so Tocsin never reads meaning from theirs, but it states its
/// own zone so nobody has to guess.
public enum ESPAXTimestamp {
    public static func string(from date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        if (0...9999).contains(year) {
            // Fixed width, written in place: three of these go out with every alarm.
            return String(unsafeUninitializedCapacity: 20) { buffer in
                func put(_ value: Int64, _ width: Int, at offset: Int) {
                    var rest = value
                    for index in stride(from: offset + width - 1, through: offset, by: -1) {
                        buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                        rest /= 10
                    }
                }
                put(year, 4, at: 0)
                buffer[4] = UInt8(ascii: "-")
                put(month, 2, at: 5)
                buffer[7] = UInt8(ascii: "-")
                put(day, 2, at: 8)
                buffer[10] = UInt8(ascii: "T")
                put(secondOfDay / 3600, 2, at: 11)
                buffer[13] = UInt8(ascii: ":")
                put(secondOfDay % 3600 / 60, 2, at: 14)
                buffer[16] = UInt8(ascii: ":")
                put(secondOfDay % 60, 2, at: 17)
                buffer[19] = UInt8(ascii: "Z")
                return 20
            }
        }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay % 3600 / 60, 2) + ":" + pad(secondOfDay % 60, 2) + "Z"
    }

    // Howard Hinnant's days-to-civil algorithm: exact for the proleptic Gregorian calendar, and it
    // keeps calendars (and ICU) out of a pure module.
    static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
