public import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds and loads provider plugins, and remembers the files that failed and why.
///
/// Search order (the first plugin with a given name wins):
/// 1. every `--plugin-dir` folder, in the order given;
/// 2. every folder in `BACKFILL_PLUGIN_PATH` (colon-separated);
/// 3. next to the executable: `lib*Provider.so` files in its folder (where `swift build` puts the
///    bundled plugins), then every shared object in `<exe dir>/plugins/` and
///    `<exe dir>/../lib/backfill/plugins/`.
///
/// The current directory is never searched unless named.
public final class PluginRegistry: @unchecked Sendable {
    /// The providers that loaded, in search order.
    public private(set) var providers: [LoadedProvider] = []
    /// The files that did not load.
    public private(set) var failures: [PluginLoadError] = []
    /// The folders searched, in order.
    public private(set) var searched: [String] = []

    private let logger: Logger

    /// Where the plugins' code runs.
    public let isolation: PluginIsolation

    /// Searches and loads.
    ///
    /// - Parameters:
    ///   - pluginDirs: folders from `--plugin-dir`.
    ///   - environment: the process environment (for `BACKFILL_PLUGIN_PATH`).
    ///   - executableDir: the folder of the running executable, or nil to skip that location.
    ///   - isolation: `.process` loads every file in a child process (a plugin that crashes while
    ///     loading is a failure of that file), and each instance runs in a child of its own;
    ///     `.none` loads them into this process.
    public init(
        pluginDirs: [String], environment: [String: String], executableDir: String?, logger: Logger,
        isolation: PluginIsolation = .none
    ) {
        self.isolation = isolation
        self.logger = logger
        var seenFiles = Set<String>()
        var candidates: [String] = []
        func add(dir: String, filter: (String) -> Bool) {
            searched.append(dir)
            for file in Self.sharedObjects(in: dir) where filter(file) {
                let full = dir.hasSuffix("/") ? dir + file : dir + "/" + file
                let real = Self.realPath(full) ?? full
                if seenFiles.insert(real).inserted { candidates.append(full) }
            }
        }
        for dir in pluginDirs { add(dir: dir) { _ in true } }
        if let path = environment["BACKFILL_PLUGIN_PATH"] {
            for dir in path.split(separator: ":").map(String.init) where !dir.isEmpty { add(dir: dir) { _ in true } }
        }
        if let exe = executableDir {
            add(dir: exe) { $0.hasPrefix("lib") && $0.hasSuffix("Provider" + Self.sharedObjectSuffix) }
            add(dir: exe + "/plugins") { _ in true }
            add(dir: exe + "/../lib/backfill/plugins") { _ in true }
        }
        var byName: [String: String] = [:]
        for (path, loaded) in zip(candidates, Self.load(candidates, isolation: isolation, logger: logger)) {
            switch loaded {
            case .success(let provider):
                if let first = byName[provider.name] {
                    failures.append(.duplicateName(path, name: provider.name, first: first))
                    continue
                }
                byName[provider.name] = path
                providers.append(provider)
            case .failure(let error):
                failures.append(error)
            }
        }
    }

    /// Loads each file, in this process or in a child process (``ChildScanner``).
    static func load(_ paths: [String], isolation: PluginIsolation, logger: Logger) -> [Result<LoadedProvider, PluginLoadError>] {
        switch isolation {
        case .none:
            return paths.map { path in
                Result { () throws(PluginLoadError) in
                    let plugin = try NativePlugin(path: path, logger: logger)
                    return LoadedProvider(plugin.metadata, source: .native(plugin))
                }
            }
        case .process(let settings):
            return ChildScanner.scan(paths, isolation: settings, logger: logger).map { result in
                result.map { LoadedProvider($0, source: .child(settings, logger)) }
            }
        }
    }

    /// The provider with this name.
    ///
    /// - Throws: ``PluginLoadError`` listing the names that are available.
    public func provider(named name: String) throws(PluginLoadError) -> LoadedProvider {
        guard let p = providers.first(where: { $0.name == name }) else {
            throw .unknownProvider(name, available: providers.map(\.name))
        }
        return p
    }

    #if canImport(Darwin)
        static let sharedObjectSuffix = ".dylib"
    #else
        static let sharedObjectSuffix = ".so"
    #endif

    /// Regular files in `dir` that look like shared objects, sorted (so loading is deterministic).
    static func sharedObjects(in dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasSuffix(sharedObjectSuffix) || name.contains(sharedObjectSuffix + ".") else { continue }
            var st = stat()
            guard stat(dir + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            names.append(name)
        }
        return names.sorted()
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The running executable (via /proc/self/exe on Linux).
    public static func executablePath() -> String? {
        #if os(Linux)
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
            guard n > 0 else { return nil }
            return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
            return CommandLine.arguments.first.flatMap(realPath)
        #endif
    }

    /// The folder of the running executable.
    public static func executableDirectory() -> String? {
        guard let path = executablePath(), let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}
