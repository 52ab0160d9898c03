import Config
import Random

/// A fold index in 0..<k for every example of a pack (row order). Save it with the results:
/// it is `Codable`.
public struct FoldAssignment: Sendable, Equatable, Codable {
    public let strategy: FoldStrategy
    public let k: Int
    public let seed: UInt64
    /// Fold of each example.
    public let folds: [Int]

    /// The rows validated in `fold`.
    public func validationRows(fold: Int) -> [Int] { folds.indices.filter { folds[$0] == fold } }
    /// The rows trained on when `fold` is validated.
    public func trainingRows(fold: Int) -> [Int] { folds.indices.filter { folds[$0] != fold } }

    /// Splits `pack` with `strategy`; `k` and `seed` are ignored for `.manifest` (its folds are
    /// the distinct values of the pack's fold column, in increasing order).
    public static func make(_ strategy: FoldStrategy, pack: FeaturePack, k: Int, seed: UInt64) throws -> FoldAssignment {
        switch strategy {
        case .stratified: return try stratified(labels: pack.labels, classes: pack.classes, k: k, seed: seed)
        case .stratifiedGroup: return try stratifiedGroup(labels: pack.labels, groups: pack.groups, classes: pack.classes, k: k, seed: seed)
        case .manifest:
            guard let folds = pack.folds else {
                throw DataError("folds", "strategy 'manifest' needs a fold column (data.fold_column) in the pack's manifest")
            }
            return try manifest(folds: folds)
        }
    }

    /// Repeated k-fold: `repeats` assignments of `strategy`, repeat r made with its own seed
    /// (repeat 0 with `seed` itself, so one repeat is the plain k-fold split).
    public static func repeated(_ strategy: FoldStrategy, pack: FeaturePack, k: Int, repeats: Int, seed: UInt64) throws -> [FoldAssignment] {
        guard repeats == 1 || strategy != .manifest else {
            throw DataError("folds.repeats", "must be 1 with strategy 'manifest': the dataset's own folds are the same in every repeat")
        }
        return try (0..<max(repeats, 1)).map { r in
            try make(strategy, pack: pack, k: k, seed: r == 0 ? seed : seed &+ UInt64(r) &* 0x9E37_79B9_7F4A_7C15)
        }
    }

    /// Stratified k-fold: each class's examples are shuffled under `seed` and dealt to the folds
    /// in turn, each class starting where the previous one stopped. Every fold then holds
    /// ⌊n_c / k⌋ or ⌈n_c / k⌉ examples of class c, and fold sizes differ by at most one.
    public static func stratified(labels: [Int], classes: [String], k: Int, seed: UInt64) throws -> FoldAssignment {
        try checkClassSizes(labels: labels, classes: classes, k: k)
        var generator = RandomGenerator(seed: seed, stream: 0x466F_6C64)
        var folds = [Int](repeating: 0, count: labels.count)
        var next = 0
        for c in classes.indices {
            var members = labels.indices.filter { labels[$0] == c }
            generator.shuffle(&members)
            for row in members {
                folds[row] = next
                next = (next + 1) % k
            }
        }
        return FoldAssignment(strategy: .stratified, k: k, seed: seed, folds: folds)
    }

    /// Stratified group k-fold: whole groups go to folds. Groups are shuffled under `seed`, then
    /// taken largest first; each goes to the fold where it least increases the squared distance
    /// of the per-class counts from n_c / k (ties: the smaller fold, then the lower index).
    public static func stratifiedGroup(labels: [Int], groups: [Int], classes: [String], k: Int, seed: UInt64) throws -> FoldAssignment {
        try checkClassSizes(labels: labels, classes: classes, k: k)
        var members: [Int: [Int]] = [:]
        for (row, group) in groups.enumerated() { members[group, default: []].append(row) }
        guard members.count >= k else {
            throw DataError("folds", "only \(members.count) groups for k = \(k) folds: each fold needs a group of its own")
        }
        var order = members.keys.sorted()
        var generator = RandomGenerator(seed: seed, stream: 0x4772_6F75_70)
        generator.shuffle(&order)
        // Stable sort: equal sizes keep their shuffled order.
        order = order.enumerated().sorted { (members[$0.element]!.count, $1.offset) > (members[$1.element]!.count, $0.offset) }.map(\.element)

        let target = classes.indices.map { c in Double(labels.filter { $0 == c }.count) / Double(k) }
        var counts = [[Double]](repeating: [Double](repeating: 0, count: classes.count), count: k)
        var sizes = [Int](repeating: 0, count: k)
        var folds = [Int](repeating: 0, count: labels.count)
        for group in order {
            let rows = members[group]!
            var groupCounts = [Double](repeating: 0, count: classes.count)
            for row in rows { groupCounts[labels[row]] += 1 }
            var best = 0, bestCost = Double.infinity
            for fold in 0..<k {
                var cost = 0.0
                for c in classes.indices where groupCounts[c] > 0 {
                    let before = counts[fold][c] - target[c], after = before + groupCounts[c]
                    cost += after * after - before * before
                }
                if cost < bestCost - 1e-9 || (abs(cost - bestCost) <= 1e-9 && sizes[fold] < sizes[best]) {
                    best = fold
                    bestCost = cost
                }
            }
            for c in classes.indices { counts[best][c] += groupCounts[c] }
            sizes[best] += rows.count
            for row in rows { folds[row] = best }
        }
        if let empty = sizes.firstIndex(of: 0) {
            throw DataError("folds", "fold \(empty) received no group; use fewer folds or more groups")
        }
        return FoldAssignment(strategy: .stratifiedGroup, k: k, seed: seed, folds: folds)
    }

    /// The dataset's own folds: its distinct fold numbers in increasing order become 0..<k.
    public static func manifest(folds values: [Int]) throws -> FoldAssignment {
        let distinct = Array(Set(values)).sorted()
        guard distinct.count >= 2 else {
            throw DataError("folds", "the manifest's fold column has \(distinct.count) distinct value(s); cross-validation needs at least 2")
        }
        let index = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        return FoldAssignment(strategy: .manifest, k: distinct.count, seed: 0, folds: values.map { index[$0]! })
    }

    private static func checkClassSizes(labels: [Int], classes: [String], k: Int) throws {
        guard k >= 2 else { throw DataError("folds", "k = \(k): cross-validation needs at least 2 folds") }
        for (c, name) in classes.enumerated() {
            let count = labels.filter { $0 == c }.count
            if count < k {
                throw DataError("folds", "class '\(name)' has \(count) example(s), fewer than k = \(k) folds")
            }
        }
    }
}
