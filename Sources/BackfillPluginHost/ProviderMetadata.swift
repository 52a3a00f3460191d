internal import BackfillCore

/// What a plugin's descriptor declares, as plain values: read from the descriptor in the process
/// that loaded the plugin, and sent from a child process to the host.
struct ProviderMetadata: Sendable, Equatable {
    var path: String
    var name: String
    var version: String
    var summary: String
    var abiVersion: String
    var capabilities: LoadedProvider.Capabilities
    var timeframes: [Timeframe]
    var defaultRate: Double
    var maxPageRows: Int
    var dailyStampsNewYorkMidnight: Bool
    var fourHourAnchorNewYork: Bool
    var options: [LoadedProvider.OptionSpec]
}
