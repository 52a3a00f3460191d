internal import BackfillCore
public import BackfillStore
import Crypto
import Foundation

/// What a key may do: `read` may GET; `write` may also change symbols and start or stop runs;
/// `admin` may also manage schedules and keys.
public enum KeyScope: String, Sendable, CaseIterable, Comparable {
    case read, write, admin

    var rank: Int {
        switch self {
        case .read: 0
        case .write: 1
        case .admin: 2
        }
    }

    public static func < (a: KeyScope, b: KeyScope) -> Bool { a.rank < b.rank }

    /// The scope named `text`.
    ///
    /// - Throws: ``KeyError`` naming the valid scopes.
    public static func parse(_ text: String) throws(KeyError) -> KeyScope {
        guard let scope = KeyScope(rawValue: text) else { throw KeyError("unknown scope '\(text)'; valid: read, write, admin") }
        return scope
    }
}

/// Backfill's API keys: `bfk_<id>_<secret>`, where the secret is 32 random bytes (base64url).
/// The store keeps the id, a random salt and HMAC-SHA256(salt, secret), never the secret;
/// checking a key recomputes the HMAC and compares in constant time (swift-crypto).
///
/// A fast keyed hash (not a password hash such as bcrypt) is enough: the secret is 256 random
/// bits, not something a person chose, so it cannot be guessed from its hash.
public enum APIKeys {
    /// A new key and the record that stores its hash.
    public struct Created: Sendable {
        /// The key, shown once.
        public let key: String
        public let record: APIKeyRecord
    }

    /// Makes a key for `name` with `scope`, stores it and returns it.
    ///
    /// - Throws: ``KeyError`` for a bad name; the store's error when the name is taken.
    public static func create(name: String, scope: KeyScope, store: any ServiceStore, now: Int64) throws -> Created {
        try checkName(name)
        let salt = randomBytes(16)
        let secret = randomBytes(32)
        var record = APIKeyRecord(
            name: name, scope: scope.rawValue, salt: hex(salt), hash: hex(mac(secret: Array(base64url(secret).utf8), salt: salt)),
            createdAt: now)
        record.id = try store.insertKey(record)
        return Created(key: "bfk_\(record.id)_\(base64url(secret))", record: record)
    }

    /// Key names: 1 to 64 letters, digits and `. _ -`.
    public static func checkName(_ name: String) throws(KeyError) {
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw KeyError("a key name is 1 to 64 letters, digits and . _ - (got '\(name)')")
        }
    }

    /// The live key a presented `key` is, or nil (malformed, unknown, revoked, wrong secret).
    /// Takes the same work whether or not the id exists.
    public static func verify(_ key: String, store: any ServiceStore) throws(StoreError) -> APIKeyRecord? {
        let parts = key.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "bfk", let id = Int64(parts[1]), parts[2].count <= 64 else { return nil }
        let secret = Array(parts[2].utf8)
        let record = try store.key(id: id)
        let salt = record.flatMap { unhex($0.salt) } ?? [UInt8](repeating: 0, count: 16)
        let stored = record.flatMap { unhex($0.hash) } ?? [UInt8](repeating: 0, count: 32)
        let valid = HMAC<SHA256>.isValidAuthenticationCode(stored, authenticating: secret, using: SymmetricKey(data: salt))
        guard valid, let record, record.revokedAt == nil else { return nil }
        return record
    }

    static func mac(secret: [UInt8], salt: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: secret, using: SymmetricKey(data: salt)))
    }

    static func randomBytes(_ n: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<n).map { _ in UInt8.random(in: .min ... .max, using: &g) }
    }

    static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

    static func unhex(_ text: String) -> [UInt8]? { Hex.decode(text) }

    /// URL-safe base64 without padding (Foundation's base64 with the two characters swapped).
    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }
}

/// A bad key name or scope: one line.
public struct KeyError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
