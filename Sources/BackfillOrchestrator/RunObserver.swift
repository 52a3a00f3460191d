/// Receives an engine's events. Called from many tasks at once: implementations serialize
/// their own output.
public protocol RunObserver: Sendable {
    func handle(_ event: RunEvent)
}
