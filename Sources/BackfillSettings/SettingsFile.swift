import BackfillCore
import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The configuration file: where it is, and what it holds where.
///
/// swift-configuration reads the values (``Settings``); this type adds what it does not do: find
/// the file the way Backfill promises, refuse a file that holds a secret and others can read
/// (as ssh and `.pgpass` do), and check every key and the shape of every value against
/// ``SettingKey/all`` with the line it stands on, so a typo is one line naming the file, the
/// line and the key (with a "did you mean") instead of a silently ignored setting.
public struct SettingsFile: Sendable {
    public let path: String
    /// Where each key stands: `run.concurrency` → 7; provider options as `provider.options.NAME`.
    public let lines: [String: Int]
    /// The provider option names the file sets.
    public let providerOptions: [String]
    /// The file's permission bits.
    public let mode: UInt32

    /// The file to read: `explicit` (`--config`), else `BACKFILL_CONFIG`, else `./backfill.yaml`,
    /// else `$XDG_CONFIG_HOME/backfill/config.yaml` (`~/.config/...`); nil when none exists and
    /// none was named.
    ///
    /// - Throws: ``SettingsError`` when a named file does not exist.
    public static func locate(explicit: String?, environment: [String: String]) throws(SettingsError) -> String? {
        if let explicit {
            guard exists(explicit) else { throw .usage("--config '\(explicit)': no such file") }
            return explicit
        }
        if let named = environment["BACKFILL_CONFIG"], !named.isEmpty {
            guard exists(named) else { throw .usage("BACKFILL_CONFIG '\(named)': no such file") }
            return named
        }
        if exists("backfill.yaml") { return "backfill.yaml" }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["HOME"].map { $0 + "/.config" }
        if let base, exists(base + "/backfill/config.yaml") { return base + "/backfill/config.yaml" }
        return nil
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Reads and checks the file.
    ///
    /// - Throws: ``SettingsError`` naming the file and line: it cannot be read, is not YAML or
    ///   JSON, has an unknown section or key, or a value of the wrong shape.
    public init(path: String) throws(SettingsError) {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0, let text = Self.read(path) else {
            throw .usage("cannot read configuration file '\(path)': \(String(cString: strerror(errno)))")
        }
        mode = UInt32(st.st_mode) & 0o777
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .usage("\(path): not valid YAML or JSON: \(Self.describe(error))")
        } catch {
            throw .usage("\(path): not valid YAML or JSON: \(error)")
        }
        var lines: [String: Int] = [:]
        var options: [String] = []
        guard let node else {
            self.lines = [:]
            providerOptions = []
            return
        }
        guard case .mapping(let top) = node else { throw .usage("\(path):\(Self.line(node)): the file must be a mapping of sections") }
        let known = Set(SettingKey.all.map(\.key))
        for (sectionNode, body) in top {
            let section = sectionNode.string ?? ""
            let at = "\(path):\(Self.line(sectionNode))"
            guard SettingKey.sections.contains(section) else {
                throw .usage("\(at): unknown section '\(section)'\(Self.suggestion(section, SettingKey.sections))")
            }
            if case .scalar(let s) = body, s.string.isEmpty || s.string == "~" || s.string == "null" { continue }
            guard case .mapping(let entries) = body else { throw .usage("\(at): \(section) must be a mapping of keys") }
            for (keyNode, value) in entries {
                let name = keyNode.string ?? ""
                let key = "\(section).\(name)"
                let here = "\(path):\(Self.line(keyNode))"
                guard known.contains(key), let spec = SettingKey.named(key) else {
                    throw .usage("\(here): unknown key '\(key)'\(Self.suggestion(key, Array(known)))")
                }
                lines[key] = Self.line(keyNode)
                try Self.checkShape(value, spec, at: here)
                if case .map = spec.kind, case .mapping(let entries) = value {
                    for (optionNode, optionValue) in entries {
                        let option = optionNode.string ?? ""
                        guard case .scalar = optionValue else {
                            throw .usage("\(path):\(Self.line(optionNode)): \(key).\(option) must be a single value")
                        }
                        lines["\(key).\(option)"] = Self.line(optionNode)
                        options.append(option)
                    }
                }
            }
        }
        self.lines = lines
        providerOptions = options
    }

    /// Scalars for scalar kinds, a sequence (or one scalar) for lists, a mapping for the options.
    static func checkShape(_ value: Node, _ spec: SettingKey, at: String) throws(SettingsError) {
        switch (spec.kind, value) {
        case (.map, .mapping): return
        case (.map, _): throw .usage("\(at): \(spec.key) must be a mapping of option names to values")
        case (.list, .sequence(let items)):
            guard items.allSatisfy({ if case .scalar = $0 { true } else { false } }) else {
                throw .usage("\(at): \(spec.key) must be a list of single values")
            }
        case (.list, .scalar): return
        case (.list, _): throw .usage("\(at): \(spec.key) must be a list")
        case (_, .scalar): return
        default: throw .usage("\(at): \(spec.key) must be a single value")
        }
    }

    /// The line of `key` in the file as `path:line`, for messages and `config show`.
    public func location(_ key: String) -> String { lines[key].map { "\(path):\($0)" } ?? path }

    /// Whether the file sets `key` (or, for `provider.options`, any option).
    public func sets(_ key: String) -> Bool { lines[key] != nil }

    /// Refuses a file that holds a secret when its group or others may read it.
    ///
    /// - Parameter secrets: the keys of this file that hold secrets.
    public func checkPrivate(secrets: [String]) throws(SettingsError) {
        guard mode & 0o077 != 0, let first = secrets.first(where: sets) else { return }
        let octal = String(mode, radix: 8)
        throw .usage(
            "\(location(first)): \(first) is a secret, and \(path) can be read by others (mode 0\(octal)); run: chmod 600 \(path)"
        )
    }

    // MARK: Helpers

    static func line(_ node: Node) -> Int { node.mark?.line ?? 1 }

    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
            if n < buffer.count { break }
            guard bytes.count < 1 << 22 else { return nil }  // a 4 MiB configuration file is not one
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func describe(_ error: YamlError) -> String {
        let text = "\(error)"
        return text.split(separator: "\n").first.map(String.init) ?? text
    }

    /// " (did you mean 'run.concurrency'?)" when a known name is a close spelling.
    public static func suggestion(_ name: String, _ candidates: [String]) -> String {
        let scored = candidates.map { ($0, distance(name, $0)) }.min { $0.1 < $1.1 }
        guard let (best, d) = scored, d <= max(2, name.count / 4) else { return "" }
        return " (did you mean '\(best)'?)"
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var row = Array(0...y.count)
        for i in 1...x.count {
            var previous = row[0]
            row[0] = i
            for j in 1...y.count {
                let current = row[j]
                row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[y.count]
    }
}

/// A configuration mistake: one line naming where (file and line, environment variable, flag)
/// and what is wrong. Always a usage error (exit code 2).
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
    static func usage(_ message: String) -> SettingsError { SettingsError(message: message) }
}
