#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ESPAX
@testable import ESPAXServer
import NIOCore
import Testing

/// The connection writes each message straight into one buffer; those bytes must be the frame the
/// ESPA-X codec defines, header number included.
struct ESPAXConnectionFrameTests {
    let now = Date(timeIntervalSince1970: 1_765_000_000)

    func written(_ message: ESPAXServerMessage, headerNumber: UInt32? = nil) -> [UInt8] {
        var buffer = ESPAXConnectionHandler.frame(message, timestamp: now, headerNumber: headerNumber, allocator: ByteBufferAllocator())
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    @Test func aResponseCarriesItsInvokeIDAndTheCodecsBytes() {
        let response = ESPAXServerMessage.processStartResponse(
            ESPAXResponse(invokeID: 0x1_0000_0007, sessionID: "s1", code: .ok), reference: "nc-1", tan: 42, load: nil)
        let bytes = written(response)
        #expect(bytes == response.frame(timestamp: now).bytes)
        #expect(Array(bytes[0..<2]) == [0x45, 0x58])
        #expect(Array(bytes[6..<10]) == [0, 0, 0, 7])
        #expect(Int(bytes[2]) << 24 | Int(bytes[3]) << 16 | Int(bytes[4]) << 8 | Int(bytes[5]) == bytes.count)
    }

    @Test func anIndicationCarriesZeroOrTheGivenNumber() {
        let started = ESPAXServerMessage.processStarted(ESPAXProcessStarted(
            sessionID: "s1", process: ESPAXProcessIdentity(reference: "nc-1", tan: 42, groupID: "0815"), created: now))
        #expect(written(started) == started.frame(timestamp: now).bytes)
        #expect(Array(written(started)[6..<10]) == [0, 0, 0, 0])
        #expect(written(started, headerNumber: 9) == started.frame(timestamp: now, headerNumber: 9).bytes)
    }
}
