import ArgumentParser
import BackfillPresentation

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

    /// The command's presentation; secrets in the environment are masked from the start.
    func presenter() -> Presenter {
        Presenter(format: format, quiet: quiet, secrets: Environment.secretValues)
    }
}

/// A command whose failures are reported in its own log format.
protocol PresentingCommand {
    var output: OutputOptions { get }
}
