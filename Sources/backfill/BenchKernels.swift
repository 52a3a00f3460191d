import ArgumentParser
import BackfillCore
import BackfillFeatures
import BackfillKernels
import BackfillPresentation
import Foundation

/// `backfill bench kernels`: the feature kernels' throughput against this machine's memory ceiling.
struct KernelBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Throughput of each feature kernel and the fused v1 set, per available path.",
        discussion: """
            On N synthetic candles (a seeded geometric random walk, float64 columns) or --input FILE \
            (raw float64 little-endian columns open, high, low, close, volume, each N values), runs every \
            kernel --runs times per path and reports the median candles/s, next to a triad copy \
            (a = b + s·c, the memory-bandwidth probe) and a trivial fused pass that reads the same 5 \
            columns and writes 9 (the ceiling the fused kernel can reach). fused_v1_first_touch is the \
            fused set writing into newly allocated columns, first touch included (what `backfill \
            features` pays). Single thread.
            """)

    @Option(help: "Candles.") var candles: Int = 10_000_000
    @Option(help: "Timed repetitions per measurement (the median is reported).") var runs: Int = 5
    @Option(help: "Read the candles from this file instead of generating them.") var input: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard candles >= 100, runs >= 1 else { throw CLIFailure.usage("--candles must be >= 100 and --runs >= 1") }
        var n = candles
        var cols = [[Double]](repeating: [], count: 5)
        if let input {
            guard let data = FileManager.default.contents(atPath: input), data.count % 40 == 0, data.count >= 4000 else {
                throw CLIFailure.usage("--input '\(input)' must hold 5 float64 columns of equal length (size a multiple of 40 bytes)")
            }
            n = data.count / 40
            data.withUnsafeBytes { raw in
                for k in 0..<5 { cols[k] = Array(raw.bindMemory(to: Double.self)[(k * n)..<((k + 1) * n)]) }
            }
        } else {
            cols = Self.synthetic(n)
        }
        // Every column on a 64-byte boundary (as FeatureBatch allocates them), first touched here, untimed.
        let inputs = (0..<5).map { k in
            let p = FeatureBatch.alignedColumn(n)
            cols[k].withUnsafeBufferPointer { if let base = $0.baseAddress { p.initialize(from: base, count: n) } }
            return p
        }
        cols = []
        let out = FeatureBatch(capacity: n)
        for c in out.columns { c.initialize(repeating: 0, count: n) }
        let scratch = FeatureBatch.alignedColumn(n)
        scratch.initialize(repeating: 0, count: n)
        defer {
            for p in inputs { FeatureBatch.releaseColumn(p) }
            FeatureBatch.releaseColumn(scratch)
        }
        var results: [(name: String, path: String, seconds: Double)] = []

        func time(once: Bool = false, _ body: () -> Void) -> Double {
            var samples: [Double] = []
            for _ in 0..<(once ? 1 : runs) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return samples.sorted()[samples.count / 2]
        }

        let (o, h, l, c, v) = (inputs[0], inputs[1], inputs[2], inputs[3], inputs[4])
        let pointers: [UnsafeMutablePointer<Double>?] = out.columns
        let input = bf_ohlc(open: o, high: h, low: l, close: c)
        pointers.withUnsafeBufferPointer { outs in
            let triad = time { bf_bench_triad(scratch, o, c, 1.5, n) }
            results.append(("triad", "-", triad))
            // The trivial pass and the fused set alternate, round after round, so a slow spell of
            // this machine (a shared VM drifts by tens of percent) weighs on both sides of the ratio.
            let paths = FeatureKernels.availablePaths
            var trivialSamples: [Double] = [], fusedSamples = [[Double]](repeating: [], count: paths.count)
            for _ in 0..<runs {
                trivialSamples.append(time(once: true) { bf_bench_trivial_pass(input, v, n, outs.baseAddress) })
                for (k, path) in paths.enumerated() {
                    FeatureKernels.use(path)
                    fusedSamples[k].append(time(once: true) { bf_features_v1(input, n, outs.baseAddress) })
                }
            }
            results.append(("trivial_fused_5in_9out", "-", trivialSamples.sorted()[runs / 2]))
            // What `backfill features` sees: output columns fresh from the allocator, so the kernel
            // pays their first touch (page faults and zeroing) inside the timing.
            var freshSamples = [[Double]](repeating: [], count: paths.count)
            for _ in 0..<runs {
                for (k, path) in paths.enumerated() {
                    FeatureKernels.use(path)
                    let fresh = FeatureBatch(capacity: n)
                    let columns: [UnsafeMutablePointer<Double>?] = fresh.columns
                    freshSamples[k].append(
                        time(once: true) { columns.withUnsafeBufferPointer { bf_features_v1(input, n, $0.baseAddress) } })
                }
            }
            for (k, path) in paths.enumerated() {
                FeatureKernels.use(path)
                let p = path.rawValue
                results.append(("fused_v1", p, fusedSamples[k].sorted()[runs / 2]))
                results.append(("fused_v1_first_touch", p, freshSamples[k].sorted()[runs / 2]))
                results.append(("ret_logret", p, time { bf_ret(c, n, pointers[0], pointers[1]) }))
                results.append(("vol_20", p, time { bf_vol(pointers[1], n, 20, pointers[2]) }))
                results.append(("atr_natr_14", p, time { bf_atr(h, l, c, n, 14, pointers[3], pointers[4]) }))
                results.append(("sma_20", p, time { bf_sma(c, n, 20, pointers[5]) }))
                results.append(("ema_20", p, time { bf_ema(c, n, 20, pointers[6]) }))
                results.append(("rsi_14", p, time { bf_rsi(c, n, 14, pointers[7]) }))
                results.append(("slope_20", p, time { bf_slope(c, n, 20, pointers[8]) }))
            }
        }
        FeatureKernels.use(FeatureKernels.bestPath)

        let triadGBs = Double(n) * 24 / (results[0].seconds * 1e9)
        let trivialRate = Double(n) / results[1].seconds
        if json {
            let rows: [JSON] = results.map { r in
                let rate = Double(n) / r.seconds
                return .object([
                    ("measure", .string(r.name)), ("path", .string(r.path)), ("seconds", .number(r.seconds)),
                    ("candles_per_second", .number(rate.rounded())),
                    ("fraction_of_trivial_pass", .number((rate / trivialRate * 1000).rounded() / 1000)),
                ])
            }
            print(
                JSON.object([
                    ("candles", .int(Int64(n))), ("runs", .int(Int64(runs))), ("triad_gb_per_s", .number((triadGBs * 100).rounded() / 100)),
                    ("trivial_pass_candles_per_second", .number(trivialRate.rounded())),
                    ("cpu", .string(Self.cpuModel)), ("active_path", .string(FeatureKernels.activePath.rawValue)),
                    ("results", .array(rows)),
                ]).text())
            return
        }
        print("CPU: \(Self.cpuModel); kernels' active path: \(FeatureKernels.activePath.rawValue)")
        print("\(Format.group(n)) candles, median of \(runs) runs, single thread")
        print(
            String(
                format: "memory: triad %.1f GB/s; trivial fused pass (5 in, 9 out) %@ candles/s", triadGBs,
                Format.group(Int(trivialRate))))
        print("measure               path     candles/s       of trivial pass")
        for r in results.dropFirst(2) {
            let rate = Double(n) / r.seconds
            let name = r.name.padding(toLength: 22, withPad: " ", startingAt: 0)
            let path = r.path.padding(toLength: 9, withPad: " ", startingAt: 0)
            let rateText = Format.group(Int(rate)).padding(toLength: 16, withPad: " ", startingAt: 0)
            print("\(name)\(path)\(rateText)\(String(format: "%.0f%%", rate / trivialRate * 100))")
        }
    }

    /// The processor's model name (Linux: `/proc/cpuinfo`), so figures from different machines
    /// are never confused; `unknown` where the system does not say.
    static let cpuModel: String = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return "unknown"
    }()

    /// A geometric random walk (σ = 1 % a bar) from a fixed seed: deterministic across runs.
    static func synthetic(_ n: Int) -> [[Double]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
        }
        var o = [Double](repeating: 0, count: n), h = o, l = o, c = o, v = o
        var price = 100.0
        for i in 0..<n {
            let open = price
            let z = (-2 * log(next())).squareRoot() * cos(2 * .pi * next())
            price *= exp(0.01 * z)
            o[i] = open
            c[i] = price
            h[i] = max(open, price) * (1 + 0.002 * next())
            l[i] = min(open, price) * (1 - 0.002 * next())
            v[i] = 1000 + 1000 * next()
        }
        return [o, h, l, c, v]
    }
}
