#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory map of a whole file; unmapped when released.
final class MappedFile: @unchecked Sendable {
    let path: String
    let base: UnsafePointer<CChar>?
    let size: Int
    /// Size and modification time when mapped, to notice a file replaced under us.
    let stamp: FileStamp

    struct FileStamp: Equatable {
        var size: Int
        var mtimeSeconds: Int
        var mtimeNanoseconds: Int
    }

    enum OpenError: Error {
        case missing
        case unreadable(String)
    }

    /// The size and modification time of `path`, or nil when it does not exist.
    static func stamp(of path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
            return FileStamp(size: Int(st.st_size), mtimeSeconds: st.st_mtimespec.tv_sec, mtimeNanoseconds: st.st_mtimespec.tv_nsec)
        #else
            return FileStamp(size: Int(st.st_size), mtimeSeconds: st.st_mtim.tv_sec, mtimeNanoseconds: st.st_mtim.tv_nsec)
        #endif
    }

    init(path: String) throws(OpenError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            if errno == ENOENT { throw .missing }
            throw .unreadable(String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .unreadable("not a regular file") }
        size = Int(st.st_size)
        #if canImport(Darwin)
            stamp = FileStamp(size: size, mtimeSeconds: st.st_mtimespec.tv_sec, mtimeNanoseconds: st.st_mtimespec.tv_nsec)
        #else
            stamp = FileStamp(size: size, mtimeSeconds: st.st_mtim.tv_sec, mtimeNanoseconds: st.st_mtim.tv_nsec)
        #endif
        if size == 0 {
            base = nil
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw .unreadable(String(cString: strerror(errno))) }
        base = UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// Tells the kernel the bytes [from, to) will not be read again soon, so a long replay's
    /// resident memory stays at about one page of rows (the file stays in the page cache).
    func release(from: Int, to: Int) {
        guard let base else { return }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let a = (from + pageSize - 1) / pageSize * pageSize, b = to / pageSize * pageSize
        guard b > a else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + a), b - a, MADV_DONTNEED)
    }
}
