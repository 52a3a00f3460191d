import BackfillPluginSDK
import BackfillText

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Deterministic fault injection read from `<root>/faults.json` (see docs/providers/replay.md).
///
/// Each rule matches a symbol and a timeframe (`"*"` or absent = any) and does one thing:
/// - `"status"`: answer with that status (`rate_limited`, `transient`, `unauthorized`,
///   `not_entitled`, `bad_request`, `permanent`, `no_data`) for the first `requests` page calls of
///   each matching symbol/timeframe (all of them when `requests` is absent);
/// - `"hide"`: leave out the rows in `[start, end)` for the first `attempts` requests that overlap
///   that range (all of them when absent);
/// - `"latency_ms"`: sleep that long before answering.
final class FaultPlan: @unchecked Sendable {
    struct Rule {
        struct Range {
            var start: String
            var end: String
        }
        var symbol: String?
        var timeframe: String?
        var status: String?
        var requests: Int?
        var retry_after_ms: Int64?
        var message: String?
        var hide: Range?
        var attempts: Int?
        var latency_ms: Int?
    }

    struct Hide {
        var rule: Int
        var start: Int64
        var end: Int64
    }

    private let rules: [Rule]
    private let hides: [Int: (Int64, Int64)]
    private var counters: [String: Int] = [:]
    private let lock = PlainLock()

    static let timeframeNames = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"]
    static let statuses: [String: Int32] = [
        "no_data": 1, "rate_limited": 2, "transient": 3, "unauthorized": 4, "not_entitled": 5,
        "bad_request": 6, "permanent": 7,
    ]

    /// An empty plan.
    init() {
        rules = []
        hides = [:]
    }

    /// Reads and checks the plan at `path`.
    init(path: String) throws(PluginFailure) {
        guard let bytes = FileSystem.contents(path) else { throw .permanent("\(path): cannot read fault plan") }
        let document: JSONValue
        do { document = try JSONValue.parse(bytes) } catch {
            throw .permanent("\(path): invalid JSON, \(error.message)")
        }
        guard case .array(let items)? = document["faults"] else {
            throw .permanent("\(path): a fault plan is {\"faults\": [ ... ]}")
        }
        var hides: [Int: (Int64, Int64)] = [:]
        var parsed: [Rule] = []
        for (i, item) in items.enumerated() {
            let at = "\(path): fault \(i + 1)"
            let rule = try Self.rule(item, at: at)
            parsed.append(rule)
            let actions = [rule.status != nil, rule.hide != nil, rule.latency_ms != nil].filter { $0 }.count
            guard actions == 1 else { throw .permanent("\(at): give exactly one of status, hide, latency_ms") }
            if let tf = rule.timeframe, tf != "*", !Self.timeframeNames.contains(tf) {
                throw .permanent("\(at): unknown timeframe '\(tf)'")
            }
            if let s = rule.status, Self.statuses[s] == nil {
                throw .permanent(
                    "\(at): unknown status '\(s)'; valid: \(Self.statuses.keys.sorted().joined(separator: ", "))")
            }
            if let h = rule.hide {
                guard let a = Self.time(h.start), let b = Self.time(h.end), a < b else {
                    throw .permanent("\(at): hide needs start < end as ISO-8601 UTC or epoch ms")
                }
                hides[i] = (a, b)
            }
        }
        rules = parsed
        self.hides = hides
    }

    private static let keys: Set<String> = [
        "symbol", "timeframe", "status", "requests", "retry_after_ms", "message", "hide", "attempts", "latency_ms",
    ]

    /// Reads one rule object, naming any key or type that is wrong.
    private static func rule(_ item: JSONValue, at: String) throws(PluginFailure) -> Rule {
        guard case .object(let members) = item else { throw .permanent("\(at): each fault is an object") }
        for (key, _) in members where !keys.contains(key) {
            throw .permanent("\(at): unknown key '\(key)'; valid: \(keys.sorted().joined(separator: ", "))")
        }
        func string(_ key: String) throws(PluginFailure) -> String? {
            guard let v = item[key] else { return nil }
            guard case .string(let s) = v else { throw .permanent("\(at): '\(key)' must be a string") }
            return s
        }
        func integer(_ key: String) throws(PluginFailure) -> Int? {
            guard let v = item[key] else { return nil }
            guard case .number(let d) = v, d >= 0, d == d.rounded(), d < 1e15 else {
                throw .permanent("\(at): '\(key)' must be a whole number >= 0")
            }
            return Int(d)
        }
        var hide: Rule.Range?
        if let h = item["hide"] {
            guard case .string(let a)? = h["start"], case .string(let b)? = h["end"] else {
                throw .permanent("\(at): 'hide' must be {\"start\": ..., \"end\": ...}")
            }
            hide = Rule.Range(start: a, end: b)
        }
        return Rule(
            symbol: try string("symbol"), timeframe: try string("timeframe"), status: try string("status"),
            requests: try integer("requests"), retry_after_ms: try integer("retry_after_ms").map(Int64.init),
            message: try string("message"), hide: hide, attempts: try integer("attempts"),
            latency_ms: try integer("latency_ms"))
    }

    static func time(_ text: String) -> Int64? {
        var ms: Int64 = 0
        var t = text
        let ok = t.withUTF8 { b in b.withMemoryRebound(to: CChar.self) { bf_parse_time($0.baseAddress, $0.count, &ms) } }
        return ok == 1 ? ms : nil
    }

    private func matches(_ rule: Rule, symbol: String, timeframe: Int32) -> Bool {
        let s = rule.symbol ?? "*", t = rule.timeframe ?? "*"
        return (s == "*" || s == symbol)
            && (t == "*" || (Int(timeframe) < Self.timeframeNames.count && Self.timeframeNames[Int(timeframe)] == t))
    }

    /// Counts one call against a rule for a symbol/timeframe; returns the new count.
    private func count(_ rule: Int, _ symbol: String, _ timeframe: Int32) -> Int {
        let key = "\(rule)|\(symbol)|\(timeframe)"
        let n = (counters[key] ?? 0) + 1
        counters[key] = n
        return n
    }

    /// Applies latency and status rules to one page call; throws the injected failure.
    func before(symbol: String, timeframe: Int32) throws(PluginFailure) {
        var sleepMs = 0
        var failure: PluginFailure?
        lock.locked {
            for (i, rule) in rules.enumerated() where matches(rule, symbol: symbol, timeframe: timeframe) {
                if let ms = rule.latency_ms { sleepMs += ms }
                guard failure == nil, let status = rule.status else { continue }
                let n = count(i, symbol, timeframe)
                if let limit = rule.requests, n > limit { continue }
                let message = rule.message ?? "injected \(status) (fault \(i + 1), request \(n))"
                switch Self.statuses[status] ?? 7 {
                case 1: failure = .noData(message)
                case 2: failure = .rateLimited(message, retryAfterMs: rule.retry_after_ms ?? -1)
                case 3: failure = .transient(message)
                case 4: failure = .unauthorized(message)
                case 5: failure = .notEntitled(message)
                case 6: failure = .badRequest(message)
                default: failure = .permanent(message)
                }
            }
        }
        if sleepMs > 0 { usleep(useconds_t(sleepMs) * 1000) }
        if let failure { throw failure }
    }

    /// The hidden ranges that apply to a new request over [start, end), as a bit mask of rules.
    func hiddenMask(symbol: String, timeframe: Int32, start: Int64, end: Int64) -> UInt64 {
        lock.locked {
            var mask: UInt64 = 0
            for (i, rule) in rules.enumerated() where i < 64 {
                guard let (a, b) = hides[i], a < end, b > start,
                    matches(rule, symbol: symbol, timeframe: timeframe)
                else { continue }
                let n = count(i, symbol, timeframe)
                if let limit = rule.attempts, n > limit { continue }
                mask |= 1 << UInt64(i)
            }
            return mask
        }
    }

    /// Whether a row at `ts` is hidden under `mask`.
    func isHidden(_ ts: Int64, mask: UInt64) -> Bool {
        guard mask != 0 else { return false }
        for (i, range) in hides where i < 64 && mask & (1 << UInt64(i)) != 0 {
            if ts >= range.0 && ts < range.1 { return true }
        }
        return false
    }
}
