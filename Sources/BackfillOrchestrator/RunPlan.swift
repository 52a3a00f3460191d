internal import BackfillCore
public import BackfillPluginHost
public import BackfillStore

/// Everything the engine needs for one run: the options, the provider instance (with the
/// configuration it was made with), the store.
public struct RunPlan: Sendable {
    public var options: RunOptions
    public var instance: ProviderInstance
    /// The options the provider instance was made with, as given (recorded with secrets masked).
    public var providerConfiguration: [String: String]
    public var store: StoreQueue
    /// The database as people see it (password redacted).
    public var database: String
    /// What started the run, for its row: `cli`, `api:KEY-NAME`, `schedule:NAME`.
    public var trigger: String?

    public init(
        options: RunOptions, instance: ProviderInstance, providerConfiguration: [String: String], store: StoreQueue, database: String
    ) {
        self.options = options
        self.instance = instance
        self.providerConfiguration = providerConfiguration
        self.store = store
        self.database = database
    }

    /// The run's settings as the results document and the runs row record them: every provider
    /// option's value (the one given, else the declared default, so a run records
    /// `adjusted=false` even when nobody passed it), secret ones masked.
    public var recorded: [String: String] {
        let o = options
        var d = [
            "provider": instance.provider.name, "database": database, "start": UTCTime.iso(o.start), "end": UTCTime.iso(o.end),
            "concurrency": String(o.concurrency), "retries": String(o.gapRetries), "force": String(o.force),
            "page_size": String(o.pageSize), "settle_hours": NumberFormat.decimal(Double(o.settleMs) / 3_600_000),
            "events": String(o.events), "features": String(o.features),
        ]
        if let rate = o.rate { d["rate"] = String(rate) }
        if let record = o.record { d["record"] = record }
        let effective = instance.provider.effectiveOptions(providerConfiguration)
        if !effective.isEmpty {
            d["provider_options"] = effective.keys.sorted().map { "\($0)=\(effective[$0] ?? "")" }.joined(separator: ",")
        }
        return d
    }
}
