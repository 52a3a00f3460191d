import BackfillAccess
import BackfillStore
import BackfillTestSupport
import Testing

/// API keys: shown once, stored as a salted hash, checked in full.
@Suite("API keys")
struct APIKeyTests {
    @Test("a created key verifies; the store holds only salt and hash; a changed, unknown or revoked key does not")
    func createVerifyRevoke() throws {
        let db = try TestDatabase(.sqlite)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let made = try APIKeys.create(name: "ops", scope: .write, store: store, now: 1)
        #expect(made.key.hasPrefix("bfk_\(made.record.id)_") && made.key.count > 40)
        let stored = try #require(try store.key(id: made.record.id))
        let secret = String(made.key.split(separator: "_", maxSplits: 2)[2])
        #expect(!stored.hash.contains(secret) && !stored.salt.contains(secret) && stored.hash.count == 64 && stored.salt.count == 32)
        #expect(try APIKeys.verify(made.key, store: store)?.name == "ops")

        var flipped = Array(made.key)
        flipped[flipped.count - 1] = flipped.last == "A" ? "B" : "A"
        for wrong in [String(flipped), made.key + "x", "bfk_999_" + secret, "bfk_\(made.record.id)", "Bearer x", "", "bfk_x_y"] {
            #expect(try APIKeys.verify(wrong, store: store) == nil, "\(wrong)")
        }
        // Two keys never share a secret or a salt.
        let other = try APIKeys.create(name: "dash", scope: .read, store: store, now: 2)
        #expect(other.key != made.key && other.record.salt != made.record.salt)

        #expect(try store.revokeKey(name: "ops", at: 3))
        #expect(try APIKeys.verify(made.key, store: store) == nil)
        #expect(try APIKeys.verify(other.key, store: store)?.scope == "read")
    }

    @Test("names and scopes are checked")
    func names() {
        #expect(throws: KeyError("a key name is 1 to 64 letters, digits and . _ - (got 'a b')")) { try APIKeys.checkName("a b") }
        #expect(throws: KeyError("unknown scope 'root'; valid: read, write, admin")) { try KeyScope.parse("root") }
        #expect(KeyScope.read < .write && KeyScope.write < .admin)
    }
}
