import BackfillCore
import BackfillFeatures
import BackfillTestSupport
import Testing

/// ``FeatureStream``: a series computed a chunk at a time equals one pass over it, bit for bit.
@Suite("Feature kernels: streaming")
struct StreamTests {
    /// The reference series as a candle batch (volume 1), with invalid bars planted: a run shorter
    /// than the stream's history between two of them, one at a chunk edge, two in a row.
    static func candles(_ name: String, plant: Bool) throws -> (Reference, CandleBatch) {
        var ref = try Reference(name)
        if plant {
            for t in [40, 45, 46, 300, 2047, 2048, 4000] where t < ref.ts.count { ref.close[t] = t % 2 == 0 ? .nan : 0 }
            ref.high[1000] = ref.low[1000] / 2  // high < low
        }
        let b = CandleBatch(capacity: ref.ts.count)
        for t in ref.ts.indices {
            b.append(
                ts: ref.ts[t], open: ref.open[t], high: ref.high[t], low: ref.low[t], close: ref.close[t], volume: 1, vwap: .nan,
                trades: -1)
        }
        return (ref, b)
    }

    static func same(_ a: Double, _ b: Double) -> Bool { a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern }

    /// Streams `b` in chunks of `chunk` bars (the stream saved and resumed from its bytes at every
    /// `resumeEvery`-th chunk, as a later process would), into one column set.
    static func streamed(_ b: CandleBatch, path: FeatureKernels.Path, chunk: Int, resumeEvery: Int = 0) throws -> [[Double]] {
        var out = Array(repeating: [Double](), count: 9)
        var stream = FeatureStream(chunk: chunk, path: path)
        var at = 0, chunks = 0
        while at < b.count {
            let n = min(chunk, b.count - at)
            stream.append(b, from: at, count: n)
            let rows = stream.compute()
            #expect(rows.count == n)
            for k in 0..<9 { out[k].append(contentsOf: UnsafeBufferPointer(start: rows.columns[k], count: rows.count)) }
            #expect(rows.ts[0] == b.ts[at])
            at += n
            chunks += 1
            if resumeEvery > 0 && chunks % resumeEvery == 0 {
                let keep = min(FeatureStream.history, at)
                let history = CandleBatch(capacity: keep)
                for t in (at - keep)..<at {
                    history.append(
                        ts: b.ts[t], open: b.open[t], high: b.high[t], low: b.low[t], close: b.close[t], volume: 1, vwap: .nan,
                        trades: -1)
                }
                stream = try #require(FeatureStream(chunk: chunk, checkpoint: stream.checkpoint, history: history))
            }
        }
        #expect(stream.bars == b.count)
        return out
    }

    @Test(
        "chunks of any size, and resuming from stored bytes, give the bits of one pass (every path, invalid bars anywhere)",
        arguments: FeatureKernels.availablePaths)
    func streamEqualsFull(path: FeatureKernels.Path) throws {
        for (name, plant) in [("spy_1d", true), ("btcperp_1m", true), ("nvda_1d", false)] {
            let (ref, b) = try Self.candles(name, plant: plant)
            let full = ref.compute(path)
            for (chunk, resume) in [
                (1, 7), (2, 0), (7, 3), (31, 1), (32, 1), (33, 2), (255, 0), (256, 1), (1000, 1), (4096, 0), (100_000, 0),
            ] {
                let out = try Self.streamed(b, path: path, chunk: chunk, resumeEvery: resume)
                for k in 0..<9 {
                    let bad = (0..<b.count).first { !Self.same(out[k][$0], full.columns[k][$0]) }
                    #expect(bad == nil, "\(name) \(path) chunk \(chunk): \(FeatureBatch.names[k])[\(bad ?? -1)]")
                }
            }
        }
    }

    @Test("a checkpoint resumes only with the right history, on its own path, from this build's layout")
    func checkpointChecks() throws {
        let (_, b) = try Self.candles("spy_1d", plant: false)
        let stream = FeatureStream(chunk: 100, path: .scalar)
        stream.append(b, count: 100)
        _ = stream.compute()
        let bytes = stream.checkpoint
        let history = CandleBatch(capacity: 32)
        for t in 68..<100 {
            history.append(
                ts: b.ts[t], open: b.open[t], high: b.high[t], low: b.low[t], close: b.close[t], volume: 1, vwap: .nan, trades: -1)
        }
        let resumed = try #require(FeatureStream(chunk: 100, checkpoint: bytes, history: history))
        #expect(resumed.bars == 100 && resumed.path == .scalar)
        let short = CandleBatch(capacity: 31)
        for t in 69..<100 {
            short.append(ts: b.ts[t], open: b.open[t], high: b.high[t], low: b.low[t], close: b.close[t], volume: 1, vwap: .nan, trades: -1)
        }
        #expect(FeatureStream(chunk: 100, checkpoint: bytes, history: short) == nil)
        var other = bytes
        other[0] ^= 0xFF  // the layout word
        #expect(FeatureStream(chunk: 100, checkpoint: other, history: history) == nil)
        #expect(FeatureStream(chunk: 100, checkpoint: Array(bytes.prefix(10)), history: history) == nil)
    }
}
