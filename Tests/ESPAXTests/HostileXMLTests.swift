import Testing
@testable import ESPAX

@Suite("XML reading: hostile and broken documents")
struct HostileXMLTests {
    @Test("billion laughs is refused at the DOCTYPE, before any entity is declared")
    func billionLaughs() {
        var entities = #"<!ENTITY lol0 "lol">"#
        for level in 1...9 {
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }
        let xml = #"<?xml version="1.0"?><!DOCTYPE ESPA-X [\#(entities)]><ESPA-X version="1.00"><REQ.P-START invokeID="1" sessionID="S"><CP-GROUPID>1</CP-GROUPID><CP-TEXTMSG>&lol9;</CP-TEXTMSG></REQ.P-START></ESPA-X>"#
        #expect(throws: ESPAXDecodingError.documentTypeDeclaration) { try read(xml) }
    }

    @Test("an external entity (file) is refused and never read")
    func externalEntity() {
        let xml = #"<?xml version="1.0"?><!DOCTYPE ESPA-X [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><ESPA-X version="1.00"><REQ.P-START invokeID="1" sessionID="S"><CP-GROUPID>1</CP-GROUPID><CP-TEXTMSG>&xxe;</CP-TEXTMSG></REQ.P-START></ESPA-X>"#
        #expect(throws: ESPAXDecodingError.documentTypeDeclaration) { try read(xml) }
    }

    @Test("an external DTD on the network is refused without a connection attempt")
    func externalDTD() {
        let xml = #"<?xml version="1.0"?><!DOCTYPE ESPA-X SYSTEM "http://127.0.0.1:9/espa-x.dtd"><ESPA-X version="1.00"><REQ.HEARTBEAT invokeID="1" sessionID="S"/></ESPA-X>"#
        #expect(throws: ESPAXDecodingError.documentTypeDeclaration) { try read(xml) }
    }

    @Test("a parameter entity in the internal subset is refused")
    func parameterEntity() {
        let xml = #"<!DOCTYPE ESPA-X [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]><ESPA-X version="1.00"/>"#
        #expect(throws: ESPAXDecodingError.documentTypeDeclaration) { try read(xml) }
    }

    @Test("an undeclared entity is not well-formed")
    func undeclaredEntity() throws {
        let error = try #require(throws: ESPAXDecodingError.self) {
            try read(espax(#"<REQ.HEARTBEAT invokeID="1" sessionID="S">&lol;</REQ.HEARTBEAT>"#))
        }
        guard case .notWellFormed(let reason, let line, _) = error else { Issue.record("got \(error)"); return }
        #expect(reason.contains("lol"))
        #expect(line == 2)
        #expect(error.responseCode == .notWellFormed)
    }

    @Test("documents that are not well-formed get 601 with a position", arguments: [
        "<ESPA-X version=\"1.00\"><REQ.HEARTBEAT invokeID=\"1\" sessionID=\"S\"></ESPA-X>",
        "<ESPA-X version=\"1.00\"><REQ.HEARTBEAT invokeID=\"1\" sessionID=\"S\"/>",
        "<ESPA-X version=\"1.00\"><REQ.HEARTBEAT invokeID=1/></ESPA-X>",
        "<ESPA-X version=\"1.00\"/><ESPA-X version=\"1.00\"/>",
        "not xml at all",
        "<",
        "\u{FEFF}\u{FEFF}<ESPA-X/>",
    ])
    func notWellFormed(xml: String) {
        let error = #expect(throws: ESPAXDecodingError.self) { try read(xml) }
        guard case .notWellFormed = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error?.responseCode == .notWellFormed)
    }

    @Test("invalid UTF-8 and garbage bytes are not well-formed")
    func invalidBytes() {
        let reader = ESPAXXMLReader()
        let invalidUTF8 = Array("<ESPA-X version=\"1.00\"><REQ.HEARTBEAT invokeID=\"1\" sessionID=\"".utf8) + [0xC3, 0x28] + Array("\"/></ESPA-X>".utf8)
        for bytes in [invalidUTF8, [0x00, 0xFF, 0xFE, 0x13, 0x37], [UInt8](repeating: 0, count: 64)] {
            let error = #expect(throws: ESPAXDecodingError.self) { try reader.read(bytes) }
            #expect(error?.responseCode == .notWellFormed)
        }
    }

    @Test("an empty document is not well-formed")
    func empty() {
        #expect(throws: ESPAXDecodingError.notWellFormed(reason: "empty document", line: 1, column: 1)) { try ESPAXXMLReader().read([]) }
    }

    @Test("nesting deeper than libxml2's default limit is refused (no XML_PARSE_HUGE)")
    func deepNesting() {
        let depth = 5_000
        let xml = espax(#"<REQ.HEARTBEAT invokeID="1" sessionID="S"><PROPRIETARY>"# + String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth) + "</PROPRIETARY></REQ.HEARTBEAT>")
        let error = #expect(throws: ESPAXDecodingError.self) { try read(xml) }
        #expect(error?.responseCode == .notWellFormed)
    }

    @Test("a document over the size cap is not parsed")
    func sizeCap() {
        let reader = ESPAXXMLReader(maximumDocumentSize: 100)
        let bytes = Array(espax(#"<REQ.HEARTBEAT invokeID="1" sessionID="S"/>"#).utf8) + [UInt8](repeating: 0x20, count: 100)
        #expect(throws: ESPAXDecodingError.documentTooLarge(size: bytes.count, limit: 100)) { try reader.read(bytes) }
    }

    @Test("well-formed XML that is no ESPA-X message gets 602")
    func notAMessage() {
        #expect(throws: ESPAXDecodingError.unexpectedRoot(name: "html")) { try read("<html><body/></html>") }
        #expect(throws: ESPAXDecodingError.missingMessage) { try read(#"<ESPA-X version="1.00">  </ESPA-X>"#) }
        #expect(throws: ESPAXDecodingError.severalMessages(names: ["REQ.HEARTBEAT", "REQ.LOGOUT"])) {
            try read(espax(#"<REQ.HEARTBEAT invokeID="1" sessionID="S"/><REQ.LOGOUT invokeID="2" sessionID="S"/>"#))
        }
        #expect(ESPAXDecodingError.missingMessage.responseCode == .invalidMessage)
    }

    @Test("XInclude is not processed")
    func xinclude() throws {
        let document = try read(espax(#"<REQ.P-START invokeID="1" sessionID="S" xmlns:xi="http://www.w3.org/2001/XInclude"><CP-GROUPID>1</CP-GROUPID><CP-TEXTMSG><xi:include href="file:///etc/hostname" parse="text"/></CP-TEXTMSG></REQ.P-START>"#))
        #expect(document["CP-TEXTMSG"] == nil)
    }

    @Test("parsing stops at the DOCTYPE itself: a broken internal subset is never read")
    func stopsBeforeInternalSubset() {
        let xml = #"<!DOCTYPE ESPA-X [<!ENTITY broken <<<>]><ESPA-X version="1.00"/>"#
        #expect(throws: ESPAXDecodingError.documentTypeDeclaration) { try read(xml) }
    }

    @Test("parses run in parallel without leaking the DOCTYPE refusal between them")
    func parallelParsing() async {
        let good = espax(#"<REQ.P-START invokeID="7" sessionID="S1"><CP-GROUPID>12</CP-GROUPID><CP-TEXTMSG>Fire</CP-TEXTMSG></REQ.P-START>"#)
        let hostile = #"<!DOCTYPE ESPA-X [<!ENTITY x "y">]><ESPA-X version="1.00"><REQ.HEARTBEAT invokeID="1" sessionID="S"/></ESPA-X>"#
        let outcomes = await withTaskGroup(of: (good: Int, refused: Int).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var counts = (good: 0, refused: 0)
                    for index in 0..<200 {
                        if index % 3 == 0 {
                            if (try? read(hostile)) == nil { counts.refused += 1 }
                        } else if let document = try? read(good), document.fields == ["CP-GROUPID": "12", "CP-TEXTMSG": "Fire"], document.invokeID == 7 {
                            counts.good += 1
                        }
                    }
                    return counts
                }
            }
            var total = (good: 0, refused: 0)
            for await counts in group {
                total.good += counts.good
                total.refused += counts.refused
            }
            return total
        }
        #expect(outcomes.good == 8 * 133)
        #expect(outcomes.refused == 8 * 67)
    }
}
