// Everything wrong with a configuration file, collected in one pass so that an integrator fixes the
// whole file at once instead of one error per restart. Each problem names its key and line.

/// The problems found in a configuration file. `description` prints one line per problem, in the
/// `file:line: key: message` form editors and `grep` understand (`file: message` without a line).
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The key path (`http.port`, `users[1].name`), or "" when no single key is at fault.
        public var key: String
        /// The 1-based line, or nil when the problem is about the file as a whole.
        public var line: Int?
        public var message: String

        public init(key: String, line: Int?, message: String) {
            self.key = key
            self.line = line
            self.message = message
        }

        /// `4: http.prot: unknown key; did you mean http.port?`
        public var description: String {
            var text = line.map { "\($0): " } ?? ""
            if !key.isEmpty { text += "\(key): " }
            return text + message
        }
    }

    /// The file path or other name the text came from, printed before every problem.
    public var origin: String
    public var problems: [Problem]

    public init(origin: String, problems: [Problem]) {
        self.origin = origin
        self.problems = problems
    }

    public var description: String {
        problems.map { problem in
            let place = origin + (problem.line.map { ":\($0)" } ?? "")
            let key = problem.key.isEmpty ? "" : "\(problem.key): "
            return "\(place): \(key)\(problem.message)"
        }.joined(separator: "\n")
    }
}
