import Logging
import Testing
@testable import TocsinDaemon

struct LogOutputTests {
    @Test func secretsAreNeverWritten() {
        #expect(LogOutput.render(key: "password", value: "hunter2") == "<redacted>")
        #expect(LogOutput.render(key: "password_hash", value: "$2b$12$abc") == "<redacted>")
        #expect(LogOutput.render(key: "Authorization", value: "Basic YWRtaW46aHVudGVyMg==") == "<redacted>")
        #expect(LogOutput.render(key: "client_secret", value: "s3cret") == "<redacted>")
    }

    @Test func valuesWithSpacesQuotesOrNewlinesAreQuoted() {
        #expect(LogOutput.render(key: "alarm", value: "12") == "12")
        #expect(LogOutput.render(key: "text", value: "Room 12") == "\"Room 12\"")
        #expect(LogOutput.render(key: "text", value: "a\"b") == "\"a\\\"b\"")
        #expect(LogOutput.render(key: "text", value: "line1\nline2") == "\"line1\\nline2\"")
        #expect(LogOutput.render(key: "text", value: "") == "\"\"")
    }

    @Test func journaldPrioritiesFollowSyslog() {
        #expect(LogOutput.syslogPriority(.critical) == 2)
        #expect(LogOutput.syslogPriority(.error) == 3)
        #expect(LogOutput.syslogPriority(.warning) == 4)
        #expect(LogOutput.syslogPriority(.notice) == 5)
        #expect(LogOutput.syslogPriority(.info) == 6)
        #expect(LogOutput.syslogPriority(.debug) == 7)
        #expect(LogOutput.syslogPriority(.trace) == 7)
    }
}
