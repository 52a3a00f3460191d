import BackfillCore
import BackfillSettings
import Hummingbird

/// A request's query parameters, each mistake one 422 naming the parameter.
struct Query {
    let request: Request

    init(_ request: Request) { self.request = request }

    func string(_ name: String) -> String? {
        guard let v = request.uri.queryParameters[name[...]] else { return nil }
        let s = String(v)
        return s.isEmpty ? nil : s
    }

    func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = string(name) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw APIError.invalid("query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        switch string(name) {
        case nil: return nil
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.invalid("query parameter '\(name)' must be true or false")
        }
    }

    /// One of `choices` (the first when absent).
    func choice(_ name: String, _ choices: [String]) throws(APIError) -> String {
        guard let v = string(name) else { return choices[0] }
        guard choices.contains(v) else {
            throw APIError.invalid("query parameter '\(name)' must be one of \(choices.joined(separator: ", ")) (got '\(v)')")
        }
        return v
    }

    /// A time (`YYYY-MM-DD`, ISO-8601 UTC, or epoch milliseconds), epoch ms.
    func time(_ name: String) throws(APIError) -> Int64? {
        guard let text = string(name) else { return nil }
        if let ms = Int64(text) { return ms }
        do { return try UTCTime.parse(text) } catch { throw APIError.invalid("query parameter '\(name)': \(error.message)") }
    }

    /// `symbols`, `timeframes`, `days` and `provider` as settings flags, named as the
    /// parameters in messages (the range's `start` and `end` are read by the route).
    var reportFlags: Settings.Flags {
        var f = Settings.Flags()
        let list = { (name: String) in string(name)?.split(separator: ",").map { String($0) } }
        f.set("run.symbols", list: list("symbols"), flag: "symbols")
        f.set("run.timeframes", list: list("timeframes"), flag: "timeframes")
        f.set("run.days", string("days"), flag: "days")
        return f
    }
}
