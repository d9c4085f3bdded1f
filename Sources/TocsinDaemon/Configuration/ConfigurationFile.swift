// Reading a configuration file from disk into text, with plain system calls: the full Foundation
// would pull ICU into the static binary, and every failure must say what is wrong with the file.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum ConfigurationFile {
    /// A configuration file is a few kilobytes; anything this large is the wrong file.
    static let maximumSize = 1 << 20

    enum ReadError: Error, Sendable, Equatable {
        case cannotOpen(errno: Int32)
        case cannotRead(errno: Int32)
        case notARegularFile
        case tooLarge
        /// The bytes are not UTF-8 (TOML requires it); `line` is where the first bad byte is.
        case notUTF8(line: Int)

        var line: Int? {
            if case .notUTF8(let line) = self { return line }
            return nil
        }

        var message: String {
            switch self {
            case .cannotOpen(let code): "cannot open the file: \(ReadError.describe(code))"
            case .cannotRead(let code): "cannot read the file: \(ReadError.describe(code))"
            case .notARegularFile: "not a regular file"
            case .tooLarge: "the file is larger than \(ConfigurationFile.maximumSize / 1024) KiB; is it the right file?"
            case .notUTF8: "the file is not valid UTF-8; save it as UTF-8"
            }
        }

        private static func describe(_ code: Int32) -> String {
            "\(String(cString: strerror(code))) (errno \(code))"
        }
    }

    static func read(path: String) throws(ReadError) -> String {
        // O_NONBLOCK so that a FIFO given by mistake fails below instead of hanging start-up.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw .cannotOpen(errno: errno) }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotRead(errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= maximumSize else { throw .tooLarge }
        }
        return try decode(bytes)
    }

    /// Strict UTF-8: a replacement character would silently change a key or a group number.
    static func decode(_ bytes: [UInt8]) throws(ReadError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var line = 1
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" { line += 1 }
            case .emptyInput:
                return String(decoding: bytes, as: UTF8.self)
            case .error:
                throw .notUTF8(line: line)
            }
        }
    }
}

/// `read(2)`, under a name that `ConfigurationFile.read(path:)` does not shadow.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
