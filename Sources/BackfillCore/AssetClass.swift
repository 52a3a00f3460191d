/// The kind of instrument a symbol is; it picks the trading calendar and the provider's ticker form.
public enum AssetClass: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case stock, etf, crypto, forex, index

    /// The ABI value (`BF_ASSET_*`).
    public var abiValue: Int32 { Int32(Self.allCases.firstIndex(of: self) ?? 0) }

    /// Parses a user's spelling, with an error that lists the valid ones.
    public static func parse(_ text: String) throws(InputError) -> AssetClass {
        guard let value = AssetClass(rawValue: text.trimmingWhitespace().lowercased()) else {
            throw .invalid(
                "unknown asset class '\(text)'; valid: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    public var description: String { rawValue }
}
