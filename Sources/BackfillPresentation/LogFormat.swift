/// How a command's messages look on stderr: plain text for people, or one JSON object a line.
public enum LogFormat: String, CaseIterable, Sendable {
    case text, json
}
