/// One row of the runs table: a `backfill run`, whatever started it.
public struct RunRecord: Sendable, Equatable {
    public var id: Int64
    /// Epoch ms UTC.
    public var startedAt: Int64
    /// Nil while running (or when the process died: see ``status``).
    public var finishedAt: Int64?
    /// `running`, `complete`, `incomplete`, `interrupted` or `abandoned`.
    public var status: String
    public var pairs: Int
    /// Candles fetched and stored.
    public var candles: Int
    /// Gaps remaining at the end.
    public var gaps: Int
    public var exitCode: Int32?
    /// The results document (JSON text), nil while running.
    public var summary: String?
    /// What started it: `cli`, `api:KEY-NAME`, `schedule:NAME`.
    public var trigger: String?

    public init(
        id: Int64, startedAt: Int64, finishedAt: Int64?, status: String, pairs: Int = 0, candles: Int = 0, gaps: Int = 0,
        exitCode: Int32? = nil, summary: String? = nil, trigger: String? = nil
    ) {
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.pairs = pairs
        self.candles = candles
        self.gaps = gaps
        self.exitCode = exitCode
        self.summary = summary
        self.trigger = trigger
    }
}
