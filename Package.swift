// swift-tools-version:6.0
// SpectroFold: compare four audio-spectrogram classifiers with k-fold cross-validation,
// spread over worker machines, tracked in MLflow. Targets and their arrows: README.md, "Layout".
import PackageDescription

/// Optimisation for the numeric targets: bounds checks off in release builds (kernels index
/// raw buffers whose sizes are validated once at the API boundary).
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "SpectroFold",
    // Libraries other packages build on: the fuzz targets in fuzz/ (a package of its own, so
    // that only `scripts/fuzz` builds with the fuzzer and address sanitizers).
    products: [
        .library(name: "SpectroFoldInputs", targets: ["Audio", "Checkpoint", "Cluster", "Config", "Data", "SafeTensors"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CSndFile", path: "Sources/CSndFile"),
        .systemLibrary(name: "CSoxr", path: "Sources/CSoxr"),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW"),

        // Libraries.
        .target(name: "SafeTensors"),
        // Its tests drive the ZIP and pickle readers' internals (hostile inputs opcode by opcode),
        // so release builds keep them testable.
        .target(name: "Checkpoint", dependencies: ["SafeTensors"],
                swiftSettings: [.unsafeFlags(["-enable-testing"], .when(configuration: .release))]),
        .target(name: "SQLite", dependencies: ["CSQLite"]),
        // The four compared models' names, shared by NN (which builds them) and Config (which names them).
        .target(name: "ModelNames"),
        .target(name: "Config", dependencies: ["ModelNames", "Yams"]),
        // The one seeded generator: initialisation, folds, shuffling, augmentation, dropout.
        .target(name: "Random"),
        // Row kernels (softmax, GELU, layer norm, batch norm) and the direct convolution's core in
        // C, compiled for AVX-512, AVX2 and baseline x86-64, picked at load time.
        .target(name: "VectorKernels"),
        .target(name: "Tensor", dependencies: ["CBLAS", "Random", "VectorKernels"], swiftSettings: numericSettings),
        .target(name: "NN", dependencies: ["ModelNames", "Random", "SafeTensors", "Tensor"], swiftSettings: numericSettings),
        .target(name: "Audio", dependencies: ["CSndFile", "CSoxr", "CFFTW"], swiftSettings: numericSettings),
        .target(name: "Data", dependencies: ["Audio", "Config", "Random", "SafeTensors"]),
        .target(name: "TerminalProgress"),
        // What a training run records: its epochs, the held-out scores' names, and the one JSON
        // convention (non-finite numbers as "inf", "-inf", "nan").
        .target(name: "RunRecords"),
        .target(name: "Tracking", dependencies: ["RunRecords", "SQLite"]),
        // The network core: protocol, ledger, coordinator and worker loops; what a sweep is comes
        // from SweepRecording (a `SweepBook`) and how a job trains from the worker executable.
        .target(name: "Cluster", dependencies: ["CZeroMQ", "Data", "RunRecords", "SQLite"]),
        // Sweeps above the network core: plans into ledger jobs, results into files and MLflow
        // runs; the local sweep shares its Training → Tracking translations.
        .target(name: "SweepRecording", dependencies: ["Cluster", "Config", "RunRecords", "Training", "Tracking"]),
        .target(name: "Optim", dependencies: ["Tensor", "VectorKernels"], swiftSettings: numericSettings),
        .target(name: "Training", dependencies: ["Audio", "Checkpoint", "Config", "Data", "ModelNames", "NN", "Optim", "Pretrained", "RunRecords",
                                                "Tensor"]),
        .target(name: "Pretrained", dependencies: ["Checkpoint", "ModelNames", "NN", "SafeTensors"]),
        // Real processes and fixtures shared by the tests and `spectrofold-bench soak`: an MLflow
        // server, free ports, child processes, a synthetic feature pack. No XCTest.
        .target(name: "ProcessHarness", dependencies: ["Audio", "Data", "ProcessRunner", "Random"]),
        // Runs a program to completion and captures its output; for the tests and the demo dataset.
        .target(name: "ProcessRunner"),

        // Executables: thin, they parse arguments and call a library.
        .executableTarget(name: "spectrofold", dependencies: [
            "Audio", "Config", "Data", "ModelNames", "NN", "Random", "RunRecords", "Tensor", "SafeTensors", "TerminalProgress", "Tracking", "Cluster", "SweepRecording",
            "Training", "Pretrained", "Checkpoint", "ProcessRunner",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "spectrofold-coordinator", dependencies: [
            "Cluster", "SweepRecording", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "spectrofold-worker", dependencies: [
            "Cluster", "Config", "Data", "ModelNames", "RunRecords", "Tensor", "Training", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "spectrofold-bench", dependencies: [
            "Tensor", "NN", "ModelNames", "Optim", "CBLAS", "Cluster", "SQLite", "ProcessHarness", "ProcessRunner", "Random",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: numericSettings),

        // Tests.
        .target(name: "TestSupport", dependencies: ["ProcessHarness", "ProcessRunner"], path: "Tests/TestSupport"),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "SafeTensors", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "TestSupport"]),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite", "TestSupport"]),
        .testTarget(name: "TensorTests", dependencies: ["Random", "SafeTensors", "Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "NNTests", dependencies: ["ModelNames", "NN", "Random", "SafeTensors", "Tensor", "TestSupport"],
                    exclude: ["Fixtures", "Reference"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "SafeTensors", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SpectroFoldCLITests", dependencies: ["spectrofold", "Audio", "Data", "TestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["Audio", "Config", "Data", "Random", "TestSupport"]),
        .testTarget(name: "TrackingTests", dependencies: ["RunRecords", "SafeTensors", "TestSupport", "Tracking"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Data", "Random", "RunRecords", "SQLite", "SweepRecording", "TestSupport",
                                                 "Training"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ClusterProcessTests", dependencies: ["Cluster", "SQLite", "TestSupport"]),
        .testTarget(name: "PretrainedTests", dependencies: ["ModelNames", "Pretrained", "Checkpoint", "NN", "Tensor", "SafeTensors", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "OptimTests", dependencies: ["ModelNames", "NN", "Optim", "Random", "Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Config", "Data", "Audio", "Tensor", "NN", "Optim", "Pretrained", "Checkpoint",
                                                  "ModelNames", "Random", "RunRecords", "TestSupport"],
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
