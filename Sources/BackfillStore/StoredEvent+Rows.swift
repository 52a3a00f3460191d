public import BackfillCore

/// A stored event as the row `backfill export events` and `GET /api/v1/symbols/{symbol}/events`
/// give it: one field per column, nil where a field does not apply to the kind or is not known.
extension StoredEvent {
    /// The columns, in order.
    public static let rowColumns = [
        "symbol", "kind", "date", "split_from", "split_to", "cash_amount", "pay_date", "record_date", "declaration_date", "provider",
        "report_time", "fiscal_year", "fiscal_period", "eps_estimate", "eps_actual", "revenue_estimate", "revenue_actual", "currency",
        "ticker",
    ]
    /// The numeric columns (the rest are text; dates `YYYY-MM-DD`).
    public static let numericColumns: Set<String> = [
        "split_from", "split_to", "cash_amount", "fiscal_year", "eps_estimate", "eps_actual", "revenue_estimate", "revenue_actual",
    ]

    /// The row's fields as text (doubles in their shortest exact form).
    public var rowFields: [String?] {
        func number(_ v: Double) -> String? { v.isNaN ? nil : NumberFormat.decimal(v) }
        let e = event
        let split = e.kind == .split, dividend = e.kind == .dividend, x = e.earnings
        return [
            symbol.text, e.kind.rawValue, UTCTime.isoDate(e.exDate), split ? number(e.splitFrom) : nil, split ? number(e.splitTo) : nil,
            dividend ? number(e.cashAmount) : nil, e.payDate.map(UTCTime.isoDate), e.recordDate.map(UTCTime.isoDate),
            e.declarationDate.map(UTCTime.isoDate), provider, x?.time.rawValue,
            x.flatMap { $0.fiscalYear > 0 ? String($0.fiscalYear) : nil },
            x.flatMap { $0.fiscalPeriod.isEmpty ? nil : $0.fiscalPeriod }, x.flatMap { number($0.epsEstimate) },
            x.flatMap { number($0.epsActual) }, x.flatMap { number($0.revenueEstimate) }, x.flatMap { number($0.revenueActual) },
            e.currency.isEmpty ? nil : e.currency, e.ticker,
        ]
    }

    /// The row as a JSON object (numbers as numbers, null where a field is nil).
    public var rowJSON: JSON {
        .object(
            zip(Self.rowColumns, rowFields).map { name, v in
                guard let v else { return (name, .null) }
                if Self.numericColumns.contains(name), let d = Double(v) {
                    return (name, name == "fiscal_year" ? .int(Int64(d)) : .number(d))
                }
                return (name, .string(v))
            })
    }
}
