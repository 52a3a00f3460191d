/// Receives a run's progress: the CLI prints it, tests record it.
public protocol RunObserver: Sendable {
    /// A stage begins ("STAGE 1: FETCHING CANDLES").
    func stage(_ title: String)
    /// One line of the stage log.
    func line(_ text: String)
    /// Progress of the fetch stage.
    func progress(pairsDone: Int, pairsTotal: Int, candles: Int, requests: Int)
    /// A warning (stderr).
    func warning(_ text: String)
}
