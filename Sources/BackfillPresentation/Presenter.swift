public import BackfillCore
public import BackfillOrchestrator
public import Logging

/// How a command's messages look on stderr: plain text for people, or one JSON object a line.
public enum LogFormat: String, CaseIterable, Sendable {
    case text, json
}

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
            format == .json ? AnyLogLine(.json(json)) : AnyLogLine(.text(output))
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

/// A swift-log handler writing one line per message: `level: message` on stderr, or a JSON
/// `log` event with the metadata (`backfill.plugin` names the plugin that spoke).
struct AnyLogLine: LogHandler {
    enum Sink: Sendable {
        case text(TerminalOutput)
        case json(JSONLogObserver)
    }
    let sink: Sink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning

    init(_ sink: Sink) { self.sink = sink }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        switch sink {
        case .text(let output):
            output.err("\(event.level): \(event.message)")
        case .json(let json):
            var fields: [(String, JSON)] = [("message", .string("\(event.message)"))]
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            for (k, v) in all.sorted(by: { $0.key < $1.key }) { fields.append((k, .string("\(v)"))) }
            json.write(Self.level(event.level), "log", fields)
        }
    }

    static func level(_ l: Logger.Level) -> String {
        switch l {
        case .trace, .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warning"
        case .error, .critical: "error"
        }
    }
}
