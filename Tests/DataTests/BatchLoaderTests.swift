import Random
import Audio
import Data
import XCTest

final class BatchLoaderTests: XCTestCase {
    /// 10 examples of 4 × 5 features whose values encode their row; 2 metadata columns.
    private func pack() -> FeaturePack {
        let n = 10, size = 20
        let features = (0..<(n * size)).map { Float($0 / size) * 10 + Float($0 % size) / 100 }
        let metadata = (0..<n).flatMap { [Float($0), Float($0 % 2)] }
        return FeaturePack(parameters: FbankParameters(numMelBins: 4, frames: 5), features: features, labels: (0..<n).map { $0 % 3 },
                           metadata: metadata, groups: Array(0..<n), folds: nil, files: (0..<n).map { "f\($0)" }, classes: ["a", "b", "c"],
                           metadataColumns: [MetadataColumn(name: "x", kind: .numeric), MetadataColumn(name: "y=1", kind: .categorical)],
                           groupNames: [], skipped: [], inputFingerprint: "")
    }

    private func loader(_ options: LoaderOptions, rows: [Int] = Array(0..<9)) -> BatchLoader {
        let pack = pack()
        return BatchLoader(pack: pack, rows: rows, normalizer: FeatureNormalizer.fit(pack, rows: rows),
                           scaler: MetadataScaler.fit(pack, rows: rows), options: options)
    }

    func testEvaluationBatchesKeepOrderAndTheLastPartialBatch() {
        let loader = loader(.evaluation(batchSize: 4))
        let batches = Array(loader.epoch(0))
        XCTAssertEqual(loader.batchesPerEpoch, 3)
        XCTAssertEqual(batches.map(\.rows), [[0, 1, 2, 3], [4, 5, 6, 7], [8]])
        XCTAssertEqual(batches[0].labels, [0, 1, 2, 0])
        // Features normalised with the training statistics; metadata scaled, one-hot kept.
        let n = loader.normalizer
        XCTAssertEqual(batches[1].features[20 + 3], (pack().features[5 * 20 + 3] - n.mean) / n.std, accuracy: 1e-5)
        XCTAssertEqual(batches[2].features.count, 20)
        XCTAssertEqual(batches[2].metadata[0], (8 - 4) * loader.scaler.scale[0], accuracy: 1e-5)
        XCTAssertEqual(batches[2].metadata[1], 0)
        XCTAssertNil(batches[0].mixup)
    }

    func testTrainingReshufflesEachEpochDropsPartialAndRepeatsUnderTheSameSeed() {
        let options = LoaderOptions(batchSize: 4, shuffle: true, dropLast: true, seed: 5,
                                    specAugment: SpecAugment(freqMasks: 1, freqMaskParam: 3, timeMasks: 1, timeMaskParam: 3))
        let a = loader(options), b = loader(options)
        XCTAssertEqual(a.batchesPerEpoch, 2)
        var orders: [[Int]] = []
        for epoch in 0..<4 {
            let batches = Array(a.epoch(epoch))
            XCTAssertEqual(batches.count, 2)
            XCTAssertTrue(batches.allSatisfy { $0.count == 4 })
            let rows = batches.flatMap(\.rows)
            XCTAssertEqual(Set(rows).count, 8)
            XCTAssertTrue(Set(rows).isSubset(of: 0..<9))
            orders.append(rows)
            let again = Array(b.epoch(epoch))
            XCTAssertEqual(again.flatMap(\.rows), rows)
            XCTAssertEqual(again.flatMap(\.features), batches.flatMap(\.features))
        }
        XCTAssertGreaterThan(Set(orders).count, 1, "the order never changed between epochs")
        // An epoch abandoned after one batch stops its producer and leaves the next epoch intact.
        var stream: BatchStream? = a.epoch(0)
        XCTAssertEqual(stream?.next()?.rows, Array(orders[0].prefix(4)))
        stream = nil
        XCTAssertEqual(Array(a.epoch(1)).flatMap(\.rows), orders[1])
    }

    func testSpecAugmentMasksTrainingExamplesWithTheMean() {
        let options = LoaderOptions(batchSize: 9, shuffle: false, dropLast: false, seed: 1,
                                    specAugment: SpecAugment(freqMasks: 2, freqMaskParam: 3, timeMasks: 2, timeMaskParam: 4))
        let plain = Array(loader(.evaluation(batchSize: 9)).epoch(0))[0].features
        let masked = Array(loader(options).epoch(0))[0].features
        var changed = 0
        for i in plain.indices where masked[i] != plain[i] {
            XCTAssertEqual(masked[i], 0)
            changed += 1
        }
        XCTAssertGreaterThan(changed, 0)
    }

    /// Each training example's mel axis is stretched by its own factor: values stay within the
    /// example's own range (interpolation never reads outside it), and the same seed gives the
    /// same batch.
    func testFrequencyWarpStretchesTrainingExamplesTheSameWayUnderTheSameSeed() {
        let options = LoaderOptions(batchSize: 9, shuffle: false, dropLast: false, seed: 1, frequencyWarp: 0.3)
        let plain = Array(loader(.evaluation(batchSize: 9)).epoch(0))[0].features
        let warped = Array(loader(options).epoch(0))[0].features
        XCTAssertEqual(Array(loader(options).epoch(0))[0].features, warped)
        XCTAssertNotEqual(warped, plain)
        for example in 0..<9 {
            let range = (example * 20)..<((example + 1) * 20)
            let (low, high) = (plain[range].min()!, plain[range].max()!)
            XCTAssertTrue(warped[range].allSatisfy { $0 >= low - 1e-5 && $0 <= high + 1e-5 }, "example \(example)")
            // Bin 0 never moves.
            XCTAssertEqual(Array(warped[range].prefix(5)), Array(plain[range].prefix(5)), "example \(example)")
        }
    }

    /// Each training window's time axis is stretched by its own factor, before normalisation:
    /// frame 0 of every bin never moves, and the same seed gives the same batch.
    func testTimeStretchStretchesTrainingWindowsTheSameWayUnderTheSameSeed() {
        let options = LoaderOptions(batchSize: 9, shuffle: false, dropLast: false, seed: 1, timeStretch: 0.3)
        let plain = Array(loader(.evaluation(batchSize: 9)).epoch(0))[0].features
        let stretched = Array(loader(options).epoch(0))[0].features
        XCTAssertEqual(Array(loader(options).epoch(0))[0].features, stretched)
        XCTAssertNotEqual(stretched, plain)
        for example in 0..<9 {
            for bin in 0..<4 {
                XCTAssertEqual(stretched[example * 20 + bin * 5], plain[example * 20 + bin * 5], "example \(example), bin \(bin)")
            }
        }
    }

    func testMixupBlendsPartnersWithOneWeight() throws {
        let options = LoaderOptions(batchSize: 9, shuffle: false, dropLast: false, seed: 2, mixupAlpha: 0.4)
        let plain = Array(loader(.evaluation(batchSize: 9)).epoch(0))[0]
        let mixed = Array(loader(options).epoch(0))[0]
        let mixup = try XCTUnwrap(mixed.mixup)
        XCTAssertTrue(mixup.weight > 0 && mixup.weight < 1)
        XCTAssertEqual(mixup.partners.sorted(), Array(0..<9))
        XCTAssertEqual(mixup.partnerLabels, mixup.partners.map { plain.labels[$0] })
        XCTAssertEqual(mixed.labels, plain.labels)
        let w = mixup.weight
        for (i, p) in mixup.partners.enumerated() {
            for j in [0, 7, 19] {
                XCTAssertEqual(mixed.features[i * 20 + j], w * plain.features[i * 20 + j] + (1 - w) * plain.features[p * 20 + j], accuracy: 1e-5)
            }
            XCTAssertEqual(mixed.metadata[i * 2 + 1], w * plain.metadata[i * 2 + 1] + (1 - w) * plain.metadata[p * 2 + 1], accuracy: 1e-6)
        }
    }

    /// With `mixupProbability` p, a batch is mixed with chance p: the same batches under the same
    /// seed, none at 0, every one at 1.
    func testMixupProbabilityMixesThatShareOfBatchesTheSameWayEachTime() {
        func mixedBatches(_ probability: Double) -> [Bool] {
            (0..<40).flatMap { epoch in
                loader(LoaderOptions(batchSize: 3, shuffle: true, dropLast: true, seed: 5, mixupAlpha: 0.4, mixupProbability: probability))
                    .epoch(epoch).map { $0.mixup != nil }
            }
        }
        let half = mixedBatches(0.5)
        XCTAssertEqual(half, mixedBatches(0.5))
        let share = Double(half.filter { $0 }.count) / Double(half.count)
        XCTAssertEqual(share, 0.5, accuracy: 0.1, "\(half.count) batches")
        XCTAssertFalse(mixedBatches(0).contains(true))
        XCTAssertFalse(mixedBatches(1).contains(false))
    }

    /// Beta(α, α) draws have mean 1/2 and variance 1 / (4(2α + 1)).
    func testBetaDrawsHaveTheRightMoments() {
        var generator = RandomGenerator(seed: 9)
        for alpha in [0.2, 1.0, 4.0] {
            let draws = (0..<20000).map { _ in generator.beta(alpha, alpha) }
            let mean = draws.reduce(0, +) / Double(draws.count)
            let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count)
            XCTAssertEqual(mean, 0.5, accuracy: 0.01, "alpha \(alpha)")
            XCTAssertEqual(variance, 1 / (4 * (2 * alpha + 1)), accuracy: 0.01, "alpha \(alpha)")
        }
    }
}
