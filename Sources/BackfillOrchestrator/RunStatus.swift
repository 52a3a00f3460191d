/// How a run ended, as the runs table and the results document record it.
public enum RunStatus: String, Sendable {
    /// Still going (only ever seen in the runs table).
    case running
    /// Every pair complete (exit code 0).
    case complete
    /// Holes remain or something failed (exit code 1).
    case incomplete
    /// Stopped by a signal or a request before it finished (exit code 130 or 143).
    case interrupted
    /// Left `running` by a process that no longer holds the run lock (it was killed).
    case abandoned
}
