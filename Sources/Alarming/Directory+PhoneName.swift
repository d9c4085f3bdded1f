// Finding a phone by the name a device calls itself: Cisco phones name themselves in phone-facing
// URLs by their CUCM device name (`device=#DEVICENAME#`, such as `SEP001122334455`), which is the
// phone's `name` in the directory.

extension Directory {
    /// The phone with this exact name, or nil when there is none. Two phones of one name are a
    /// directory mistake the phone cannot resolve, so they also give nil: no phone is shown
    /// another phone's alarms.
    public func phone(name: String) async throws -> Phone? {
        let matches = try await phones().filter { $0.name == name }
        return matches.count == 1 ? matches[0] : nil
    }
}
