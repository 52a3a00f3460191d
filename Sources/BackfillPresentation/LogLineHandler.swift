internal import BackfillCore
internal import Logging

/// A swift-log handler writing one line per message: `level: message` on stderr, or a JSON
/// `log` event with the metadata (`backfill.plugin` names the plugin that spoke).
struct LogLineHandler: LogHandler {
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
