import ArgumentParser
import BackfillPluginHost
import BackfillPresentation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `backfill` command: keeps a database of market candles complete and enriched.
@main
struct Backfill: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Keep a database of market candles complete and enriched.",
        discussion: """
            Backfill loads data-provider plugins (Polygon, a file-replay provider, or your own), \
            backfills OHLCV candles for your symbols over eight timeframes (1m 5m 15m 30m 1h 4h 1d 1w) \
            into SQLite or PostgreSQL, and shows what is missing.

            Settings come from flags, then BACKFILL_... environment variables, then a configuration file \
            (--config, BACKFILL_CONFIG, ./backfill.yaml, ~/.config/backfill/config.yaml), then defaults: \
            backfill config init writes one, backfill config show prints what is in effect (docs/configuration.md).

            Exit codes: 0 success; 1 the work ran but something failed; 2 usage or configuration error.
            """,
        version: version,
        subcommands: [
            Run.self, Runs.self, Features.self, Events.self, Symbols.self, Matrix.self, Gaps.self, Verify.self, Revisions.self,
            ReportCommand.self,
            Export.self,
            CalendarCommand.self,
            Providers.self, Fetch.self, ConfigCommand.self, Keys.self, ScheduleCommand.self, Serve.self, WorkerCommand.self,
            WorkersCommand.self, Bench.self,
            PluginChildCommand.self,
        ])

    /// Runs the parsed command and turns every failure into one line on stderr (in the command's
    /// log format) and an exit code: 2 for usage and configuration errors, 1 for work that failed.
    static func main() async {
        var fallback = Presenter(format: .text, quiet: false)
        // Errors go out in the command's log format: the presentation it made, else one from
        // its flags alone (the configuration may be what failed).
        var presenter: Presenter { OutputOptions.current ?? fallback }
        do {
            let command = try parseAsRoot()
            fallback = Self.presenter(of: command) ?? fallback
            try await run(command)
            terminate(0)
        } catch let failure as CLIFailure {
            if !failure.message.isEmpty { presenter.error(failure.message) }
            terminate(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                terminate(0)
            }
            if code.rawValue == 1 || code == .validationFailure {
                presenter.error("\(message(for: error)) (see 'backfill help')")
                terminate(2)
            }
            terminate(code.rawValue)
        }
    }
}

extension Backfill {
    /// The presentation a command's output flags ask for.
    static func presenter(of command: any ParsableCommand) -> Presenter? {
        (command as? any PresentingCommand)?.output.fallback
    }

    /// Runs a parsed command, async or not.
    static func run(_ command: sending any ParsableCommand) async throws {
        var command = command
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }
}

/// A failure the CLI reports as one line with an exit code.
struct CLIFailure: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32

    /// A usage or configuration mistake (exit code 2).
    static func usage(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 2) }
    /// The work ran and failed (exit code 1).
    static func failed(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 1) }

    var description: String { message }
}

/// Flushes output and ends the process with `code`, without running exit handlers.
///
/// A plugin that links Foundation (loaded with dlopen from a task thread) makes `exit()` hang in
/// its exit handlers on Linux; `_exit` after an explicit flush is immune to what plugins do.
/// Everything the program writes is committed before this point.
func terminate(_ code: Int32) -> Never {
    fflush(nil)
    _exit(code)
}
