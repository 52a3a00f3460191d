internal import BackfillABI
public import BackfillCore
internal import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A provider plugin found and loaded: what its descriptor declares, and where its code runs
/// (in this process, or in a child process per instance: ``PluginIsolation``).
public final class LoadedProvider: @unchecked Sendable {
    /// The plugin file.
    public let path: String
    /// The provider's unique name.
    public let name: String
    public let version: String
    public let summary: String
    /// The ABI version the plugin was built against, as "major.minor".
    public let abiVersion: String
    public let capabilities: Capabilities
    /// The timeframes served.
    public let timeframes: [Timeframe]
    /// Requests per second allowed by default; 0 = unlimited.
    public let defaultRate: Double
    /// Largest page the provider returns.
    public let maxPageRows: Int
    /// How it stamps daily bars.
    public let dailyStampsNewYorkMidnight: Bool
    /// Whether its 4h bars count from midnight New York (else midnight UTC).
    public let fourHourAnchorNewYork: Bool
    /// The options `create` accepts (ABI 1.1; empty for a 1.0 plugin or one that declares none).
    public let options: [OptionSpec]

    /// One option a provider declares: its default when not given (nil: none, or not known
    /// statically), whether it is secret, one line of help.
    public struct OptionSpec: Sendable, Equatable {
        public let name: String
        public let defaultValue: String?
        public let secret: Bool
        public let help: String
    }

    /// The value of every option for `given` (what the user passed): the given value, else the
    /// declared default; secret ones (declared, or named like a key or password) as "***". For
    /// the run's record (results file and runs table).
    public func effectiveOptions(_ given: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for spec in options {
            if let v = given[spec.name] ?? spec.defaultValue { out[spec.name] = v }
        }
        for (k, v) in given where out[k] == nil { out[k] = v }
        let secretNames = Set(options.filter(\.secret).map(\.name))
        for key in out.keys {
            if secretNames.contains(key) || SecretName.looksSecret(key) { out[key] = "***" }
        }
        return out
    }

    /// What a provider can do.
    public struct Capabilities: OptionSet, Sendable, CustomStringConvertible {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        public static let candles = Capabilities(rawValue: 1 << 0)
        public static let splits = Capabilities(rawValue: 1 << 1)
        public static let dividends = Capabilities(rawValue: 1 << 2)
        public static let threadSafe = Capabilities(rawValue: 1 << 3)
        /// ABI 1.2: earnings reports through fetch_events.
        public static let earnings = Capabilities(rawValue: 1 << 4)
        /// ABI 1.3: ticker changes (renames) through fetch_events.
        public static let tickerChanges = Capabilities(rawValue: 1 << 5)
        /// ABI 1.4: first and last trading days through fetch_events.
        public static let listings = Capabilities(rawValue: 1 << 6)
        /// Whatever fetch_events serves.
        public static let events: Capabilities = [.splits, .dividends, .earnings, .tickerChanges, .listings]

        public var description: String {
            var parts: [String] = []
            if contains(.candles) { parts.append("candles") }
            if contains(.splits) { parts.append("splits") }
            if contains(.dividends) { parts.append("dividends") }
            if contains(.earnings) { parts.append("earnings") }
            if contains(.tickerChanges) { parts.append("ticker-changes") }
            if contains(.listings) { parts.append("listings") }
            if contains(.threadSafe) { parts.append("thread-safe") }
            return parts.joined(separator: ",")
        }
    }

    /// Where the provider's code runs.
    enum Source: Sendable {
        /// Loaded into this process (`--isolation none`).
        case native(NativePlugin)
        /// Loaded in a child process per instance.
        case child(ProcessIsolation, Logger)
    }

    let source: Source

    /// The ABI version this host speaks.
    public static var hostABIVersion: UInt32 { NativePlugin.hostABIVersion }

    init(_ metadata: ProviderMetadata, source: Source) {
        path = metadata.path
        name = metadata.name
        version = metadata.version
        summary = metadata.summary
        abiVersion = metadata.abiVersion
        capabilities = metadata.capabilities
        timeframes = metadata.timeframes
        defaultRate = metadata.defaultRate
        maxPageRows = metadata.maxPageRows
        dailyStampsNewYorkMidnight = metadata.dailyStampsNewYorkMidnight
        fourHourAnchorNewYork = metadata.fourHourAnchorNewYork
        options = metadata.options
        self.source = source
    }

    /// Whether calls run in a child process.
    public var isolated: Bool {
        if case .child = source { return true }
        return false
    }

    /// Makes an instance from configuration: in this process, or in a child process started for
    /// it (which loads the plugin again, negotiates the ABI and calls `create`).
    ///
    /// - Throws: ``ProviderError`` with the plugin's message (e.g. a missing option), or why the
    ///   child could not start.
    public func makeInstance(configuration: [String: String]) throws(ProviderError) -> ProviderInstance {
        switch source {
        case .native(let plugin):
            return ProviderInstance(provider: self, backend: try NativeInstance(plugin: plugin, configuration: configuration))
        case .child(let isolation, let logger):
            return ProviderInstance(
                provider: self,
                backend: try ChildInstance(provider: self, isolation: isolation, configuration: configuration, logger: logger))
        }
    }
}
