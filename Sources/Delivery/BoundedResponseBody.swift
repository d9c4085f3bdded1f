import AsyncHTTPClient
import NIOCore

/// Reading what a phone or webhook receiver answered without letting it hold a push: at most
/// `limit` bytes, and only until the attempt's deadline.
enum BoundedResponseBody {
    /// The bytes that arrived (a cut-off answer gives what it had), or nil when the deadline came
    /// first.
    static func read(_ response: HTTPClientResponse, limit: Int, until deadline: ContinuousClock.Instant) async -> [UInt8]? {
        let body = response.body
        return await withTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                do {
                    for try await chunk in body {
                        bytes.append(contentsOf: chunk.readableBytesView.prefix(limit - bytes.count))
                        if bytes.count >= limit { break }
                    }
                } catch {
                    // A truncated body still gives what arrived.
                }
                return bytes
            }
            group.addTask {
                do { try await Task.sleep(until: deadline, clock: .continuous) } catch {}
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
