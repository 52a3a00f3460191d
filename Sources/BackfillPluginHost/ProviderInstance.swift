public import BackfillCore

/// What serves a provider instance's calls: the plugin in this process, or its child process.
protocol InstanceBackend: AnyObject, Sendable {
    func fetchPage(_ request: CandleRequest, cursor: String?, into batch: CandleBatch, pageLimit: Int?) async
        -> Result<PageInfo, ProviderError>
    func fetchEvents(_ request: EventRequest) async -> Result<EventPage, ProviderError>
    func makeBatch(capacity: Int) -> CandleBatch
}

/// A live provider instance, wherever its plugin runs (``PluginIsolation``): the host's calls
/// to it, as async Swift with typed ``ProviderError``s.
public final class ProviderInstance: Sendable {
    public let provider: LoadedProvider
    let backend: any InstanceBackend

    init(provider: LoadedProvider, backend: any InstanceBackend) {
        self.provider = provider
        self.backend = backend
    }

    /// A batch to fetch pages into. For a provider in a child process its columns live in memory
    /// shared with the child, so a page crosses the boundary without a copy; any batch works,
    /// this one is the fast one.
    public func makeBatch(capacity: Int) -> CandleBatch { backend.makeBatch(capacity: capacity) }

    /// Fetches one page of candles into `batch` (its contents are replaced).
    ///
    /// - Parameter cursor: nil for the first page, else the previous page's ``PageInfo/nextCursor``.
    /// - Throws: ``ProviderError`` with the provider's status and message.
    public func fetchPage(_ request: CandleRequest, cursor: String?, into batch: CandleBatch, pageLimit: Int? = nil)
        async throws(ProviderError) -> PageInfo
    {
        try await backend.fetchPage(request, cursor: cursor, into: batch, pageLimit: pageLimit).get()
    }

    /// Fetches one page of corporate events of `kinds` for `symbol` with ex dates in [start, end)
    /// (a ticker change request asks for nothing else, over all time).
    ///
    /// - Returns: the events and the next page's cursor (nil when done).
    /// - Throws: ``ProviderError``; `.badRequest` when the provider serves no events.
    public func fetchEvents(
        symbol: Symbol, ticker: String?, assetClass: AssetClass, kinds: Set<CorporateEvent.Kind>, start: Int64, end: Int64,
        cursor: String?
    ) async throws(ProviderError) -> (events: [CorporateEvent], nextCursor: String?) {
        let request = EventRequest(
            symbol: symbol, ticker: ticker, assetClass: assetClass, kinds: kinds, start: start, end: end, cursor: cursor)
        let page = try await backend.fetchEvents(request).get()
        return (page.events, page.nextCursor)
    }
}
