/// A cell of the completeness matrix, the same in the console, the results document and the
/// dashboard.
public enum CompletenessMark: String, Sendable, CaseIterable {
    /// Every expected bar is present.
    case complete = "✓"
    /// fetch_failed or suspect gaps remain, or the pair failed.
    case holes = "✗"
    /// Only provider_empty or pending gaps remain.
    case quiet = "~"
    /// Not checked: the run stopped before the pair's gap detection.
    case unchecked = "?"

    /// What the mark means, for legends.
    public var meaning: String {
        switch self {
        case .complete: "complete"
        case .holes: "holes remain (fetch_failed or suspect) or failed"
        case .quiet: "only provider_empty or pending gaps"
        case .unchecked: "not checked (the run was interrupted)"
        }
    }
}
