internal import BackfillABI
public import BackfillCore
internal import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A provider plugin loaded into the process: its dlopen handle and validated descriptor.
///
/// Plugins are opened with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE` and never unloaded: unloading a
/// Swift plugin and loading it again crashes, and instances may outlive any one command.
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
            let looksSecret = ["key", "token", "secret", "password", "auth"].contains { key.lowercased().contains($0) }
            if secretNames.contains(key) || looksSecret { out[key] = "***" }
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

        public var description: String {
            var parts: [String] = []
            if contains(.candles) { parts.append("candles") }
            if contains(.splits) { parts.append("splits") }
            if contains(.dividends) { parts.append("dividends") }
            if contains(.threadSafe) { parts.append("thread-safe") }
            return parts.joined(separator: ",")
        }
    }

    let descriptor: UnsafePointer<bf_provider_descriptor>
    let services: UnsafeMutablePointer<bf_host_services>

    /// The ABI version this host speaks.
    public static let hostABIVersion = UInt32(BF_ABI_VERSION_MAJOR) << 16 | UInt32(BF_ABI_VERSION_MINOR)

    /// Opens and validates one plugin file.
    ///
    /// - Throws: ``PluginLoadError`` naming the file and what is wrong with it.
    init(path: String, logger: Logger) throws(PluginLoadError) {
        self.path = path
        dlerror()
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let detail = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            throw .notSharedObject(path, Self.shorten(detail, path: path))
        }
        guard let symbol = dlsym(handle, BF_PROVIDER_ENTRY_SYMBOL) else { throw .noEntry(path) }
        let entry = unsafeBitCast(symbol, to: bf_provider_entry_fn.self)

        // The services table lives as long as the process: the plugin may keep the pointer.
        services = .allocate(capacity: 1)
        services.initialize(to: bf_host_services())
        services.pointee.struct_size = UInt32(MemoryLayout<bf_host_services>.size)
        services.pointee.abi_version = Self.hostABIVersion
        services.pointee.context = Unmanaged.passRetained(HostLogContext(logger: logger, path: path)).toOpaque()
        services.pointee.log = hostLogCallback

        guard let d = entry(Self.hostABIVersion, services) else {
            throw .entryDeclined(path, host: Self.hostABIVersion)
        }
        descriptor = d
        let size = d.pointee.struct_size
        let version = d.pointee.abi_version
        guard version >> 16 == Self.hostABIVersion >> 16 else {
            throw .incompatibleVersion(path, plugin: version, host: Self.hostABIVersion)
        }
        let needed = ABILayout.end(of: \bf_provider_descriptor.fetch_events)
        guard Int(size) >= needed else { throw .descriptorTooShort(path, size: size, needed: needed) }
        let desc = d.pointee
        guard let namePointer = desc.name, !String(cString: namePointer).isEmpty else {
            throw .invalidDescriptor(path, "no name")
        }
        name = String(cString: namePointer)
        guard name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }) else {
            throw .invalidDescriptor(path, "name '\(name)' must be lower-case letters, digits, - or _")
        }
        guard desc.create != nil, desc.destroy != nil, desc.fetch_candles != nil else {
            throw .invalidDescriptor(path, "create, destroy and fetch_candles are required")
        }
        guard desc.default_rate.isFinite, desc.default_rate >= 0 else {
            throw .invalidDescriptor(path, "default_rate must be a finite number >= 0")
        }
        self.version = desc.version.map { String(cString: $0) } ?? "?"
        summary = desc.description.map { String(cString: $0) } ?? ""
        abiVersion = "\(version >> 16).\(version & 0xffff)"
        capabilities = Capabilities(rawValue: desc.capabilities)
        timeframes = Timeframe.allCases.filter { desc.timeframes & (1 << UInt32($0.abiIndex)) != 0 }
        defaultRate = desc.default_rate
        maxPageRows = desc.max_page_rows == 0 ? 50_000 : Int(desc.max_page_rows)
        dailyStampsNewYorkMidnight = desc.daily_stamp == Int32(BF_DAILY_STAMP_NEW_YORK_MIDNIGHT)
        fourHourAnchorNewYork = desc.four_hour_anchor == Int32(BF_ANCHOR_4H_NEW_YORK_MIDNIGHT)
        if (capabilities.contains(.splits) || capabilities.contains(.dividends)) && desc.fetch_events == nil {
            throw .invalidDescriptor(path, "declares splits/dividends but has no fetch_events")
        }
        options = try Self.readOptions(d, size: Int(size), path: path)
    }

    /// The ABI 1.1 option table, when the descriptor is long enough to have one.
    private static func readOptions(
        _ d: UnsafePointer<bf_provider_descriptor>, size: Int, path: String
    ) throws(PluginLoadError) -> [OptionSpec] {
        let needed = ABILayout.end(of: \bf_provider_descriptor.options)
        guard size >= needed, let table = d.pointee.options else { return [] }
        var specs: [OptionSpec] = []
        var i = 0
        while let name = table[i].name {
            // A table without its terminating entry would run off the end: a declared limit.
            guard i < 256 else { throw .invalidDescriptor(path, "options table has no end (more than 256 entries)") }
            let spec = table[i]
            let text = String(cString: name)
            guard !text.isEmpty else { throw .invalidDescriptor(path, "an option has an empty name") }
            specs.append(
                OptionSpec(
                    name: text, defaultValue: spec.default_value.map { String(cString: $0) }, secret: spec.secret != 0,
                    help: spec.help.map { String(cString: $0) } ?? ""))
            i += 1
        }
        return specs
    }

    /// dlerror repeats the path; keep the part after it.
    private static func shorten(_ detail: String, path: String) -> String {
        let prefix = path + ": "
        return detail.hasPrefix(prefix) ? String(detail.dropFirst(prefix.count)) : detail
    }

    /// Makes an instance from configuration.
    ///
    /// - Throws: ``ProviderError`` with the plugin's message (e.g. a missing option).
    public func makeInstance(configuration: [String: String]) throws(ProviderError) -> ProviderInstance {
        try ProviderInstance(provider: self, configuration: configuration)
    }
}

/// What the host's log callback needs: where to log, and which plugin is speaking.
final class HostLogContext {
    let logger: Logger
    let path: String
    init(logger: Logger, path: String) {
        self.logger = logger
        self.path = path
    }
}

private let hostLogCallback: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void = {
    context, level, message in
    guard let context, let message else { return }
    let box = Unmanaged<HostLogContext>.fromOpaque(context).takeUnretainedValue()
    let text = String(cString: message)
    let logLevel: Logger.Level =
        switch level {
        case Int32(BF_LOG_DEBUG): .debug
        case Int32(BF_LOG_INFO): .info
        case Int32(BF_LOG_WARNING): .warning
        default: .error
        }
    box.logger.log(level: logLevel, "\(text)", metadata: ["backfill.plugin": "\(box.path)"])
}
