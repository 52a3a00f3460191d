import Crypto
import Foundation

/// What names a provider credential in the shared request budget (`rate_limits`): a keyed hash
/// of the provider's secret options, never the secrets.
///
/// HMAC-SHA256 under a fixed key, so every worker on every machine derives the same name for
/// the same API key and nothing in the database gives the key back (an API key is a long random
/// string: the hash cannot be searched). A provider without secrets has one budget, `shared`.
public enum CredentialFingerprint {
    static let key = SymmetricKey(data: Array("backfill rate-limit credential v1".utf8))

    /// The fingerprint of `secrets` (name=value, in any order).
    public static func of(_ secrets: [String: String]) -> String {
        guard !secrets.isEmpty else { return "shared" }
        let text = secrets.keys.sorted().map { "\($0)=\(secrets[$0] ?? "")" }.joined(separator: "\n")
        let mac = HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)
        return "hmac:" + mac.prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
