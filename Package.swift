// swift-tools-version:6.1
// Tocsin: alarm gateway. Module map and the reasons for each dependency are in README ("Dependencies").

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "tocsin",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tocsin", targets: ["tocsin"]),
    ],
    dependencies: [
        // traits: [] keeps full Foundation (and ICU) out of the binary: 66 MB against 24 MB static.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C macros Swift cannot import (SQLITE_TRANSIENT, posix_openpt and friends).
        .target(name: "CShim", dependencies: ["CSQLite"]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),

        // Pure protocol targets: bytes, events and time in; decoded values and actions out. No I/O.
        .target(name: "ESPA444", swiftSettings: swiftSettings),
        .target(name: "HardenedXML", dependencies: ["CLibXML2"], swiftSettings: swiftSettings),
        .target(name: "ESPAX", dependencies: ["CLibXML2", "HardenedXML"], swiftSettings: swiftSettings),
        .target(name: "CSTA", dependencies: ["CLibXML2", "HardenedXML"], swiftSettings: swiftSettings),
        .target(name: "VOIspeed", swiftSettings: swiftSettings),

        .target(
            name: "Alarming",
            dependencies: [.product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Storage",
            dependencies: ["Alarming", "CSQLite", "CShim", .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Delivery",
            dependencies: [
                "Alarming", "VOIspeed",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Serial",
            dependencies: [
                "ESPA444", "Alarming", "CShim", "CUdev",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The ESPA-X listener (TCP and TLS) built on the pure ESPAX session machine.
        .target(
            name: "ESPAXServer",
            dependencies: [
                "ESPAX", "Alarming",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The CSTA client service (TCP and TLS) built on the pure CSTA session machine.
        .target(
            name: "CSTAClient",
            dependencies: [
                "CSTA", "Alarming",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Web",
            dependencies: [
                "Alarming",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TocsinDaemon",
            dependencies: [
                "Alarming", "Storage", "Delivery", "Web", "Serial", "ESPA444", "ESPAX", "ESPAXServer", "CSTAClient", "VOIspeed", "CShim",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tocsin",
            dependencies: [
                "TocsinDaemon", "Serial", "ESPA444",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings,
            // jemalloc instead of glibc's allocator: the alarm path allocates from several threads
            // at once, where glibc spends a seventh of the daemon's time (README, Performance).
            // Linked as a shared library so that it replaces malloc for SQLite and libxml2 too.
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),

        // Drives the real binary for the integration tests and the benchmarks.
        .target(
            name: "TocsinTestKit",
            dependencies: [
                "CShim",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "TocsinBenchmarks",
            dependencies: [
                "TocsinTestKit", "Storage", "Alarming", "CSQLite",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/TocsinBenchmarks",
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "ESPA444Tests", dependencies: ["ESPA444"], swiftSettings: swiftSettings),
        .testTarget(name: "SerialTests", dependencies: ["Serial", "ESPA444", "Alarming", "CShim", "TocsinTestKit", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(name: "ESPAXTests", dependencies: ["ESPAX", "CLibXML2"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ESPAXServerTests",
            dependencies: [
                "ESPAXServer", "ESPAX", "Alarming",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CSTATests", dependencies: ["CSTA", "HardenedXML"], swiftSettings: swiftSettings),
        .testTarget(name: "VOIspeedTests", dependencies: ["VOIspeed"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CSTAClientTests",
            dependencies: ["CSTAClient", "CSTA", "Alarming", "TocsinTestKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AlarmingTests", dependencies: ["Alarming"], swiftSettings: swiftSettings),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Alarming"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DeliveryTests",
            dependencies: [
                "TocsinTestKit",
                "Delivery", "Alarming", "VOIspeed",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "Alarming", "Storage",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TocsinDaemonTests",
            dependencies: [
                "TocsinDaemon", "Storage", "Alarming", "ESPAX", "ESPAXServer", "CShim",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TocsinTestKit"],
            swiftSettings: swiftSettings
        ),
    ]
)
