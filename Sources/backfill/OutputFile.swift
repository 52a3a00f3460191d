#if canImport(Glibc)
    import Glibc
#endif

/// A file an export writes: a temporary file beside `path`, renamed over it by ``finish()``, so
/// a failed or interrupted export leaves no half-written file (and an older file as it was).
final class OutputFile {
    let path: String
    let temporary: String
    let fd: Int32
    private var done = false

    /// Opens the temporary file (its folder must exist).
    init(_ path: String) throws(CLIFailure) {
        self.path = path
        temporary = path + ".tmp-\(getpid())"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIFailure.failed(Self.message(path, errno)) }
    }

    /// Flushes the file to disk and renames it into place.
    func finish() throws(CLIFailure) {
        guard !done else { return }
        done = true
        if fsync(fd) != 0 {
            let e = errno
            close(fd)
            unlink(temporary)
            throw CLIFailure.failed(Self.message(path, e))
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw CLIFailure.failed(Self.message(path, e))
        }
    }

    /// Gives up: the temporary file goes.
    func discard() {
        guard !done else { return }
        done = true
        close(fd)
        unlink(temporary)
    }

    deinit { discard() }

    static func message(_ path: String, _ code: Int32) -> String {
        "cannot write '\(path)': \(String(cString: strerror(code)))"
    }
}
