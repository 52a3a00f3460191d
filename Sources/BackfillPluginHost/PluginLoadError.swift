/// Why a file in a plugin folder did not become a provider. Its description is one line naming
/// the file.
public struct PluginLoadError: Error, CustomStringConvertible, Sendable {
    private enum Kind: String, Sendable {
        case notSharedObject, noEntry, incompatibleVersion, entryDeclined, descriptorTooShort,
            invalidDescriptor, duplicateName, unknownProvider, instanceFailed, crashed
    }

    private let kind: Kind
    /// The plugin file (or provider name for lookups).
    public let path: String
    /// What is wrong.
    public let reason: String

    private init(_ kind: Kind, _ path: String, _ reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    static func notSharedObject(_ path: String, _ detail: String) -> Self {
        .init(.notSharedObject, path, "not a loadable shared object (\(detail))")
    }
    static func noEntry(_ path: String) -> Self {
        .init(.noEntry, path, "no bf_provider_entry function exported")
    }
    static func incompatibleVersion(_ path: String, plugin: UInt32, host: UInt32) -> Self {
        .init(
            .incompatibleVersion, path,
            "incompatible ABI version \(plugin >> 16).\(plugin & 0xffff) (host speaks \(host >> 16).\(host & 0xffff))")
    }
    static func entryDeclined(_ path: String, host: UInt32) -> Self {
        .init(
            .entryDeclined, path, "bf_provider_entry returned NULL for host ABI \(host >> 16).\(host & 0xffff) (incompatible major version)"
        )
    }
    static func descriptorTooShort(_ path: String, size: UInt32, needed: Int) -> Self {
        .init(.descriptorTooShort, path, "descriptor too short: \(size) bytes, a v1 descriptor has at least \(needed)")
    }
    static func invalidDescriptor(_ path: String, _ why: String) -> Self {
        .init(.invalidDescriptor, path, "invalid descriptor: \(why)")
    }
    static func duplicateName(_ path: String, name: String, first: String) -> Self {
        .init(.duplicateName, path, "a second plugin named '\(name)' (already loaded from \(first)); ignored")
    }
    /// No loaded provider has this name.
    public static func unknownProvider(_ name: String, available: [String]) -> Self {
        .init(
            .unknownProvider, name,
            "unknown provider '\(name)'; available: \(available.isEmpty ? "none (see backfill providers)" : available.joined(separator: ", "))"
        )
    }
    static func instanceFailed(_ name: String, _ error: ProviderError) -> Self {
        .init(.instanceFailed, name, "cannot start provider '\(name)': \(error.message)")
    }

    /// A plugin whose loading killed the process loading it (a child process, under isolation).
    static func crashed(_ path: String, _ how: String) -> Self {
        .init(.crashed, path, "\(how) while loading (its constructor or bf_provider_entry)")
    }

    /// The parts a child process sends for a load error (``reported(kind:path:reason:)``).
    var wire: (kind: String, path: String, reason: String) { (kind.rawValue, path, reason) }

    /// A load error a child process reported, as the host shows it (the same one line).
    static func reported(kind: String, path: String, reason: String) -> Self {
        .init(Kind(rawValue: kind) ?? .invalidDescriptor, path, reason)
    }

    public var description: String {
        kind == .unknownProvider || kind == .instanceFailed ? reason : "\(path): \(reason)"
    }
}
