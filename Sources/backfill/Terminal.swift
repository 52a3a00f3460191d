import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the CLI writes: data to stdout, messages and logs to stderr.
enum Terminal {
    /// Whether stderr is a terminal (progress is drawn only then).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Writes one line to stderr.
    static func printError(_ line: String) {
        writeAll(2, line + "\n")
    }

    /// Writes `backfill: error: <message>` to stderr.
    static func error(_ message: String) { printError("backfill: error: \(message)") }

    /// Writes all of `text` to a file descriptor.
    static func writeAll(_ fd: Int32, _ text: String) {
        var copy = text
        copy.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// A logger that writes `level: message` lines to stderr (warnings and up unless verbose).
    static func logger(verbose: Bool) -> Logger {
        var logger = Logger(label: "backfill") { _ in StderrLogHandler() }
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }
}

/// A log handler that writes one plain line per message to stderr.
struct StderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        Terminal.printError("\(event.level): \(event.message)")
    }
}

/// The process environment as a dictionary.
enum Environment {
    static var all: [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            p += 1
        }
        return result
    }
}
