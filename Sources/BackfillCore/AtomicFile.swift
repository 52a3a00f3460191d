#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file by writing a temporary file beside it and renaming it over, so a reader never
/// sees half a file (the results JSON, `--record` files, `config init`).
public enum AtomicFile {
    /// A file that could not be written: one line naming the file and the system's reason.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// Writes all of `bytes` to `fd` (short writes and EINTR retried); 0, or the errno of the
    /// write that failed.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let base = bytes.baseAddress else { return 0 }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return n < 0 ? errno : EIO }
            offset += n
        }
        return 0
    }

    /// Writes `text` to `path` (temporary file, fsync, rename).
    ///
    /// - Parameters:
    ///   - mode: the new file's permission bits (less the umask).
    ///   - replace: false: fail with "exists" when `path` exists (checked atomically, by `link`).
    /// - Throws: ``Failure`` naming the file; the old file, if any, is left as it was.
    public static func write(_ text: String, to path: String, mode: UInt32 = 0o644, replace: Bool = true) throws(Failure) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw Failure(message: "cannot write '\(path)': \(String(cString: strerror(errno)))") }
        var copy = text
        let failed = copy.withUTF8 { Self.writeAll(fd, UnsafeRawBufferPointer($0)) }
        let why = String(cString: strerror(failed != 0 ? failed : errno))
        if failed != 0 || fsync(fd) != 0 {
            close(fd)
            unlink(tmp)
            throw Failure(message: "cannot write '\(path)': \(why)")
        }
        close(fd)
        if !replace {
            defer { unlink(tmp) }
            guard link(tmp, path) == 0 else {
                let why = errno == EEXIST ? "it exists" : String(cString: strerror(errno))
                throw Failure(message: "cannot write '\(path)': \(why)")
            }
            return
        }
        guard rename(tmp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw Failure(message: "cannot write '\(path)': \(why)")
        }
    }
}
