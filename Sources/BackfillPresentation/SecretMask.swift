/// The secrets of a command (API keys, database passwords), replaced by `***` in everything its
/// observers write, as a last line of defence: messages are built not to carry them.
public struct SecretMask: Sendable {
    private let secrets: [String]

    /// - Parameter secrets: the values to hide; values shorter than 4 characters are ignored (they
    ///   would mask ordinary text).
    public init(_ secrets: [String] = []) {
        self.secrets = Array(Set(secrets.filter { $0.count >= 4 })).sorted { $0.count > $1.count }
    }

    /// This mask and `more` secrets.
    public func adding(_ more: [String]) -> SecretMask { SecretMask(secrets + more) }

    /// `text` with every secret replaced by `***`.
    public func apply(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var out = text
        for s in secrets where out.contains(s) { out = out.replacing(s, with: "***") }
        return out
    }
}
