import BackfillCore
public import BackfillSettings

/// A job's options as named fields: the body of `POST /api/v1/runs`, and what a schedule stores
/// (made from `backfill schedule add ... -- run --timeframes 1d` or `POST /api/v1/schedules`).
/// The fields are `run`'s flags without their dashes, in snake case; they become the top layer
/// of the server's settings (over its environment and file), so a field is checked with the
/// same rules, and named in the same messages, as the flag.
public struct JobFields: Sendable, Equatable {
    /// `run` (a backfill) or `features` (the features job).
    public enum Job: String, Sendable { case run, features }

    /// A field's value as JSON gives it.
    public enum Value: Sendable, Equatable {
        case text(String)
        case number(Double)
        case bool(Bool)
        case list([String])
        case map([String: String])
    }

    public var job: Job
    /// Field name → value, only those given.
    public var fields: [String: Value]

    /// The fields each job takes, with the setting each one sets (nil: about this run only).
    static let runFields: [String: String?] = [
        "symbols": "run.symbols", "timeframes": "run.timeframes", "days": "run.days", "concurrency": "run.concurrency",
        "rate": "run.rate", "retries": "run.retries", "settle_hours": "run.settle_hours", "page_size": "run.page_size",
        "wait_lock": "run.wait_lock", "events": "run.events", "verify": "run.verify", "features": "run.features", "results": "run.results",
        "provider": "provider.name", "provider_options": nil, "start": nil, "end": nil, "force": nil,
    ]
    static let featureFields: [String: String?] = [
        "symbols": "run.symbols", "timeframes": "run.timeframes", "concurrency": "features.concurrency",
    ]

    /// The field names `job` takes, sorted.
    public static func names(_ job: Job) -> [String] { (job == .run ? runFields : featureFields).keys.sorted() }

    /// Checks the fields' names and shapes (their values are checked with the settings).
    ///
    /// - Throws: ``SetupError`` (usage) naming the field: unknown (with a "did you mean"), or
    ///   of the wrong type.
    public init(job: Job, fields: [String: Value]) throws(SetupError) {
        self.job = job
        self.fields = fields
        let known = job == .run ? Self.runFields : Self.featureFields
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            guard known[name] != nil else {
                let near = SettingsFile.suggestion(name, Array(known.keys))
                throw .usage("unknown field '\(name)' for a \(job.rawValue) job\(near); fields: \(Self.names(job).joined(separator: ", "))")
            }
            switch (name, value) {
            case ("provider_options", .map), ("symbols", .list), ("timeframes", .list), ("symbols", .text), ("timeframes", .text): continue
            case ("provider_options", _): throw .usage("field 'provider_options' must be an object of option names to strings")
            case ("events", .bool), ("features", .bool), ("force", .bool): continue
            case ("events", _), ("features", _), ("force", _): throw .usage("field '\(name)' must be true or false")
            case ("start", .text), ("end", .text), ("provider", .text), ("results", .text): continue
            case ("start", _), ("end", _), ("provider", _), ("results", _): throw .usage("field '\(name)' must be a string")
            case (_, .number), (_, .text): continue
            default: throw .usage("field '\(name)' must be a number")
            }
        }
        if fields["days"] != nil && fields["start"] != nil { throw .usage("give days or start, not both") }
        // A job's fields are stored (schedules) and logged: a secret belongs in serve's
        // environment or its 0600 configuration file, which every job reads.
        if case .map(let options)? = fields["provider_options"], let secret = options.keys.sorted().first(where: SecretName.looksSecret) {
            throw .usage(
                "provider option '\(secret)' is a secret: give it to backfill serve through its environment or configuration file, not in a job"
            )
        }
    }

    /// The fields as settings flags (each named after its field in messages).
    public var flags: Settings.Flags {
        var f = Settings.Flags()
        let known = job == .run ? Self.runFields : Self.featureFields
        for (name, value) in fields {
            guard let setting = known[name] ?? nil else { continue }
            switch value {
            case .text(let t): f.set(setting, t, flag: name)
            case .number(let n): f.set(setting, NumberFormat.decimal(n), flag: name)
            case .bool(let b): f.set(setting, b ? "true" : "false", flag: name)
            case .list(let l): f.set(setting, list: l, flag: name)
            case .map: break
            }
        }
        if case .map(let options)? = fields["provider_options"] { f.setOptions(options, name: "provider_options") }
        return f
    }

    /// What the fields ask of this one run beyond its settings.
    public var request: RunRequest {
        var r = RunRequest()
        if case .text(let s)? = fields["start"] { r.start = s }
        if case .text(let e)? = fields["end"] { r.end = e }
        if case .bool(let f)? = fields["force"] { r.force = f }
        r.names = ("start", "end")
        return r
    }
}
