public import BackfillCore
internal import BackfillKernels

/// The C feature kernels, from Swift.
public enum FeatureKernels {
    /// A kernel path.
    public enum Path: String, CaseIterable, Sendable {
        case scalar, avx2, avx512, neon

        var c: bf_kernel_path {
            switch self {
            case .scalar: BF_PATH_SCALAR
            case .avx2: BF_PATH_AVX2
            case .avx512: BF_PATH_AVX512
            case .neon: BF_PATH_NEON
            }
        }

        /// Whether this build and CPU can run it.
        public var isAvailable: Bool { bf_kernels_path_available(c) != 0 }
    }

    /// The path in use (BACKFILL_KERNELS, else the best available).
    public static var activePath: Path {
        switch bf_kernels_active_path() {
        case BF_PATH_AVX2: .avx2
        case BF_PATH_AVX512: .avx512
        case BF_PATH_NEON: .neon
        default: .scalar
        }
    }

    /// Paths this machine can run.
    public static var availablePaths: [Path] { Path.allCases.filter(\.isAvailable) }

    /// The fastest path this machine can run (what the kernels choose when BACKFILL_KERNELS is unset).
    public static var bestPath: Path { availablePaths.last ?? .scalar }

    /// Makes `path` the process-wide active path (for the per-kernel entry points and benchmarks);
    /// false, and nothing changes, when it is not available.
    @discardableResult
    public static func use(_ path: Path) -> Bool { bf_kernels_use_path(path.c) != 0 }

    /// Checks BACKFILL_KERNELS: nil when unset or usable, else a message naming what is valid.
    public static func environmentProblem(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        guard let p = Path(rawValue: value) else {
            return "BACKFILL_KERNELS='\(value)' is not a kernel path; valid: \(Path.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        guard p.isAvailable else {
            return
                "BACKFILL_KERNELS=\(value) is not available on this machine (available: \(availablePaths.map(\.rawValue).joined(separator: ", "))); using scalar"
        }
        return nil
    }

    /// Computes the v1 features of `n` bars with `path` (nil: the active path) into `out`
    /// (`out.columns[k]` must hold `n` values). `ts` is copied into `out.ts`.
    public static func computeV1(
        ts: UnsafePointer<Int64>, open: UnsafePointer<Double>, high: UnsafePointer<Double>, low: UnsafePointer<Double>,
        close: UnsafePointer<Double>, count n: Int, into out: FeatureBatch, path: Path? = nil
    ) {
        precondition(n <= out.capacity)
        out.ts.update(from: ts, count: n)
        out.count = n
        let input = bf_ohlc(open: open, high: high, low: low, close: close)
        let columns: [UnsafeMutablePointer<Double>?] = out.columns
        columns.withUnsafeBufferPointer { p in
            if let path {
                bf_features_v1_path(path.c, input, n, p.baseAddress)
            } else {
                bf_features_v1(input, n, p.baseAddress)
            }
        }
    }
}
