/// The stages of a run, in the order they run.
public enum RunStage: String, Sendable, CaseIterable {
    /// Fetch every pair's ranges that coverage does not hold.
    case fetch
    /// Detect and classify gaps against the calendar, from the store.
    case gaps
    /// Refetch fetch_failed and suspect gaps.
    case refill
    /// Check the stored bars (`--verify`, ``Verifier``).
    case verify
    /// Splits and dividends (`--events`).
    case events
    /// Features of the pairs that changed (`--features`).
    case features
}
