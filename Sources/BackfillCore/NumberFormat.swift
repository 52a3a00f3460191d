/// Text for numbers in CSV and JSON output.
public enum NumberFormat {
    /// A double in the shortest form that reads back to the same value; whole numbers below 1e15
    /// without a trailing `.0` (`48912531`, `323.58`, `1.12117471e+08` stays exact either way).
    public static func decimal(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
