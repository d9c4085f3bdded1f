#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import TocsinDaemon

/// A fresh directory under /tmp, removed with its files when the test ends.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/tocsin-config-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." {
                    let child = path + "/" + name
                    if unlink(child) != 0 { rmdir(child) }
                }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    /// Writes `bytes` to `name` in this directory and returns its path.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let file = path + "/" + name
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot create \(file)")
        let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
        precondition(written == bytes.count, "short write to \(file)")
        close(descriptor)
        return file
    }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        write(name, bytes: Array(text.utf8))
    }
}

@Suite("Configuration files on disk")
struct ConfigurationFileTests {
    @Test("a file is loaded, its problems named after its path")
    func loadsAFile() throws {
        let directory = TemporaryDirectory()
        let good = directory.write("good.toml", "[http]\nport = 9000\n")
        var expected = Configuration.defaults
        expected.http.port = 9000
        #expect(try Configuration.load(path: good) == expected)

        let bad = directory.write("bad.toml", "[http]\nport = 0\nprot = 1\n")
        do {
            _ = try Configuration.load(path: bad)
            Issue.record("the bad file was accepted")
        } catch {
            #expect(error.origin == bad)
            #expect(error.description == "\(bad):3: http.prot: unknown key; did you mean http.port?")
        }
    }

    @Test("a Windows-edited file: byte order mark and CRLF line ends")
    func windowsFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("windows.toml", bytes: [0xEF, 0xBB, 0xBF] + Array("[alarms]\r\ntechnical_group = \"42\"\r\n".utf8))
        #expect(try Configuration.load(path: path).alarms.technicalGroup == "42")
    }

    @Test("a missing file is a problem of the file, without a line")
    func missingFile() {
        let directory = TemporaryDirectory()
        let path = directory.path + "/absent.toml"
        #expect(throws: ConfigurationError(origin: path, problems: [
            .init(key: "", line: nil, message: "cannot open the file: No such file or directory (errno 2)"),
        ])) {
            try Configuration.load(path: path)
        }
        #expect(throws: ConfigurationFile.ReadError.cannotOpen(errno: ENOENT)) { try ConfigurationFile.read(path: path) }
    }

    @Test("a directory is not a configuration file")
    func directoryGiven() {
        let directory = TemporaryDirectory()
        #expect(throws: ConfigurationError(origin: directory.path, problems: [.init(key: "", line: nil, message: "not a regular file")])) {
            try Configuration.load(path: directory.path)
        }
    }

    @Test("a FIFO is refused at once instead of hanging start-up")
    func fifoGiven() {
        let directory = TemporaryDirectory()
        let path = directory.path + "/fifo"
        #expect(mkfifo(path, 0o600) == 0)
        #expect(throws: ConfigurationFile.ReadError.notARegularFile) { try ConfigurationFile.read(path: path) }
    }

    @Test("bytes that are not UTF-8 are refused with their line, never replaced")
    func notUTF8() throws {
        let directory = TemporaryDirectory()
        // Latin-1 "ä" (0xE4) in the group on line 3.
        let path = directory.write("latin1.toml", bytes: Array("# Station\n[alarms]\ntechnical_group = \"".utf8) + [0xE4] + Array("\"\n".utf8))
        #expect(throws: ConfigurationError(origin: path, problems: [
            .init(key: "", line: 3, message: "the file is not valid UTF-8; save it as UTF-8"),
        ])) {
            try Configuration.load(path: path)
        }
        #expect(throws: ConfigurationFile.ReadError.notUTF8(line: 1)) { try ConfigurationFile.decode([0x61, 0xC3]) }
        #expect(throws: ConfigurationFile.ReadError.notUTF8(line: 2)) { try ConfigurationFile.decode([0x0A, 0xED, 0xA0, 0x80]) }
        #expect(try ConfigurationFile.decode(Array("ü\n🔔".utf8)) == "ü\n🔔")
    }

    @Test("an oversized file is refused")
    func oversized() {
        let directory = TemporaryDirectory()
        let comment = Array("# padding padding padding padding padding padding padding padding padding\n".utf8)
        var bytes: [UInt8] = []
        while bytes.count <= ConfigurationFile.maximumSize { bytes += comment }
        let path = directory.write("huge.toml", bytes: bytes)
        #expect(throws: ConfigurationFile.ReadError.tooLarge) { try ConfigurationFile.read(path: path) }
        #expect(ConfigurationFile.ReadError.tooLarge.message == "the file is larger than 1024 KiB; is it the right file?")

        let fits = directory.write("fits.toml", bytes: Array(bytes.prefix(ConfigurationFile.maximumSize - comment.count)))
        #expect(throws: Never.self) { try ConfigurationFile.read(path: fits) }
    }

    @Test("system errors are named in words and by number")
    func systemErrorMessages() {
        #expect(ConfigurationFile.ReadError.cannotOpen(errno: EACCES).message == "cannot open the file: Permission denied (errno 13)")
        #expect(ConfigurationFile.ReadError.cannotRead(errno: EIO).message == "cannot read the file: Input/output error (errno 5)")
    }
}

/// `write(2)`, under a name that `TemporaryDirectory.write` does not shadow.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
