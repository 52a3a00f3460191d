#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file by writing a temporary file beside it and renaming it over, so a reader never
/// sees half a file (the results JSON, `--record` files).
public enum AtomicFile {
    /// A file that could not be written: one line naming the file and the system's reason.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// Writes `text` to `path` (temporary file, fsync, rename).
    ///
    /// - Throws: ``Failure`` naming the file; the old file, if any, is left as it was.
    public static func write(_ text: String, to path: String) throws(Failure) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(message: "cannot write '\(path)': \(String(cString: strerror(errno)))") }
        var ok = true
        var copy = text
        copy.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, base + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    ok = false
                    break
                }
                offset += n
            }
        }
        let why = String(cString: strerror(errno))
        if !ok || fsync(fd) != 0 {
            close(fd)
            unlink(tmp)
            throw Failure(message: "cannot write '\(path)': \(why)")
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw Failure(message: "cannot write '\(path)': \(why)")
        }
    }
}
