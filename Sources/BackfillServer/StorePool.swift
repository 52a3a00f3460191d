import BackfillStore
import Synchronization

/// A few store connections for the API's requests, each behind its own serial queue (a store is
/// one connection, not shareable); requests take them in turn. Runs open their own.
final class StorePool: Sendable {
    private let queues: [StoreQueue]
    private let next = Atomic<Int>(0)

    init(_ stores: [any CandleStore]) {
        queues = stores.map { StoreQueue($0) }
    }

    /// Runs `body` with one of the connections.
    func run<T: Sendable>(_ body: @escaping @Sendable (any CandleStore) throws -> T) async throws(StoreError) -> T {
        let i = next.add(1, ordering: .relaxed).oldValue
        return try await queues[i % queues.count].run(body)
    }
}
