public import BackfillCore
import Configuration
import Synchronization
import SystemPackage

/// Backfill's configuration: every setting of ``SettingKey/all`` resolved the same way for every
/// command, **flag > environment > file > default**, with where each value came from.
///
/// The layers are swift-configuration providers read through one `ConfigReader`: the flags the
/// command was given (an `InMemoryProvider`), the environment (`BACKFILL_RUN_CONCURRENCY`, via
/// `EnvironmentVariablesProvider`), the older variables (`DATABASE_URL`; `POLYGON_API_KEY` and
/// `BACKFILL_REPLAY_DIR` for those providers' options), the file (`FileProvider` with YAML or
/// JSON). The reader's access reports say which layer answered. Values are checked here, with
/// one message per mistake that names where the value came from.
public final class Settings: Sendable {
    /// Where a value came from.
    public enum Source: Sendable, CustomStringConvertible, Equatable {
        case flag(String)
        case environment(String)
        /// `path:line`.
        case file(String)
        case defaultValue

        public var description: String {
            switch self {
            case .flag(let f): "flag \(f)"
            case .environment(let e): "env \(e)"
            case .file(let at): "file \(at)"
            case .defaultValue: "default"
            }
        }
    }

    /// The values given on the command line, by setting key (the command maps its flags).
    public struct Flags: Sendable {
        var values: [String: ConfigContent] = [:]
        var names: [String: String] = [:]
        /// Provider options given with `--provider-option key=value`.
        var options: [String: String] = [:]
        var optionsName = "--provider-option"

        public init() {}

        /// A flag's value (nil: not given).
        public mutating func set(_ key: String, _ value: (any CustomStringConvertible)?, flag: String) {
            guard let value else { return }
            values[key] = .string(value.description)
            names[key] = flag
        }

        /// A list flag's value (nil or empty: not given).
        public mutating func set(_ key: String, list: [String]?, flag: String) {
            guard let list, !list.isEmpty else { return }
            values[key] = .stringArray(list)
            names[key] = flag
        }

        /// A boolean flag: only `true` counts as given (a flag cannot say false).
        public mutating func set(_ key: String, flag value: Bool, flag: String) {
            guard value else { return }
            values[key] = .string("true")
            names[key] = flag
        }

        /// `--provider-option key=value` pairs (or what `name` calls them).
        public mutating func setOptions(_ options: [String: String], name: String = "--provider-option") {
            self.options = options
            optionsName = name
        }

        /// These flags with `other`'s on top: a key `other` gives wins, and its provider options
        /// (when it gives any) are laid over these, name by name. How `backfill serve` lays a job's fields over its
        /// own command line.
        public func merging(_ other: Flags) -> Flags {
            var merged = self
            for (key, value) in other.values {
                merged.values[key] = value
                merged.names[key] = other.names[key]
            }
            if !other.options.isEmpty {
                merged.setOptions(options.merging(other.options) { $1 }, name: other.optionsName)
            }
            return merged
        }
    }

    public let file: SettingsFile?
    private let reader: ConfigReader
    private let recorder: Recorder
    /// What each provider of the reader is, in order.
    private let layers: [Layer]
    private let flags: Flags
    /// The environment the settings were read from.
    public let environment: [String: String]

    enum Layer: Sendable {
        case flags, environment, legacy, file
    }

    /// Reads the configuration.
    ///
    /// - Parameters:
    ///   - config: `--config FILE`, if given.
    ///   - flags: the command's given flags.
    ///   - environment: the process environment.
    /// - Throws: ``SettingsError`` (a missing or bad file, a bad value anywhere).
    public static func load(config: String?, flags: Flags, environment: [String: String]) async throws(SettingsError) -> Settings {
        let path = try SettingsFile.locate(explicit: config, environment: environment)
        let file = try path.map { p throws(SettingsError) in try SettingsFile(path: p) }
        var fileProvider: (any ConfigProvider)?
        if let path {
            do {
                let options = YAMLSnapshot.ParsingOptions(secretsSpecifier: .dynamic { key, _ in Self.isSecret(key) })
                if path.hasSuffix(".json") {
                    let json = JSONSnapshot.ParsingOptions(secretsSpecifier: .dynamic { key, _ in Self.isSecret(key) })
                    fileProvider = try await FileProvider<JSONSnapshot>(parsingOptions: json, filePath: FilePath(path))
                } else {
                    fileProvider = try await FileProvider<YAMLSnapshot>(parsingOptions: options, filePath: FilePath(path))
                }
            } catch {
                throw .usage("\(path): \(error)")
            }
        }
        // The provider's name decides which older variables stand for its options.
        let base = Settings(file: file, fileProvider: fileProvider, flags: flags, environment: environment, legacy: [:])
        let provider = try base.string("provider.name") ?? "replay"
        var legacy: [String: String] = [:]
        if let url = environment["DATABASE_URL"], !url.isEmpty { legacy["database.url"] = url }
        if provider == "polygon" {
            if let key = environment["POLYGON_API_KEY"] ?? environment["MASSIVE_API_KEY"], !key.isEmpty {
                legacy["provider.options.api_key"] = key
            }
        }
        if provider == "replay", let dir = environment["BACKFILL_REPLAY_DIR"], !dir.isEmpty { legacy["provider.options.root"] = dir }
        let settings = Settings(file: file, fileProvider: fileProvider, flags: flags, environment: environment, legacy: legacy)
        try settings.validate()
        return settings
    }

    private init(
        file: SettingsFile?, fileProvider: (any ConfigProvider)?, flags: Flags, environment: [String: String], legacy: [String: String]
    ) {
        self.file = file
        self.flags = flags
        self.environment = environment
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (k, v) in flags.values { values[AbsoluteConfigKey(ConfigKey(k))] = ConfigValue(v, isSecret: Self.isSecret(k)) }
        for (k, v) in flags.options {
            values[AbsoluteConfigKey(ConfigKey("provider.options." + k))] = ConfigValue(.string(v), isSecret: SecretName.looksSecret(k))
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: values),
            EnvironmentVariablesProvider(
                environmentVariables: environment, secretsSpecifier: .dynamic { name, _ in SecretName.looksSecret(name) }
            )
            .prefixKeys(with: ConfigKey("backfill")),
        ]
        var layers: [Layer] = [.flags, .environment]
        let legacyValues = Dictionary(
            uniqueKeysWithValues: legacy.map {
                (AbsoluteConfigKey(ConfigKey($0.key)), ConfigValue(.string($0.value), isSecret: Self.isSecret($0.key)))
            })
        providers.append(InMemoryProvider(name: "legacy environment", values: legacyValues))
        layers.append(.legacy)
        if let fileProvider {
            providers.append(fileProvider)
            layers.append(.file)
        }
        recorder = Recorder()
        reader = ConfigReader(providers: providers, accessReporter: recorder)
        self.layers = layers
    }

    /// Whether a setting key holds a secret: provider options named like keys or passwords, and
    /// the database URL (which may carry a password).
    static func isSecret(_ key: String) -> Bool {
        key == "database.url" || (key.hasPrefix("provider.options.") && SecretName.looksSecret(String(key.dropFirst(17))))
    }

    // MARK: Reading

    /// A value as text (lists joined with commas) and where it came from; the default when
    /// nothing sets it.
    public func resolved(_ key: String) -> (text: String?, list: [String]?, source: Source) {
        let spec = SettingKey.named(key)
        let isList: Bool = if case .list? = spec?.kind { true } else { false }
        // An empty list (`symbols: []`, or nothing after the colon) is the same as none given.
        if isList, let list = reader.stringArray(forKey: ConfigKey(key)), let source = lastSource(key) {
            let items = list.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            return (items.isEmpty ? nil : items.joined(separator: ","), items.isEmpty ? nil : items, source)
        }
        if let text = scalarText(key), let source = lastSource(key) {
            guard isList else { return (text, nil, source) }
            let items = Self.split(text)
            return (items.isEmpty ? nil : items.joined(separator: ","), items.isEmpty ? nil : items, source)
        }
        let d = spec?.defaultValue
        return (d, isList ? d.map(Self.split) : nil, .defaultValue)
    }

    /// A scalar as text whatever its type in the file (a JSON file's numbers and booleans are
    /// typed; YAML's and the environment's are text).
    private func scalarText(_ key: String) -> String? {
        let k = ConfigKey(key)
        if let text = reader.string(forKey: k) { return text }
        if let v = reader.int(forKey: k) { return String(v) }
        if let v = reader.double(forKey: k) { return NumberFormat.decimal(v) }
        if let v = reader.bool(forKey: k) { return String(v) }
        return nil
    }

    /// The layer that answered the last read of `key`.
    private func lastSource(_ key: String) -> Source? {
        guard let results = recorder.take() else { return nil }
        for (i, r) in results.enumerated() where i < layers.count {
            guard case .success(let lookup) = r.result, lookup.value != nil else { continue }
            switch layers[i] {
            case .flags: return .flag(flags.names[key] ?? (key.hasPrefix("provider.options.") ? flags.optionsName : key))
            case .environment: return .environment(lookup.encodedKey)
            case .legacy: return .environment(legacyName(key))
            case .file: return .file(file?.location(key) ?? key)
            }
        }
        return nil
    }

    private func legacyName(_ key: String) -> String {
        switch key {
        case "database.url": "DATABASE_URL"
        case "provider.options.api_key": environment["POLYGON_API_KEY"] != nil ? "POLYGON_API_KEY" : "MASSIVE_API_KEY"
        case "provider.options.root": "BACKFILL_REPLAY_DIR"
        default: key
        }
    }

    /// Where a value came from, as a message's opening: `--concurrency`, `BACKFILL_RUN_CONCURRENCY`,
    /// `backfill.yaml:7: run.concurrency`.
    static func place(_ key: String, _ source: Source) -> String {
        switch source {
        case .flag(let f): f
        case .environment(let e): e
        case .file(let at): "\(at): \(key)"
        case .defaultValue: key
        }
    }

    /// A mistake in the value of `key`, opened with where that value came from.
    public func mistake(_ key: String, _ problem: String) -> SettingsError {
        .usage("\(Self.place(key, resolved(key).source)) \(problem)")
    }

    /// A bad item in a list: `backfill.yaml:4: run.symbols: symbol 'a b' has ...`.
    public func listMistake(_ key: String, _ error: InputError) -> SettingsError {
        .usage("\(Self.place(key, resolved(key).source)): \(error.message)")
    }

    static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    public func string(_ key: String) throws(SettingsError) -> String? {
        let r = resolved(key)
        guard let text = r.text else { return nil }
        if case .choice(let words)? = SettingKey.named(key)?.kind, !words.contains(text) {
            throw .usage("\(Self.place(key, r.source)) must be one of \(words.joined(separator: ", ")) (got '\(text)')")
        }
        return text
    }

    public func int(_ key: String) throws(SettingsError) -> Int? {
        let r = resolved(key)
        guard let text = r.text else { return nil }
        guard let v = Int(text) else { throw .usage("\(Self.place(key, r.source)) must be a whole number (got '\(text)')") }
        if case .int(let range)? = SettingKey.named(key)?.kind, !range.contains(v) {
            throw .usage("\(Self.place(key, r.source)) must be \(range.lowerBound) to \(range.upperBound) (got \(v))")
        }
        return v
    }

    public func double(_ key: String) throws(SettingsError) -> Double? {
        let r = resolved(key)
        guard let text = r.text else { return nil }
        guard let v = Double(text), v.isFinite else { throw .usage("\(Self.place(key, r.source)) must be a number (got '\(text)')") }
        if case .double(let range)? = SettingKey.named(key)?.kind, !range.contains(v) {
            if v <= 0 && range.lowerBound > 0 && range.lowerBound < 0.001 {
                throw .usage("\(Self.place(key, r.source)) must be above 0 (got \(NumberFormat.decimal(v)))")
            }
            throw .usage(
                "\(Self.place(key, r.source)) must be \(NumberFormat.decimal(range.lowerBound)) to \(NumberFormat.decimal(range.upperBound)) (got \(NumberFormat.decimal(v)))"
            )
        }
        return v
    }

    public func bool(_ key: String) throws(SettingsError) -> Bool {
        let r = resolved(key)
        guard let text = r.text else { return false }
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw .usage("\(Self.place(key, r.source)) must be true or false (got '\(text)')")
        }
    }

    public func list(_ key: String) throws(SettingsError) -> [String]? { resolved(key).list }

    /// The provider's options: every one the file, the environment (`BACKFILL_PROVIDER_OPTIONS_NAME`,
    /// and the older variables) or `--provider-option` sets, each from its highest layer.
    public func providerOptions() -> [String: String] {
        var names = Set(file?.providerOptions ?? [])
        names.formUnion(flags.options.keys)
        let prefix = "BACKFILL_PROVIDER_OPTIONS_"
        for name in environment.keys where name.hasPrefix(prefix) { names.insert(String(name.dropFirst(prefix.count)).lowercased()) }
        for k in ["api_key", "root"] where resolved("provider.options.\(k)").source != .defaultValue { names.insert(k) }
        var out: [String: String] = [:]
        for name in names {
            if let v = scalarText("provider.options.\(name)") {
                _ = recorder.take()
                out[name] = v
            }
        }
        return out
    }

    /// One line of `backfill config show`.
    public struct Entry: Sendable {
        public let key: String
        /// The value as text (lists joined with commas); nil when unset with no default.
        public let value: String?
        public let source: Source
    }

    /// Every setting's effective value and where it came from, in the example file's order, the
    /// provider's options (by name) in place of `provider.options`. Values are as given: the
    /// caller masks secrets.
    public func entries() -> [Entry] {
        var out: [Entry] = []
        for spec in SettingKey.all {
            guard case .map = spec.kind else {
                let r = resolved(spec.key)
                out.append(Entry(key: spec.key, value: r.text, source: r.source))
                continue
            }
            for (name, value) in providerOptions().sorted(by: { $0.key < $1.key }) {
                out.append(Entry(key: "provider.options.\(name)", value: value, source: providerOptionSource(name)))
            }
        }
        return out
    }

    /// Where a provider option came from.
    public func providerOptionSource(_ name: String) -> Source { resolved("provider.options.\(name)").source }

    /// Every setting's value checked once, so a bad value anywhere is reported whatever the command.
    private func validate() throws(SettingsError) {
        for spec in SettingKey.all {
            switch spec.kind {
            case .string, .choice: _ = try string(spec.key)
            case .int: _ = try int(spec.key)
            case .double: _ = try double(spec.key)
            case .bool: _ = try bool(spec.key)
            case .list, .map: break
            }
        }
        if let list = resolved("run.timeframes").list {
            do { _ = try Timeframe.parseList(list.joined(separator: ",")) } catch { throw listMistake("run.timeframes", error) }
        }
        if let list = resolved("run.symbols").list {
            do { _ = try Symbol.parseList(list.joined(separator: ",")) } catch { throw listMistake("run.symbols", error) }
        }
        var secrets = providerOptions().keys.filter { SecretName.looksSecret($0) }.map { "provider.options.\($0)" }
        if let url = file.flatMap({ _ in reader.string(forKey: "database.url") }), Self.carriesPassword(url) {
            secrets.insert("database.url", at: 0)
        }
        _ = recorder.take()
        try file?.checkPrivate(secrets: secrets)
    }

    /// Whether a database URL holds a password (`user:password@`, or `password=`).
    static func carriesPassword(_ url: String) -> Bool {
        guard let scheme = url.firstRange(of: "://") else { return false }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") { return true }
        return url.contains("password=")
    }

    /// Keeps the last access event's per-provider results (reads happen one at a time, while a
    /// command sets itself up).
    final class Recorder: AccessReporter {
        private let last = Mutex<[AccessEvent.ProviderResult]?>(nil)
        func report(_ event: AccessEvent) { last.withLock { $0 = event.providerResults } }
        func take() -> [AccessEvent.ProviderResult]? {
            last.withLock { v in
                defer { v = nil }; return v
            }
        }
    }
}
