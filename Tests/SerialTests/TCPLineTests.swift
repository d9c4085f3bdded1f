#if canImport(Glibc)
import Glibc
#endif
import Serial
import Testing
import TocsinTestKit

/// TCP "virtual serial" lines: the address forms an integrator writes, the keepalive arithmetic, the
/// reconnect schedule, and a real connection's socket options and failures.
@Suite struct TCPLineTests {
    @Test func addressesAnIntegratorWrites() throws {
        #expect(try TCPAddress.parse(url: "tcp://10.0.0.5:4001") == TCPAddress(host: "10.0.0.5", port: 4001))
        #expect(try TCPAddress.parse(url: "tcp://nport-3.ward.local:950") == TCPAddress(host: "nport-3.ward.local", port: 950))
        #expect(try TCPAddress.parse(url: "tcp://[fd00::5]:4001") == TCPAddress(host: "fd00::5", port: 4001))
        #expect(try TCPAddress.parse("127.0.0.1:65535") == TCPAddress(host: "127.0.0.1", port: 65535))
        #expect(TCPAddress(host: "fd00::5", port: 4001).url == "tcp://[fd00::5]:4001")
        #expect(TCPAddress(host: "10.0.0.5", port: 4001).description == "10.0.0.5:4001")
        #expect(TCPAddress(host: "NPort-3", port: 1).normalised == TCPAddress(host: "nport-3", port: 1))
        #expect(TCPAddress(host: "10.0.0.5", port: 1).isIPAddress)
        #expect(TCPAddress(host: "::1", port: 1).isIPAddress)
        #expect(!TCPAddress(host: "nport", port: 1).isIPAddress)
    }

    @Test func addressMistakesAreNamed() {
        func error(_ text: String) -> String? {
            do {
                _ = try TCPAddress.parse(url: text)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(error("/dev/ttyUSB0") == "does not start with tcp://")
        #expect(error("tcp://10.0.0.5") == "has no port; write the converter's address and TCP port, for example tcp://10.0.0.5:4001")
        #expect(error("tcp://10.0.0.5:") == "has no port; write the converter's address and TCP port, for example tcp://10.0.0.5:4001")
        #expect(error("tcp://:4001") == "has no host; write the converter's address and TCP port, for example tcp://10.0.0.5:4001")
        #expect(error("tcp://10.0.0.5:0") == "has \"0\" as its port; expected 1-65535")
        #expect(error("tcp://10.0.0.5:65536") == "has \"65536\" as its port; expected 1-65535")
        #expect(error("tcp://10.0.0.5:40a1") == "has \"40a1\" as its port; expected 1-65535")
        #expect(error("tcp://10.0.0.5:+401") == "has \"+401\" as its port; expected 1-65535")
        #expect(error("tcp://fd00::5:4001") == "has an IPv6 address that is not valid or not in brackets; write it as tcp://[fd00::5]:4001")
        #expect(error("tcp://[fd00::zz]:4001") == "has an IPv6 address that is not valid or not in brackets; write it as tcp://[fd00::5]:4001")
        #expect(error("tcp://[fd00::5]") == "has no port; write the converter's address and TCP port, for example tcp://10.0.0.5:4001")
        #expect(error("tcp://10.0.0.5:4001/") == "has a path, query or user part; write only the host and port, for example tcp://10.0.0.5:4001")
        #expect(error("tcp://admin@10.0.0.5:4001") == "has a path, query or user part; write only the host and port, for example tcp://10.0.0.5:4001")
        #expect(error("tcp://nport_3!:4001") == "has \"nport_3!\" as its host, which is not a host name or IP address")
        #expect(error("tcp://-nport:4001") == "has \"-nport\" as its host, which is not a host name or IP address")
        #expect(throws: TCPAddressError.missingPort(example: "10.0.0.5:4001")) { try TCPAddress.parse("10.0.0.5") }
    }

    @Test func deviceTextNamesTheLine() throws {
        #expect(try PortLine(device: "/dev/tocsin/port1") == .serial(path: "/dev/tocsin/port1"))
        #expect(try PortLine(device: "tcp://10.0.0.5:4001") == .tcp(TCPAddress(host: "10.0.0.5", port: 4001)))
        #expect(throws: TCPAddressError.self) { try PortLine(device: "tcp://10.0.0.5") }
        #expect(PortLine.tcp(TCPAddress(host: "10.0.0.5", port: 4001)).description == "tcp://10.0.0.5:4001")
        #expect(PortSettings(label: "nport1", line: .tcp(TCPAddress(host: "10.0.0.5", port: 4001))).title == "TCP port nport1")
        #expect(PortSettings(label: "port1", line: .serial(path: "/dev/x")).title == "Serial port port1")
    }

    /// The last unanswered probe ends the connection exactly at the configured time.
    @Test func keepaliveSpreadsTheDeadPeerTimeOverIdleAndThreeProbes() {
        for seconds in [4, 5, 7, 10, 15, 60, 3600] {
            let keepalive = TCPKeepalive(deadPeerSeconds: seconds)
            #expect(keepalive.idle + keepalive.count * keepalive.interval == seconds, "\(keepalive)")
            #expect(keepalive.idle >= keepalive.interval && keepalive.interval >= 1, "\(keepalive)")
            #expect(keepalive.userTimeoutMilliseconds == seconds * 1000)
        }
        let fifteen = TCPKeepalive(deadPeerSeconds: 15)
        #expect([fifteen.idle, fifteen.interval, fifteen.count] == [6, 3, 3])
        #expect(fifteen.description == "15 s (idle 6 s, 3 probes 3 s apart)")
        // Below four seconds the kernel's one-second granularity cannot follow: four it is.
        #expect(TCPKeepalive(deadPeerSeconds: 1) == TCPKeepalive(deadPeerSeconds: 4))
    }

    @Test func reconnectDelaysDoubleUpToTheMaximum() {
        let options = TCPLineOptions(reconnectInitial: .milliseconds(250), reconnectMaximum: .seconds(2))
        #expect((1 ... 6).map { options.reconnectDelay(afterFailures: $0) } == [
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(2), .seconds(2),
        ])
        let defaults = TCPLineOptions()
        #expect(defaults.connectTimeout == .seconds(5))
        #expect(defaults.keepalive == TCPKeepalive(deadPeerSeconds: 15))
        #expect(defaults.reconnectDelay(afterFailures: 1) == .seconds(1))
        #expect(defaults.reconnectDelay(afterFailures: 100) == .seconds(30))
    }

    @Test func aConnectionCarriesBytesWithNoDelayAndKeepaliveSet() async throws {
        let converter = try FakeConverter()
        let keepalive = TCPKeepalive(deadPeerSeconds: 10)
        let connected = try await TCPLine.connect(to: TCPAddress(host: "127.0.0.1", port: converter.port), timeout: .seconds(2), keepalive: keepalive)
        defer { close(connected.fd) }
        let line = try await converter.accept()
        #expect(connected.peer == "127.0.0.1:\(converter.port)")
        #expect(connected.local.hasPrefix("127.0.0.1:"))

        func option(_ level: Int32, _ name: Int32) -> Int32 {
            var value: Int32 = -1
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(connected.fd, level, name, &value, &size)
            return value
        }
        #expect(option(Int32(IPPROTO_TCP), TCP_NODELAY) == 1)
        #expect(option(SOL_SOCKET, SO_KEEPALIVE) == 1)
        #expect(option(Int32(IPPROTO_TCP), TCP_KEEPIDLE) == Int32(keepalive.idle))
        #expect(option(Int32(IPPROTO_TCP), TCP_KEEPINTVL) == Int32(keepalive.interval))
        #expect(option(Int32(IPPROTO_TCP), TCP_KEEPCNT) == 3)
        #expect(option(Int32(IPPROTO_TCP), TCP_USER_TIMEOUT) == 10_000)
        #expect(fcntl(connected.fd, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(connected.fd, F_GETFD) & FD_CLOEXEC != 0)

        let written = [UInt8]([0x06]).withUnsafeBytes { send(connected.fd, $0.baseAddress, 1, 0) }
        #expect(written == 1)
        #expect(try await line.read(count: 1) == [0x06])
    }

    @Test func aRefusedConnectionSaysWhatToCheck() async throws {
        let converter = try FakeConverter()
        let port = converter.port
        converter.stopListening()
        let address = TCPAddress(host: "127.0.0.1", port: port)
        do {
            let connected = try await TCPLine.connect(to: address, timeout: .seconds(2), keepalive: TCPKeepalive(deadPeerSeconds: 15))
            close(connected.fd)
            Issue.record("connected to a closed port")
        } catch {
            #expect(error == .connectFailed(address, errno: ECONNREFUSED))
            #expect("\(error)" == "cannot connect to tcp://127.0.0.1:\(port): Connection refused (the converter is up but nothing listens on that TCP port: check its operation mode is TCP server and the port number, or another host holds its only connection)")
        }
    }

    /// A socket fd is read by the same connection as a tty: bytes both ways, and the converter's
    /// close and reset each end it once, with a reason that says so.
    @Test func theSerialConnectionRunsOverASocket() async throws {
        let converter = try FakeConverter()
        for ending in ["close", "reset"] {
            let connected = try await TCPLine.connect(to: TCPAddress(host: "127.0.0.1", port: converter.port), timeout: .seconds(2), keepalive: TCPKeepalive(deadPeerSeconds: 15))
            let line = try await converter.accept()
            let (events, sink) = AsyncStream.makeStream(of: SerialConnection.Event.self)
            let connection = SerialConnection(fd: connected.fd, path: "tcp://127.0.0.1:\(converter.port)") { sink.yield($0) }
            var iterator = events.makeAsyncIterator()
            // E8: its BCC equals ETX.
            let e8: [UInt8] = [0x01, 0x31, 0x02, 0x31, 0x1F, 0x38, 0x1E, 0x32, 0x1F, 0x54, 0x45, 0x53, 0x54, 0x03, 0x03]
            try line.write(e8)
            var received: [UInt8] = []
            while received.count < e8.count {
                guard case .received(let bytes, _)? = await iterator.next() else { Issue.record("stream ended"); return }
                received += bytes
            }
            #expect(received == e8)
            try connection.write([0x06, 0x11, 0x13])
            #expect(try await line.read(count: 3) == [0x06, 0x11, 0x13])

            if ending == "close" { line.close() } else { line.reset() }
            guard case .gone(let reason)? = await iterator.next() else { Issue.record("no end reported"); return }
            #expect(reason == (ending == "close" ? "connection closed by the peer (read returned 0)" : "connection lost: Connection reset by peer"))
            if ending == "reset" {
                // Writing after a reset is an error for the session to log.
                #expect(throws: SerialError.self) { try connection.write([0x06]) }
            }
            connection.close()
            await connection.waitUntilClosed()
        }
    }
}
