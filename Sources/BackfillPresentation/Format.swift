/// How numbers and durations read in Backfill's output, in one place for every front end.
public enum Format {
    /// 1234567 → "1,234,567".
    public static func group(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// 3725.4 → "1h 2m 5s"; 75 → "1m 15s"; 12.4 → "12s"; 2.5 → "2.5s".
    public static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return seconds < 10 ? "\((seconds * 10).rounded() / 10)s" : "\(Int(seconds.rounded()))s" }
        let s = Int(seconds.rounded())
        if s < 3600 { return "\(s / 60)m \(s % 60)s" }
        return "\(s / 3600)h \(s % 3600 / 60)m \(s % 60)s"
    }

    /// A `Duration` as ``duration(_:)`` writes it.
    public static func duration(_ d: Duration) -> String { duration(seconds(d)) }

    /// A `Duration` in seconds.
    public static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// A rate as people read it: `0.083` (5/min), `2.5`, `100`.
    public static func rate(_ r: Double) -> String {
        if r == r.rounded() { return String(Int(r)) }
        let text = String(r)
        return text.count > 6 ? String((r * 1000).rounded() / 1000) : text
    }

    /// A number of seconds as a setting reads: "300 s", "2.5 s".
    public static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

    /// "1 request", "2 requests".
    public static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }

    /// A number with one decimal: 12.34 → "12.3".
    public static func oneDecimal(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
