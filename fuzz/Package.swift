// swift-tools-version:6.0
// libFuzzer targets over SpectroFold's readers of untrusted bytes. A package of its own, beside
// the root one, so that a plain `swift build` never needs the sanitizers: `scripts/fuzz TARGET
// SECONDS` builds this package with the fuzzer and address sanitizers, which instrument
// the root package's libraries too. Each executable is one target; libFuzzer supplies `main`.
import PackageDescription

/// libFuzzer supplies `main`; each target only defines `LLVMFuzzerTestOneInput`.
let fuzzEntryPoint: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "SpectroFoldFuzz",
    dependencies: [.package(name: "SpectroFold", path: "..")],
    targets: [
        .target(name: "FuzzInput", path: "Sources/FuzzInput"),
        .executableTarget(name: "fuzz-protocol", dependencies: [.product(name: "SpectroFoldInputs", package: "SpectroFold")],
                          path: "Sources/fuzz-protocol", swiftSettings: fuzzEntryPoint),
        .executableTarget(name: "fuzz-safetensors", dependencies: [.product(name: "SpectroFoldInputs", package: "SpectroFold")],
                          path: "Sources/fuzz-safetensors", swiftSettings: fuzzEntryPoint),
        .executableTarget(name: "fuzz-config", dependencies: [.product(name: "SpectroFoldInputs", package: "SpectroFold")],
                          path: "Sources/fuzz-config", swiftSettings: fuzzEntryPoint),
        .executableTarget(name: "fuzz-manifest", dependencies: ["FuzzInput", .product(name: "SpectroFoldInputs", package: "SpectroFold")],
                          path: "Sources/fuzz-manifest", swiftSettings: fuzzEntryPoint),
        .executableTarget(name: "fuzz-audio", dependencies: ["FuzzInput", .product(name: "SpectroFoldInputs", package: "SpectroFold")],
                          path: "Sources/fuzz-audio", swiftSettings: fuzzEntryPoint),
        .executableTarget(name: "fuzz-checkpoint", dependencies: ["FuzzInput", .product(name: "SpectroFoldInputs", package: "SpectroFold")],
                          path: "Sources/fuzz-checkpoint", swiftSettings: fuzzEntryPoint),
    ],
    swiftLanguageModes: [.v5]
)
