#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// The daemon's log sink: one line per event on stderr. Under systemd (`JOURNAL_STREAM` set) each
/// line starts with the syslog priority (`<3>`), which journald turns into the entry's priority;
/// elsewhere it starts with a timestamp and the level word. Metadata follows as `key=value`.
/// Values of keys that look like secrets are replaced, so a password never reaches a log.
public struct LogOutput: LogHandler {
    /// The level every logger of the daemon follows; SIGHUP may change it.
    public static let level = Mutex<Logger.Level>(.info)
    static let journald = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil
    private static let writeLock = Mutex<Void>(())

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String) {
        self.label = label
    }

    /// Installs this handler for every `Logger` created afterwards.
    public static func bootstrap(level: Logger.Level) {
        LogOutput.level.withLock { $0 = level }
        LoggingSystem.bootstrap { LogOutput(label: $0) }
    }

    public var logLevel: Logger.Level {
        get { LogOutput.level.withLock { $0 } }
        set { LogOutput.level.withLock { $0 = newValue } }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(LogOutput.render(key: key, value: value))"
        }
        var line: String
        if LogOutput.journald {
            line = "<\(LogOutput.syslogPriority(event.level))>\(label): \(event.message)"
        } else {
            line = "\(LogOutput.timestamp()) \(event.level) \(label): \(event.message)"
        }
        if !fields.isEmpty { line += " " + fields.joined(separator: " ") }
        line += "\n"
        LogOutput.writeLock.withLock { _ in
            LogOutput.writeStandardError(line)
        }
    }

    /// One write(2) per line, retried on EINTR and short writes, so lines never interleave.
    public static func writeStandardError(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    static func render(key: String, value: Logger.Metadata.Value) -> String {
        let lowered = key.lowercased()
        if lowered.contains("password") || lowered.contains("secret") || lowered.contains("authorization") {
            return "<redacted>"
        }
        let text = "\(value)"
        if text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            let escaped = text.replacing("\\", with: "\\\\")
                .replacing("\"", with: "\\\"")
                .replacing("\n", with: "\\n")
            return "\"\(escaped)\""
        }
        return text
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601)
    }
}
