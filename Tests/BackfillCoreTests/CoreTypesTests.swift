import BackfillCore
import BackfillText
import Testing

@Suite("Core types")
struct CoreTypesTests {
    @Test("timeframes parse, list in canonical order, and reject unknown spellings with the valid list")
    func timeframes() throws {
        #expect(try Timeframe.parseList("1h, 1m,1h") == [.m1, .h1])
        #expect(Timeframe.allCases.map(\.abiIndex) == Array(0..<8))
        #expect(Timeframe.w1.milliseconds == 7 * 86_400_000)
        #expect(throws: InputError.invalid("unknown timeframe '2h'; valid: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w")) {
            try Timeframe.parseList("1m,2h")
        }
    }

    @Test("symbols: letters, digits and . : - _, not starting with '.', at most 32 characters")
    func symbols() throws {
        for ok in ["AAPL", "BRK.B", "X:BTCUSD", "BTC-USD", "es_f", String(repeating: "A", count: 32)] {
            #expect(try Symbol(ok).text == ok)
        }
        #expect(throws: InputError.self) { try Symbol("") }
        #expect(throws: InputError.self) { try Symbol(".hidden") }
        #expect(throws: InputError.self) { try Symbol("../etc") }
        #expect(throws: InputError.self) { try Symbol("A B") }
        #expect(throws: InputError.self) { try Symbol("A'; DROP TABLE candles;--") }
        #expect(throws: InputError.self) { try Symbol(String(repeating: "A", count: 33)) }
        #expect(throws: InputError.self) { try Symbol("ÄPPLE") }
        #expect(try Symbol.parseList("AAPL,SPY,AAPL").map(\.text) == ["AAPL", "SPY"])
    }

    @Test("UTC times: dates are midnight, ISO forms and epoch ms parse, impossible dates do not")
    func times() throws {
        #expect(try UTCTime.parse("2024-01-02") == 1_704_153_600_000)
        #expect(try UTCTime.parse("2024-01-02T14:30") == 1_704_205_800_000)
        #expect(try UTCTime.parse("2024-01-02T14:30:00Z") == 1_704_205_800_000)
        #expect(try UTCTime.parse("2024-01-02 14:30:00.250") == 1_704_205_800_250)
        #expect(try UTCTime.parse("2024-01-02T14:30:00+00:00") == 1_704_205_800_000)
        #expect(try UTCTime.parse("1704153600000") == 1_704_153_600_000)
        #expect(try UTCTime.parse("2024-02-29") == 1_709_164_800_000)
        for bad in ["2023-02-29", "2024-13-01", "2024-01-02T25:00", "yesterday", "", "2024-01-02T10:00+02:00"] {
            #expect(throws: InputError.self, "\(bad)") { try UTCTime.parse(bad) }
        }
        #expect(UTCTime.iso(1_704_205_800_250) == "2024-01-02T14:30:00.250Z")
        #expect(UTCTime.iso(-86_400_000) == "1969-12-31T00:00:00Z")
        #expect(UTCTime.weekday(ofDays: UTCTime.daysFromCivil(year: 2024, month: 1, day: 2)) == 2)
        for days in stride(from: Int64(-800_000), to: 800_000, by: 997) {
            let (y, m, d) = UTCTime.civil(fromDays: days)
            #expect(UTCTime.daysFromCivil(year: y, month: m, day: d) == days)
        }
    }

    @Test("validation removes exactly the rows that must never be stored, in place")
    func validation() {
        let b = CandleBatch(capacity: 16)
        b.append(ts: 10, open: 1, high: 2, low: 1, close: 2, volume: 5)  // ok
        b.append(ts: 20, open: 1, high: 2, low: 1, close: .nan, volume: 5)  // non-finite
        b.append(ts: 30, open: 1, high: 1, low: 2, close: 1, volume: 5)  // high < low
        b.append(ts: 40, open: 3, high: 2, low: 1, close: 2, volume: 5)  // open above high
        b.append(ts: 50, open: 1, high: 2, low: 1, close: 2, volume: -1)  // negative
        b.append(ts: 50, open: 1, high: 2, low: 1, close: 2, volume: 5)  // ok
        b.append(ts: 50, open: 1, high: 2, low: 1, close: 2, volume: 5)  // duplicate
        b.append(ts: 45, open: 1, high: 2, low: 1, close: 2, volume: 5)  // out of order
        b.append(ts: 100, open: 1, high: 2, low: 1, close: 2, volume: 5)  // outside [0, 100)
        b.append(ts: 60, open: 1, high: 2, low: 1, close: 2, volume: 5, vwap: 1.5, trades: 3)  // ok
        let report = b.validate(start: 0, end: 100, after: 5)
        #expect(b.rows.map(\.ts) == [10, 50, 60])
        #expect(b.row(2) == Candle(ts: 60, open: 1, high: 2, low: 1, close: 2, volume: 5, vwap: 1.5, trades: 3))
        #expect(report.rejected == 7)
        #expect(report.first?.problem == .nonFinite)
        #expect(report.first?.ts == 20)
        let again = b.validate(start: 0, end: 100, after: 10)
        #expect(again.rejected == 1)
        #expect(b.rows.map(\.ts) == [50, 60])
    }

    @Test("numbers print in the shortest form that reads back exactly")
    func numbers() {
        #expect(NumberFormat.decimal(48_912_531) == "48912531")
        #expect(NumberFormat.decimal(323.58) == "323.58")
        #expect(NumberFormat.decimal(0.1 + 0.2) == "0.30000000000000004")
        #expect(Double(NumberFormat.decimal(1.12117471e+18)) == 1.12117471e+18)
    }
}

@Suite("Decimal parsing")
struct DecimalParsingTests {
    @Test("the fast decimal parser gives the correctly rounded double (same bits as Swift's parser)")
    func exactness() {
        var rng = SystemRandomNumberGenerator()
        var texts = [
            "0", "-0", "1", "0.1", "323.58", "1.12117471e+08", "1e22", "1e23", "9007199254740993", "0.000001234",
            "123456789012345", "1234567890123456", "4.9e-324", "1.7976931348623157e308", "-2.5E-3", "12300.315533316923",
        ]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...17, using: &rng)
            var t = String((0..<digits).map { _ in "0123456789".randomElement(using: &rng)! })
            if Bool.random(using: &rng) { t.insert(".", at: t.index(t.startIndex, offsetBy: Int.random(in: 0...digits, using: &rng))) }
            if Int.random(in: 0..<4, using: &rng) == 0 { t += "e\(Int.random(in: -30...30, using: &rng))" }
            if t.hasPrefix(".") { t = "0" + t }
            if t.hasSuffix(".") { t += "5" }
            texts.append(Bool.random(using: &rng) ? "-" + t : t)
        }
        for text in texts {
            var v = 0.0
            let ok = text.utf8CString.withUnsafeBufferPointer { bf_parse_double($0.baseAddress, text.utf8.count, &v) }
            #expect(ok == 1, "\(text)")
            #expect(v.bitPattern == Double(text)!.bitPattern, "\(text): \(v) vs \(Double(text)!)")
        }
        for bad in ["", "-", "1.2.3", "1e", "abc", "1,5", "0x10"] {
            var v = 0.0
            #expect(bad.utf8CString.withUnsafeBufferPointer { bf_parse_double($0.baseAddress, bad.utf8.count, &v) } == 0, "\(bad)")
        }
    }
}
