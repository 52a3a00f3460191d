import BackfillPresentation

/// Plain messages of commands that report no engine events (hints, warnings of their own).
enum Terminal {
    /// Writes one line to stderr.
    static func printError(_ line: String) { TerminalOutput.writeAll(2, line + "\n") }
}
