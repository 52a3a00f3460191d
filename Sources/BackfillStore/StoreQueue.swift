import Dispatch

/// The store, shared by many tasks: every call, read or write, runs on one serial queue (a store
/// owns one connection and is not thread-safe), off the cooperative thread pool because calls
/// block on disk and network.
public final class StoreQueue: @unchecked Sendable {
    public let store: any CandleStore
    private let queue = DispatchQueue(label: "backfill.store")

    public init(_ store: any CandleStore) { self.store = store }

    /// Runs `body` with the store on the store's queue and returns its value.
    ///
    /// - Throws: the ``StoreError`` `body` threw; any other error becomes a database error.
    public func run<T: Sendable>(_ body: @escaping @Sendable (any CandleStore) throws -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: .success(try body(self.store)))
                } catch let error as StoreError {
                    continuation.resume(returning: .failure(error))
                } catch {
                    continuation.resume(returning: .failure(.other("\(error)")))
                }
            }
        }
        return try result.get()
    }
}
