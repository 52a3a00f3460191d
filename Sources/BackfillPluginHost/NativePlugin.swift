internal import BackfillABI
internal import BackfillCore
internal import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A provider plugin loaded into this process: its dlopen handle, the descriptor its entry
/// returned (version negotiated, validated) and what the descriptor declares.
///
/// Plugins are opened with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE` and never unloaded: unloading a
/// Swift plugin and loading it again crashes, and instances may outlive any one command. With
/// process isolation this runs in the provider's child process; with `--isolation none` in the
/// host itself.
final class NativePlugin: @unchecked Sendable {
    let path: String
    let descriptor: UnsafePointer<bf_provider_descriptor>
    let services: UnsafeMutablePointer<bf_host_services>
    /// What the descriptor declares.
    let metadata: ProviderMetadata

    /// The ABI version this host speaks.
    static let hostABIVersion = UInt32(BF_ABI_VERSION_MAJOR) << 16 | UInt32(BF_ABI_VERSION_MINOR)

    /// Opens and validates one plugin file; the plugin's log calls go to `logger`.
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
        let name = String(cString: namePointer)
        guard name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }) else {
            throw .invalidDescriptor(path, "name '\(name)' must be lower-case letters, digits, - or _")
        }
        guard desc.create != nil, desc.destroy != nil, desc.fetch_candles != nil else {
            throw .invalidDescriptor(path, "create, destroy and fetch_candles are required")
        }
        guard desc.default_rate.isFinite, desc.default_rate >= 0 else {
            throw .invalidDescriptor(path, "default_rate must be a finite number >= 0")
        }
        let capabilities = LoadedProvider.Capabilities(rawValue: desc.capabilities)
        if !capabilities.isDisjoint(with: .events) && desc.fetch_events == nil {
            throw .invalidDescriptor(path, "declares splits/dividends/earnings/ticker changes but has no fetch_events")
        }
        metadata = ProviderMetadata(
            path: path, name: name, version: desc.version.map { String(cString: $0) } ?? "?",
            summary: desc.description.map { String(cString: $0) } ?? "", abiVersion: "\(version >> 16).\(version & 0xffff)",
            capabilities: capabilities, timeframes: Timeframe.allCases.filter { desc.timeframes & (1 << UInt32($0.abiIndex)) != 0 },
            defaultRate: desc.default_rate, maxPageRows: desc.max_page_rows == 0 ? 50_000 : Int(desc.max_page_rows),
            dailyStampsNewYorkMidnight: desc.daily_stamp == Int32(BF_DAILY_STAMP_NEW_YORK_MIDNIGHT),
            fourHourAnchorNewYork: desc.four_hour_anchor == Int32(BF_ANCHOR_4H_NEW_YORK_MIDNIGHT),
            options: try Self.readOptions(d, size: Int(size), path: path))
    }

    /// The ABI 1.1 option table, when the descriptor is long enough to have one.
    private static func readOptions(
        _ d: UnsafePointer<bf_provider_descriptor>, size: Int, path: String
    ) throws(PluginLoadError) -> [LoadedProvider.OptionSpec] {
        let needed = ABILayout.end(of: \bf_provider_descriptor.options)
        guard size >= needed, let table = d.pointee.options else { return [] }
        var specs: [LoadedProvider.OptionSpec] = []
        var i = 0
        while let name = table[i].name {
            // A table without its terminating entry would run off the end: a declared limit.
            guard i < 256 else { throw .invalidDescriptor(path, "options table has no end (more than 256 entries)") }
            let spec = table[i]
            let text = String(cString: name)
            guard !text.isEmpty else { throw .invalidDescriptor(path, "an option has an empty name") }
            specs.append(
                LoadedProvider.OptionSpec(
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

}

extension NativePlugin {
    /// The logger level of an ABI log level (`BF_LOG_*`).
    static func logLevel(_ abi: Int32) -> Logger.Level {
        switch abi {
        case Int32(BF_LOG_DEBUG): .debug
        case Int32(BF_LOG_INFO): .info
        case Int32(BF_LOG_WARNING): .warning
        default: .error
        }
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
    box.logger.log(level: NativePlugin.logLevel(level), "\(text)", metadata: ["backfill.plugin": "\(box.path)"])
}
