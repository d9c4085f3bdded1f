#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A fresh directory under /tmp for one test's SQLite files, removed when the test is done.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/tocsin-storage-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let created else { throw TestFailure("mkdtemp failed with errno \(errno)") }
        path = String(cString: created)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }
}

/// Runs `body` with a temporary directory that is removed afterwards, pass or fail.
func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try await body(directory)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Overwrites `count` bytes of a file at `offset`, as a torn write or a bad sector would.
func overwrite(_ path: String, offset: Int, count: Int, with byte: UInt8) throws {
    let fd = open(path, O_WRONLY)
    guard fd >= 0 else { throw TestFailure("cannot open \(path): errno \(errno)") }
    defer { close(fd) }
    let bytes = [UInt8](repeating: byte, count: count)
    let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, count, off_t(offset)) }
    guard written == count else { throw TestFailure("short write to \(path)") }
}

func fileSize(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.size] as? Int) ?? Int((attributes[.size] as? UInt64) ?? 0)
}
