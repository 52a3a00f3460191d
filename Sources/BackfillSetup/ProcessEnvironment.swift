#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process environment, read where a front end starts.
public enum ProcessEnvironment {
    /// Every variable.
    public static var all: [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            p += 1
        }
        return result
    }

    /// Values of variables whose names say they hold a secret (`POLYGON_API_KEY`, `PGPASSWORD`,
    /// `..._TOKEN`), masked in all output in case a plugin repeats one.
    public static var secretValues: [String] {
        all.filter { key, _ in ["KEY", "PASSWORD", "TOKEN", "SECRET"].contains { key.uppercased().contains($0) } }.map(\.value)
    }
}
