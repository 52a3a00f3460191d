internal import BackfillCore
internal import BackfillHostSys

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The columns of one candle batch in a memory file both the host and a provider's child map
/// (`memfd_create`, `MAP_SHARED`): the plugin writes a page into them in the child, the host
/// reads it in place. One mapping owns its region and unmaps it when released.
final class SharedColumns: @unchecked Sendable {
    /// The batch's id in its child process.
    let id: UInt32
    let capacity: Int
    /// The memory file (the host keeps it to hand to a new child after a restart).
    let fd: Int32
    let region: UnsafeMutableRawPointer
    let size: Int
    /// Called once the batch is released (the host tells the child to unmap it).
    let onRelease: (@Sendable (UInt32) -> Void)?

    /// A new memory file sized for `capacity` rows, mapped here.
    init(id: UInt32, capacity: Int, onRelease: (@Sendable (UInt32) -> Void)?) throws(ProviderError) {
        self.id = id
        self.capacity = max(1, capacity)
        size = CandleBatch.regionSize(capacity: self.capacity)
        let fd = bf_sys_memfd("backfill-batch", size)
        guard fd >= 0 else { throw ProviderError(kind: .permanent, message: "cannot make shared memory for a page: \(Self.lastError())") }
        guard let region = Self.map(fd, size) else {
            close(fd)
            throw ProviderError(kind: .permanent, message: "cannot map shared memory for a page: \(Self.lastError())")
        }
        self.fd = fd
        self.region = region
        self.onRelease = onRelease
    }

    /// The child's side: maps the memory file the host sent (and closes the descriptor).
    init(id: UInt32, capacity: Int, adopting fd: Int32) throws(ChildMessage.Malformed) {
        self.id = id
        self.capacity = max(1, capacity)
        size = CandleBatch.regionSize(capacity: self.capacity)
        defer { close(fd) }
        guard let region = Self.map(fd, size) else { throw ChildMessage.Malformed() }
        self.fd = -1
        self.region = region
        onRelease = nil
    }

    deinit {
        munmap(region, size)
        if fd >= 0 { close(fd) }
        onRelease?(id)
    }

    /// A batch whose columns are this region (it keeps the mapping alive).
    func batch() -> CandleBatch { CandleBatch(capacity: capacity, region: region, storage: self) }

    private static func map(_ fd: Int32, _ size: Int) -> UnsafeMutableRawPointer? {
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        return p == MAP_FAILED ? nil : p
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
