extension StringProtocol {
    /// The text without leading and trailing white space. FoundationEssentials has no
    /// `trimmingCharacters(in:)`, and full Foundation is kept out of the binary.
    var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
