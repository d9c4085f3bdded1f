import CUdev
import Dispatch

/// The udev hot-plug monitor for one subsystem (`tty`), bridged into an `AsyncStream`.
///
/// It listens on udev's "udev" netlink source, never the raw "kernel" one: kernel events come
/// before udevd has set permissions and made the `/dev/serial/by-path` and `/dev/tocsin` symlinks,
/// so a port opened on them races udev (DESIGN §4). The monitor starts receiving *before* the
/// devices already present are enumerated, so a device plugged in between is reported at least
/// once instead of never. When udevd is not running the monitor simply stays quiet; the port
/// supervisor's periodic presence check covers that.
public final class UdevMonitor: @unchecked Sendable {
    public let events: AsyncStream<DeviceEvent>
    private let continuation: AsyncStream<DeviceEvent>.Continuation
    // udev objects are not thread-safe: every call on them happens on `queue`.
    private let queue: DispatchQueue
    private let udev: OpaquePointer
    private let monitor: OpaquePointer
    private let source: any DispatchSourceRead
    private let subsystem: String

    public init(subsystem: String = "tty") throws(SerialError) {
        guard let udev = udev_new() else { throw .udev("udev_new failed") }
        guard let monitor = udev_monitor_new_from_netlink(udev, "udev") else {
            udev_unref(udev)
            throw .udev("cannot open the udev netlink monitor (is AF_NETLINK allowed for this service?)")
        }
        guard udev_monitor_filter_add_match_subsystem_devtype(monitor, subsystem, nil) >= 0,
              udev_monitor_enable_receiving(monitor) >= 0 else {
            udev_monitor_unref(monitor)
            udev_unref(udev)
            throw .udev("cannot start receiving \(subsystem) events")
        }
        self.udev = udev
        self.monitor = monitor
        self.subsystem = subsystem
        (events, continuation) = AsyncStream.makeStream(of: DeviceEvent.self, bufferingPolicy: .bufferingNewest(1024))
        queue = DispatchQueue(label: "tocsin.udev")
        let fd = udev_monitor_get_fd(monitor)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [unowned self] in self.receiveAll() }
        source.resume()
        queue.async { [self] in self.enumeratePresent() }
    }

    private func receiveAll() {
        while let device = udev_monitor_receive_device(monitor) {
            let action = udev_device_get_action(device).map { String(cString: $0) } ?? "change"
            continuation.yield(Self.event(device, action: action, subsystem: subsystem))
            udev_device_unref(device)
        }
    }

    private func enumeratePresent() {
        guard let enumerate = udev_enumerate_new(udev) else { return }
        defer { udev_enumerate_unref(enumerate) }
        udev_enumerate_add_match_subsystem(enumerate, subsystem)
        udev_enumerate_scan_devices(enumerate)
        var entry = udev_enumerate_get_list_entry(enumerate)
        while let current = entry {
            if let name = udev_list_entry_get_name(current), let device = udev_device_new_from_syspath(udev, name) {
                continuation.yield(Self.event(device, action: "present", subsystem: subsystem))
                udev_device_unref(device)
            }
            entry = udev_list_entry_get_next(current)
        }
    }

    private static func event(_ device: OpaquePointer, action: String, subsystem: String) -> DeviceEvent {
        var properties: [String: String] = [:]
        var entry = udev_device_get_properties_list_entry(device)
        while let current = entry {
            if let name = udev_list_entry_get_name(current) {
                properties[String(cString: name)] = udev_list_entry_get_value(current).map { String(cString: $0) } ?? ""
            }
            entry = udev_list_entry_get_next(current)
        }
        var links: [String] = []
        entry = udev_device_get_devlinks_list_entry(device)
        while let current = entry {
            if let name = udev_list_entry_get_name(current) { links.append(String(cString: name)) }
            entry = udev_list_entry_get_next(current)
        }
        return DeviceEvent(
            action: action,
            subsystem: udev_device_get_subsystem(device).map { String(cString: $0) } ?? subsystem,
            syspath: udev_device_get_syspath(device).map { String(cString: $0) } ?? "",
            devnode: udev_device_get_devnode(device).map { String(cString: $0) },
            devlinks: links,
            properties: properties
        )
    }

    private struct Handles: @unchecked Sendable {
        let udev: OpaquePointer
        let monitor: OpaquePointer
    }

    /// Stops the monitor and ends the stream.
    public func stop() {
        source.cancel()
        continuation.finish()
    }

    deinit {
        source.cancel()
        continuation.finish()
        // The queue may still run a handler that holds them: free them after it.
        let handles = Handles(udev: udev, monitor: monitor)
        queue.async {
            udev_monitor_unref(handles.monitor)
            udev_unref(handles.udev)
        }
    }
}
