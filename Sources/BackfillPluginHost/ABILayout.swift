internal import BackfillABI

/// Where fields of the ABI structs lie, for checks against the `struct_size` a plugin passes
/// (a plugin built against an older header has shorter structs).
enum ABILayout {
    /// The offset of a stored field (`offset(of:)` is nil only for computed properties, which
    /// imported C structs do not have; `Int.max` then makes every size check fail safe).
    static func start<S, F>(of field: KeyPath<S, F>) -> Int { MemoryLayout<S>.offset(of: field) ?? Int.max }

    /// The offset just past a stored field: the least `struct_size` that includes it.
    static func end<S, F>(of field: KeyPath<S, F>) -> Int {
        let start = start(of: field)
        return start == Int.max ? start : start + MemoryLayout<F>.size
    }
}
