/// One device as udev reports it: a hot-plug event, or a device already present when the monitor
/// started (coldplug, `action` "present").
public struct DeviceEvent: Sendable, Hashable, CustomStringConvertible {
    /// `add`, `remove`, `change`, `bind`, … as udev sends them, or `present` for coldplug.
    public var action: String
    public var subsystem: String
    /// `/sys/devices/…`
    public var syspath: String
    /// `/dev/ttyUSB0`; nil for devices without a node.
    public var devnode: String?
    /// The symlinks udev made for it (`/dev/serial/by-path/…`, `/dev/tocsin/<label>`).
    public var devlinks: [String]
    /// Every property of the event (ID_PATH, SEQNUM, and any `KEY=VALUE` of a synthetic uevent).
    public var properties: [String: String]

    public init(action: String, subsystem: String, syspath: String, devnode: String?, devlinks: [String], properties: [String: String]) {
        self.action = action
        self.subsystem = subsystem
        self.syspath = syspath
        self.devnode = devnode
        self.devlinks = devlinks
        self.properties = properties
    }

    public var description: String {
        "\(action) \(devnode ?? syspath)" + (devlinks.isEmpty ? "" : " (\(devlinks.joined(separator: " ")))")
    }
}
