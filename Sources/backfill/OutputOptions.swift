import ArgumentParser
import BackfillPresentation
import Synchronization

/// How a command reports: `--log-format text|json` and `--quiet`.
struct OutputOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "text, or json: one JSON object per line on stderr for every event (docs/logging.md); stdout keeps only the command's data.",
            valueName: "format"))
    var logFormat: String = "text"

    @Flag(help: "Only errors and a final one-line summary.") var quiet = false

    func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else {
            throw CLIFailure.usage(
                "unknown --log-format '\(logFormat)'; valid: \(LogFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    var format: LogFormat { LogFormat(rawValue: logFormat) ?? .text }

    /// The command's presentation, one per process (the command and its final error line share
    /// it, and so the secrets it was told to mask); secrets in the environment are masked from
    /// the start.
    func presenter() -> Presenter {
        Self.shared.withLock { shared in
            if let shared { return shared }
            let made = Presenter(format: format, quiet: quiet, secrets: Environment.secretValues)
            shared = made
            return made
        }
    }

    private static let shared = Mutex<Presenter?>(nil)
}

/// A command whose failures are reported in its own log format.
protocol PresentingCommand {
    var output: OutputOptions { get }
}
