/// Hands out invoke IDs for the client's requests: 1, 2, … 9998, then 1 again. It never hands out
/// 9999 (the event marker) or 0, and it skips any ID still outstanding, so a slow response can never
/// be confused with the answer to a newer request (csta.md §1.2; pyssimist's plain counter
/// overflowed into a five-digit header).
public struct InvokeIDAllocator: Sendable, Hashable {
    /// The ID handed out last; the next search starts after it.
    public private(set) var last: UInt16

    /// `last` is the ID "before" the first one: 0 (or 9998) makes the first ID 1.
    public init(last: UInt16 = 0) {
        self.last = last
    }

    /// The next free ID, or nil when all 9998 are outstanding.
    public mutating func next(skipping outstanding: Set<InvokeID> = []) -> InvokeID? {
        let span = Int(InvokeID.lastRequestID - InvokeID.firstRequestID) + 1
        var candidate = last
        for _ in 0..<span {
            candidate = candidate >= InvokeID.lastRequestID || candidate < InvokeID.firstRequestID
                ? InvokeID.firstRequestID : candidate + 1
            let id = InvokeID(unchecked: candidate)
            if !outstanding.contains(id) {
                last = candidate
                return id
            }
        }
        return nil
    }
}
