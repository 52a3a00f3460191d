// swift-tools-version: 6.1
import PackageDescription

/// One set of Swift settings for every Swift target (see docs/STYLE in the shared folder).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Backfill",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "backfill", targets: ["backfill"]),
        // Provider plugins: dynamic libraries the host dlopens. They link only the C ABI
        // (and, for Swift plugins, the SDK), never the host's Swift modules.
        .library(name: "ReplayProvider", type: .dynamic, targets: ["ReplayProvider"]),
        .library(name: "PolygonProvider", type: .dynamic, targets: ["PolygonProvider"]),
        // What a third-party Swift plugin package depends on (links statically into the plugin).
        .library(name: "BackfillPluginSDK", targets: ["BackfillPluginSDK"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML", "JSON"]),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already resolved through Hummingbird; named because the server imports them.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // ---- C ------------------------------------------------------------------------------
        .target(name: "BackfillABI", path: "CSources/BackfillABI"),
        .target(name: "BackfillText", path: "CSources/BackfillText"),
        .target(name: "BackfillHostSys", path: "CSources/BackfillHostSys"),
        .target(name: "BackfillKernels", path: "CSources/BackfillKernels"),
        // The Parquet writer of `export --format parquet` (Debian 12 packages no Parquet library).
        .target(name: "BackfillParquet", path: "CSources/BackfillParquet", linkerSettings: [.linkedLibrary("zstd")]),
        .systemLibrary(name: "CSQLite", path: "CSources/CSQLite"),
        .systemLibrary(
            name: "CLibPQ", path: "CSources/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),

        // ---- Swift modules ------------------------------------------------------------------
        .target(
            name: "BackfillCore", dependencies: ["BackfillText"], path: "Sources/BackfillCore",
            swiftSettings: swiftSettings),
        .target(
            name: "BackfillCalendar", dependencies: ["BackfillCore"], path: "Sources/BackfillCalendar",
            swiftSettings: swiftSettings),
        .target(
            name: "BackfillPluginHost",
            dependencies: [
                "BackfillABI", "BackfillHostSys", "BackfillCore", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/BackfillPluginHost", swiftSettings: swiftSettings),
        .target(
            name: "BackfillPluginSDK", dependencies: ["BackfillABI"],
            path: "Sources/BackfillPluginSDK", swiftSettings: swiftSettings),
        .target(
            name: "BackfillStore",
            dependencies: ["BackfillCore", "CSQLite", "CLibPQ"],
            path: "Sources/BackfillStore", swiftSettings: swiftSettings),
        .target(
            name: "BackfillFeatures",
            dependencies: ["BackfillCore", "BackfillKernels"],
            path: "Sources/BackfillFeatures", swiftSettings: swiftSettings),
        .target(
            name: "BackfillOrchestrator",
            dependencies: ["BackfillCore", "BackfillCalendar", "BackfillPluginHost", "BackfillStore", "BackfillFeatures"],
            path: "Sources/BackfillOrchestrator", swiftSettings: swiftSettings),
        .target(
            name: "BackfillSettings",
            dependencies: [
                "BackfillCore", .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/BackfillSettings", swiftSettings: swiftSettings),
        .target(
            name: "BackfillAccess",
            dependencies: ["BackfillCore", "BackfillStore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/BackfillAccess", swiftSettings: swiftSettings),
        .target(
            name: "BackfillSchedule", dependencies: ["BackfillCore"], path: "Sources/BackfillSchedule", swiftSettings: swiftSettings),
        .target(
            name: "BackfillSetup",
            dependencies: [
                "BackfillCore", "BackfillSettings", "BackfillStore", "BackfillPluginHost", "BackfillOrchestrator", "BackfillFeatures",
                "BackfillSchedule", "BackfillCalendar", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/BackfillSetup", swiftSettings: swiftSettings),
        .target(
            name: "BackfillMetrics",
            dependencies: [
                "BackfillCore", "BackfillOrchestrator", "BackfillStore", .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/BackfillMetrics", swiftSettings: swiftSettings),
        .target(
            name: "BackfillServer",
            dependencies: [
                "BackfillCore", "BackfillStore", "BackfillOrchestrator", "BackfillSettings", "BackfillSetup", "BackfillAccess",
                "BackfillSchedule", "BackfillMetrics", "BackfillReport", "BackfillPresentation", "BackfillPluginHost",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"), .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/BackfillServer", swiftSettings: swiftSettings),
        .target(
            name: "BackfillReport",
            dependencies: ["BackfillCore", "BackfillOrchestrator", "BackfillStore", "BackfillCalendar"],
            path: "Sources/BackfillReport", swiftSettings: swiftSettings),
        .target(
            name: "BackfillPresentation",
            dependencies: [
                "BackfillCore", "BackfillOrchestrator", "BackfillPluginHost", "BackfillStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/BackfillPresentation", swiftSettings: swiftSettings),
        .executableTarget(
            name: "backfill",
            dependencies: [
                "BackfillCore", "BackfillCalendar", "BackfillPluginHost", "BackfillStore", "BackfillOrchestrator",
                "BackfillPresentation", "BackfillSettings", "BackfillSetup", "BackfillFeatures", "BackfillKernels", "BackfillAccess",
                "BackfillSchedule", "BackfillServer", "BackfillMetrics", "BackfillReport", "BackfillParquet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/backfill", swiftSettings: swiftSettings),
        .target(
            name: "BackfillTestSupport",
            dependencies: ["BackfillCore", "BackfillStore"],
            path: "Sources/BackfillTestSupport", swiftSettings: swiftSettings),

        // ---- Plugins ------------------------------------------------------------------------
        .target(
            name: "ReplayProvider", dependencies: ["BackfillPluginSDK", "BackfillText"],
            path: "Plugins/Replay", exclude: ["Samples"], swiftSettings: swiftSettings),

        .target(
            name: "PolygonProvider", dependencies: ["BackfillABI", "BackfillText"], path: "Plugins/Polygon",
            linkerSettings: [.linkedLibrary("curl")]),

        // ---- Tests --------------------------------------------------------------------------
        .testTarget(
            name: "BackfillCoreTests", dependencies: ["BackfillCore", "BackfillText"],
            path: "Tests/BackfillCoreTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillCalendarTests", dependencies: ["BackfillCalendar", "BackfillCore", "BackfillTestSupport"],
            path: "Tests/BackfillCalendarTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillPluginHostTests",
            dependencies: ["BackfillPluginHost", "BackfillCore", "BackfillTestSupport"],
            path: "Tests/BackfillPluginHostTests", exclude: ["CPlugins"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillStoreTests",
            dependencies: ["BackfillStore", "BackfillCore", "BackfillTestSupport"],
            path: "Tests/BackfillStoreTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillOrchestratorTests",
            dependencies: [
                "BackfillOrchestrator", "BackfillCalendar", "BackfillPluginHost", "BackfillStore", "BackfillCore",
                "BackfillTestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/BackfillOrchestratorTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillPresentationTests",
            dependencies: ["BackfillPresentation", "BackfillOrchestrator", "BackfillPluginHost", "BackfillCore", "BackfillTestSupport"],
            path: "Tests/BackfillPresentationTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillFeaturesTests",
            dependencies: ["BackfillFeatures", "BackfillKernels", "BackfillCore", "BackfillTestSupport"],
            path: "Tests/BackfillFeaturesTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillAccessTests", dependencies: ["BackfillAccess", "BackfillStore", "BackfillTestSupport"],
            path: "Tests/BackfillAccessTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillScheduleTests", dependencies: ["BackfillSchedule", "BackfillCore"],
            path: "Tests/BackfillScheduleTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillServerTests", dependencies: ["BackfillServer", "BackfillTestSupport"],
            path: "Tests/BackfillServerTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "BackfillSettingsTests", dependencies: ["BackfillSettings", "BackfillTestSupport"],
            path: "Tests/BackfillSettingsTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["BackfillTestSupport"],
            path: "Tests/EndToEndTests", exclude: ["CPrograms"], swiftSettings: swiftSettings),
    ]
)
