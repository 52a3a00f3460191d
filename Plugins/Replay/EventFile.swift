import BackfillPluginSDK

/// Reads `splits.csv` (`execution_date,split_from,split_to`), `dividends.csv`
/// (`ex_dividend_date,cash_amount` then any of `currency,pay_date,record_date,declaration_date`)
/// and `earnings.csv` (`date` then any of `time,fiscal_year,fiscal_period,eps_estimate,
/// eps_actual,revenue_estimate,revenue_actual,currency`; `time` is before_open, after_close,
/// during_market or empty; an empty figure is unknown) and `ticker_changes.csv` (`date,ticker`:
/// from `date` on the security traded as `ticker`, one row per ticker it had) and `listing.csv`
/// (`listed` then optionally `delisted`: the first and last trading days; one row). These files
/// are small; they are read whole.
enum EventFile {
    enum Kind {
        case splits, dividends, earnings, tickerChanges, listing
        var required: [String] {
            switch self {
            case .tickerChanges: ["date", "ticker"]
            case .listing: ["listed"]
            case .splits: ["execution_date", "split_from", "split_to"]
            case .dividends: ["ex_dividend_date", "cash_amount"]
            case .earnings: ["date"]
            }
        }
        var optional: [String] {
            switch self {
            case .splits, .tickerChanges: []
            case .listing: ["delisted"]
            case .dividends: ["currency", "pay_date", "record_date", "declaration_date"]
            case .earnings:
                ["time", "fiscal_year", "fiscal_period", "eps_estimate", "eps_actual", "revenue_estimate", "revenue_actual", "currency"]
            }
        }
    }

    /// An earnings row's report, or why it is bad.
    static func earnings(_ row: [String: String]) -> Result<EarningsReport, Bad> {
        let times: [String: Int32] = ["": 0, "before_open": 1, "after_close": 2, "during_market": 3]
        guard let time = times[row["time"] ?? ""] else {
            return .failure(Bad(why: "time must be before_open, after_close, during_market or empty"))
        }
        var report = EarningsReport(time: time, fiscalPeriod: row["fiscal_period"] ?? "", currency: row["currency"] ?? "")
        if let year = row["fiscal_year"], !year.isEmpty {
            guard let y = Int32(year), y > 0 else { return .failure(Bad(why: "fiscal_year must be a year")) }
            report.fiscalYear = y
        }
        guard report.fiscalPeriod.utf8.count <= 7, report.currency.utf8.count <= 7 else {
            return .failure(Bad(why: "fiscal_period and currency have at most 7 characters"))
        }
        for (key, path) in [
            ("eps_estimate", \EarningsReport.epsEstimate), ("eps_actual", \.epsActual), ("revenue_estimate", \.revenueEstimate),
            ("revenue_actual", \.revenueActual),
        ] {
            guard let text = row[key], !text.isEmpty else { continue }
            guard let v = Double(text), v.isFinite else { return .failure(Bad(why: "\(key) must be a number or empty")) }
            report[keyPath: path] = v
        }
        return .success(report)
    }

    struct Bad: Error {
        let why: String
    }

    /// Emits the file's events whose date is in [start, end); returns the rows skipped as bad.
    static func read(
        path: String, kind: Kind, start: Int64, end: Int64, emit: (CorporateEvent) -> Bool
    ) throws(PluginFailure) -> Int {
        guard FileSystem.exists(path) else { return 0 }
        guard let data = FileSystem.contents(path) else {
            throw .permanent("\(path): cannot read")
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first else { return 0 }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters() }
        guard Array(names.prefix(kind.required.count)) == kind.required,
            names.dropFirst(kind.required.count).allSatisfy(kind.optional.contains)
        else {
            throw .permanent(
                "\(path):1: bad header; expected \((kind.required + kind.optional.map { "[\($0)]" }).joined(separator: ","))")
        }
        var rejected = 0
        for (index, raw) in lines.enumerated().dropFirst() {
            let line = raw.trimmingCharacters()
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters() }
            func bad(_ why: String) {
                rejected += 1
                HostLog.warning("\(path):\(index + 1): \(why); row skipped")
            }
            guard fields.count == names.count else {
                bad("expected \(names.count) fields, found \(fields.count)")
                continue
            }
            var row: [String: String] = [:]
            for (k, v) in zip(names, fields) { row[k] = v }
            guard let date = FaultPlan.time(fields[0]) else {
                bad("unparseable date '\(fields[0])'")
                continue
            }
            guard date >= start, date < end else { continue }
            func optionalDate(_ key: String) -> Int64? { row[key].flatMap { $0.isEmpty ? nil : FaultPlan.time($0) } }
            switch kind {
            case .splits:
                guard let from = Double(fields[1]), let to = Double(fields[2]), from > 0, to > 0 else {
                    bad("split_from and split_to must be positive numbers")
                    continue
                }
                if !emit(.split(executionDate: date, from: from, to: to)) { return rejected }
            case .dividends:
                guard let cash = Double(fields[1]), cash.isFinite, cash >= 0 else {
                    bad("cash_amount must be a number >= 0")
                    continue
                }
                let event = CorporateEvent.dividend(
                    exDate: date, cash: cash, currency: row["currency"] ?? "", payDate: optionalDate("pay_date"),
                    recordDate: optionalDate("record_date"), declarationDate: optionalDate("declaration_date"))
                if !emit(event) { return rejected }
            case .earnings:
                switch earnings(row) {
                case .success(let report):
                    if !emit(.earnings(date: date, report: report)) { return rejected }
                case .failure(let e):
                    bad(e.why)
                    continue
                }
            case .tickerChanges:
                let ticker = fields[1]
                guard !ticker.isEmpty, ticker.utf8.count <= 31, !ticker.contains(where: \.isWhitespace) else {
                    bad("ticker must be 1 to 31 characters without spaces")
                    continue
                }
                if !emit(.tickerChange(date: date, ticker: ticker)) { return rejected }
            case .listing:
                let delisted = row["delisted"].flatMap { $0.isEmpty ? nil : $0 }
                if let text = delisted, FaultPlan.time(text) == nil {
                    bad("unparseable date '\(text)'")
                    continue
                }
                if !emit(.listing(date: date)) { return rejected }
                if let day = delisted.flatMap(FaultPlan.time), !emit(.delisting(date: day)) { return rejected }
            }
        }
        return rejected
    }
}
