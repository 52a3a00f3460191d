import ArgumentParser
import BackfillPresentation
import BackfillSettings
import BackfillSetup
import Synchronization

/// How a command reports: `--log-format text|json` and `--quiet` (settings `run.log_format`,
/// `run.quiet`; `features.log_format` for `backfill features`).
struct OutputOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "text (default), or json: one JSON object per line on stderr for every event (docs/logging.md); stdout keeps only the command's data.",
            valueName: "format"))
    var logFormat: String?

    @Flag(help: "Only errors and a final one-line summary.") var quiet = false

    func flags(_ f: inout Settings.Flags, section: String) {
        f.set("\(section).log_format", logFormat, flag: "--log-format")
        f.set("run.quiet", flag: quiet, flag: "--quiet")
    }

    /// The command's presentation, one per process (the command and its final error line share
    /// it, and so the secrets it was told to mask); secrets in the environment are masked from
    /// the start.
    func presenter(_ settings: Settings, section: String) throws(CLIFailure) -> Presenter {
        let format: LogFormat, quiet: Bool
        do {
            format = LogFormat(rawValue: try settings.string("\(section).log_format") ?? "text") ?? .text
            quiet = try settings.bool("run.quiet")
        } catch {
            throw .settings(error)
        }
        return Self.shared.withLock { shared in
            if let shared { return shared }
            let made = Presenter(format: format, quiet: quiet, secrets: ProcessEnvironment.secretValues)
            shared = made
            return made
        }
    }

    /// The presentation a command made, if it made one yet.
    static var current: Presenter? { shared.withLock { $0 } }

    /// A presentation from the flags alone, for an error before the settings could be read.
    var fallback: Presenter {
        Presenter(format: LogFormat(rawValue: logFormat ?? "text") ?? .text, quiet: quiet, secrets: ProcessEnvironment.secretValues)
    }

    private static let shared = Mutex<Presenter?>(nil)
}

/// A command whose failures are reported in its own log format.
protocol PresentingCommand {
    var output: OutputOptions { get }
}
