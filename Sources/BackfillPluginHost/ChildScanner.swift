internal import Logging

/// Loads plugin files in child processes, to read what each declares without running any of
/// their code in the host: one child loads the files one after the other and reports each; if a
/// file kills it (a crashing constructor or entry), that file is a load failure and a new child
/// goes on with the next.
enum ChildScanner {
    static func scan(_ paths: [String], isolation: ProcessIsolation, logger: Logger) -> [Result<ProviderMetadata, PluginLoadError>] {
        var results = [Result<ProviderMetadata, PluginLoadError>?](repeating: nil, count: paths.count)
        var next = 0
        while next < paths.count {
            let batch = Array(paths[next...])
            let process: ChildProcess
            do {
                process = try ChildProcess(
                    helper: isolation.helper,
                    arguments: ["plugin-child", "--memory-limit-mb", String(isolation.memoryLimitMB), "--scan"] + batch,
                    name: "plugin scan", logger: logger)
            } catch {
                for i in next..<paths.count { results[i] = .failure(.crashed(paths[i], error.message)) }
                break
            }
            var current: Int?
            reading: while let message = process.receive(timeout: isolation.requestTimeout) {
                switch message {
                case .loading(let index): current = next + Int(index)
                case .hello(let metadata): if let current { results[current] = .success(metadata) }
                case .loadFailed(let kind, let path, let reason):
                    if let current { results[current] = .failure(.reported(kind: kind, path: path, reason: reason)) }
                case .log(let level, let text): logger.log(level: NativePlugin.logLevel(level), "\(text)")
                default: break reading
                }
            }
            process.kill()
            let ending = process.reap()
            guard let stuck = current ?? (next < paths.count ? next : nil), results[stuck] == nil else {
                next = (current ?? next) + 1
                continue
            }
            let how = ending.map(\.description) ?? "did not finish loading within \(ChildInstance.seconds(isolation.requestTimeout))"
            results[stuck] = .failure(.crashed(paths[stuck], how))
            next = stuck + 1
        }
        return results.enumerated().map { i, r in r ?? .failure(.crashed(paths[i], "was not loaded")) }
    }
}
