/// Whether a setting's name says it holds a secret: an option named like a key, token, secret,
/// password or credential is masked wherever it is shown, whether or not its provider declares it
/// secret.
public enum SecretName {
    static let words = ["key", "token", "secret", "password", "auth"]

    public static func looksSecret(_ name: String) -> Bool {
        let lower = name.lowercased()
        return words.contains { lower.contains($0) }
    }
}
