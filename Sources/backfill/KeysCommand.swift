import ArgumentParser
import BackfillAccess
import BackfillCore
import BackfillStore

/// `backfill keys`: the API keys `backfill serve` accepts.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke the API keys of backfill serve.",
        discussion: """
            A key is shown once, when it is created; the database keeps only a salted hash of it. Scopes: read \
            (GET), write (also symbols and runs), admin (also schedules). Send it as X-API-Key or Authorization: Bearer.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key and print it (once).")

        @Option(help: "Its name (1 to 64 letters, digits and . _ -), for people, logs and the audit log.") var name: String
        @Option(help: "read, write or admin.") var scope: String
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let scope: KeyScope
            do {
                scope = try KeyScope.parse(self.scope)
                try APIKeys.checkName(name)
            } catch {
                throw CLIFailure.usage(error.message)
            }
            let store = try await db.open(config)
            let made: APIKeys.Created
            do { made = try APIKeys.create(name: name, scope: scope, store: store, now: UTCTime.now()) } catch let error as StoreError {
                throw CLIFailure.store(error)
            }
            try? store.appendAudit(
                AuditEntry(at: UTCTime.now(), keyName: "cli", action: "key.create", detail: "\(name) (\(scope.rawValue))"))
            print(made.key)
            Terminal.printError("created key '\(name)' (\(scope.rawValue)); store it now, it is not shown again")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (names and scopes; never the keys).")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let store = try await db.open(config)
            let keys: [APIKeyRecord]
            do { keys = try store.keys() } catch { throw CLIFailure.store(error) }
            if keys.isEmpty {
                Terminal.printError("no keys; make one with: backfill keys create --name NAME --scope read|write|admin")
                return
            }
            print("name,scope,status,created_at,last_used_at")
            for k in keys {
                let status = k.revokedAt == nil ? "active" : "revoked"
                print("\(k.name),\(k.scope),\(status),\(UTCTime.iso(k.createdAt)),\(k.lastUsedAt.map(UTCTime.iso) ?? "")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: the server refuses it from its next request.")
        @Argument(help: "The key's name.") var name: String
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let store = try await db.open(config)
            let revoked: Bool
            do { revoked = try store.revokeKey(name: name, at: UTCTime.now()) } catch { throw CLIFailure.store(error) }
            guard revoked else { throw CLIFailure.usage("no active key named '\(name)' (backfill keys list)") }
            try? store.appendAudit(AuditEntry(at: UTCTime.now(), keyName: "cli", action: "key.revoke", detail: name))
            print("revoked \(name)")
        }
    }
}
