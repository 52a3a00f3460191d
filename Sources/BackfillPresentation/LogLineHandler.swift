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
            var line = "\(event.level): \(event.message)"
            for (k, v) in fields(event) {
                let text = "\(v)"
                line += " \(k)=" + (text.isEmpty || text.contains(" ") || text.contains("\"") ? JSON.string(text).text() : text)
            }
            output.err(line)
        case .json(let json):
            var fields: [(String, JSON)] = [("message", .string("\(event.message)"))]
            for (k, v) in self.fields(event) { fields.append((k, .string("\(v)"))) }
            json.write(Self.level(event.level), "log", fields)
        }
    }

    /// The handler's and the event's metadata by name (Hummingbird's request id as `request_id`).
    func fields(_ event: LogEvent) -> [(String, Logger.Metadata.Value)] {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        return all.map { ($0.key == "hb.request.id" ? "request_id" : $0.key, $0.value) }.sorted { $0.0 < $1.0 }
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
