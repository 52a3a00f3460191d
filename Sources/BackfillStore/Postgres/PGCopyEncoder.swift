internal import BackfillCore

/// Writes candle and feature batches in PostgreSQL's binary COPY format (header, tuples, trailer).
enum PGCopyEncoder {
    /// Encodes `batch` as (series_id int4, ts int8, nine float8|NULL).
    static func encode(_ batch: FeatureBatch, seriesId: Int32, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(header.count + batch.count * 120 + 2)
        out.append(contentsOf: header)
        for i in 0..<batch.count {
            append16(&out, UInt16(2 + batch.columns.count))
            append32(&out, 4)
            append32(&out, UInt32(bitPattern: seriesId))
            append32(&out, 8)
            append64(&out, UInt64(bitPattern: batch.ts[i]))
            for column in batch.columns {
                if column[i].isNaN { append32(&out, UInt32.max) } else { appendDouble(&out, column[i]) }
            }
        }
        append16(&out, 0xFFFF)
    }

    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]

    /// Encodes `batch` as (series_id int4, ts int8, open..volume float8, vwap float8|NULL, trades int8|NULL).
    static func encode(_ batch: CandleBatch, seriesId: Int32, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(header.count + batch.count * 100 + 2)
        out.append(contentsOf: header)
        for i in 0..<batch.count {
            append16(&out, 9)
            append32(&out, 4)
            append32(&out, UInt32(bitPattern: seriesId))
            append32(&out, 8)
            append64(&out, UInt64(bitPattern: batch.ts[i]))
            appendDouble(&out, batch.open[i])
            appendDouble(&out, batch.high[i])
            appendDouble(&out, batch.low[i])
            appendDouble(&out, batch.close[i])
            appendDouble(&out, batch.volume[i])
            if batch.vwap[i].isNaN {
                append32(&out, UInt32.max)
            } else {
                append32(&out, 8)
                append64(&out, batch.vwap[i].bitPattern)
            }
            if batch.trades[i] < 0 {
                append32(&out, UInt32.max)
            } else {
                append32(&out, 8)
                append64(&out, UInt64(bitPattern: batch.trades[i]))
            }
        }
        append16(&out, 0xFFFF)
    }

    @inline(__always) static func appendDouble(_ out: inout [UInt8], _ v: Double) {
        append32(&out, 8)
        append64(&out, v.bitPattern)
    }
    @inline(__always) static func append16(_ out: inout [UInt8], _ v: UInt16) {
        out.append(UInt8(v >> 8))
        out.append(UInt8(v & 0xFF))
    }
    @inline(__always) static func append32(_ out: inout [UInt8], _ v: UInt32) {
        withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) }
    }
    @inline(__always) static func append64(_ out: inout [UInt8], _ v: UInt64) {
        withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) }
    }
}
