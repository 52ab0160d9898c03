import ArgumentParser
import Config
import Data
import Foundation
import TerminalProgress

/// Featurises a dataset into a feature pack (or reuses an up-to-date one), with a progress bar
/// and a report of the pack and of skipped files: `prepare` and `sweep` share it.
enum PackPreparation {
    static func prepare(_ config: SweepConfig, source: String, output: String) throws -> FeaturePack {
        let manifest = try Manifest.load(source, columns: config.manifestColumns)
        let builder = FeaturePackBuilder(manifest: manifest, parameters: config.fbankParameters,
                                         acousticDescriptors: config.data.acousticDescriptors, onBadFile: config.data.onError)
        print("prepare: \(manifest.entries.count) files, \(manifest.classes.count) classes from \(source)")
        let started = Date()
        let bar = ProgressBar(title: "prepare", total: manifest.entries.count, unit: "files")
        let outcome = try builder.prepare(output: output) { done, _ in bar.update(completed: done) }
        if outcome.reused {
            print("\(output) is up to date (same files and parameters); not rebuilt")
            return outcome.pack
        }
        bar.finish()
        let seconds = Date().timeIntervalSince(started)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? NSNumber)?.int64Value ?? 0
        let pack = outcome.pack
        print(String(format: "wrote %@: %d examples × (%d, %d), %d metadata columns, %.1f MB; %.1f files/s",
                     output, pack.count, pack.parameters.numMelBins, pack.parameters.frames, pack.metadataColumns.count,
                     Double(size) / 1e6, Double(manifest.entries.count) / seconds))
        if !outcome.skipped.isEmpty {
            print("skipped \(outcome.skipped.count) of \(manifest.entries.count) files (data.on_error: skip):")
            for line in outcome.skipped { print("  \(line)") }
        }
        return pack
    }

    /// The sweep's data: a pack given as `data.source`, or one prepared into `cacheDirectory`.
    static func featurePack(_ config: SweepConfig, cacheDirectory: String) throws -> FeaturePack {
        let source = config.data.source
        guard !source.isEmpty else { throw ValidationError("no dataset: pass --data DIR_OR_CSV or set data.source") }
        if source.hasSuffix(".safetensors") { return try FeaturePack.read(contentsOf: source) }
        return try prepare(config, source: source, output: (cacheDirectory as NSString).appendingPathComponent("features.safetensors"))
    }
}
