public import BackfillCore
public import BackfillOrchestrator
public import Logging

/// A command's presentation, chosen from its output options: the observers its engine reports
/// to, the logger plugins and libraries log through, and its final error line.
public struct Presenter: Sendable {
    public let output: TerminalOutput
    public let format: LogFormat
    public let quiet: Bool
    public let observers: [any RunObserver]
    private let json: JSONLogObserver

    /// - Parameters:
    ///   - secrets: values masked in everything written (API keys, database passwords).
    ///   - progress: draw a progress line (default: text format, not quiet, stderr a terminal).
    public init(format: LogFormat, quiet: Bool, secrets: [String] = [], progress: Bool? = nil) {
        output = TerminalOutput(mask: SecretMask(secrets))
        self.format = format
        self.quiet = quiet
        json = JSONLogObserver(output: output)
        switch (format, quiet) {
        case (.json, _): observers = [json]
        case (.text, true): observers = [QuietObserver(output: output)]
        case (.text, false):
            let drawProgress = progress ?? TerminalOutput.stderrIsTerminal
            observers = [ConsoleObserver(output: output)] + (drawProgress ? [ProgressObserver(output: output)] : [])
        }
    }

    /// Hands an event to every observer.
    public func emit(_ event: RunEvent) {
        for o in observers { o.handle(event) }
    }

    /// A logger that writes through this presentation (warnings and up unless `verbose`).
    public func logger(verbose: Bool) -> Logger {
        let (format, output, json) = (self.format, self.output, self.json)
        var logger = Logger(label: "backfill") { _ in
            format == .json ? LogLineHandler(.json(json)) : LogLineHandler(.text(output))
        }
        logger.logLevel = verbose ? .debug : (quiet ? .error : .warning)
        return logger
    }

    /// The line a failed command ends with: `backfill: error: <message>`, or in JSON an `error` event.
    public func error(_ message: String) {
        switch format {
        case .text: output.err("backfill: error: \(message)")
        case .json: json.write("error", "error", [("message", .string(message))])
        }
    }

    /// A command's closing message on stderr: `text` as is (not with --quiet), or in JSON the
    /// event `name` with `fields`.
    public func note(_ name: String, text: String, fields: [(String, JSON)]) {
        switch format {
        case .text: if !quiet { output.err(text) }
        case .json: json.write("info", name, fields)
        }
    }
}
