/// Where provider plugins run: in a child process each (the default for the `backfill` command),
/// or in the host process itself.
public enum PluginIsolation: Sendable {
    /// Loaded with dlopen into this process: a plugin's crash is this process's crash. For
    /// attaching a debugger to a plugin and for measuring what isolation costs.
    case none
    /// Every instance in a child process of its own (docs/plugins.md, "Isolation").
    case process(ProcessIsolation)
}

/// How provider child processes are started and held to account.
public struct ProcessIsolation: Sendable {
    /// The program that runs a plugin for the host: the `backfill` executable, started with its
    /// hidden `plugin-child` command.
    public var helper: String
    /// A call that has not returned after this many seconds is ended (the child is killed) and
    /// counts as a failure of that request.
    public var requestTimeout: Double
    /// The child's address-space limit (RLIMIT_AS), in MiB; 0: none.
    public var memoryLimitMB: Int
    /// After this many crashes or timeouts in a row, the provider is not called again.
    public var maxConsecutiveFaults: Int

    public init(helper: String, requestTimeout: Double = 300, memoryLimitMB: Int = 0, maxConsecutiveFaults: Int = 3) {
        self.helper = helper
        self.requestTimeout = requestTimeout
        self.memoryLimitMB = memoryLimitMB
        self.maxConsecutiveFaults = maxConsecutiveFaults
    }
}
