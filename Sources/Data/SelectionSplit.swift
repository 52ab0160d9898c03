import Random

/// Splits a job's training rows into a fit part and a selection part of about `fraction` of
/// them, stratified by label, never splitting a group (speaker, recording; a pack without a
/// group column has one group per row, so this is then a plain stratified split).
///
/// Groups are shuffled under the seed, then taken largest first; a group joins the selection
/// part when that brings the part's per-class counts s_c closer to the targets t_c = fraction · n_c
/// (n_c: class c's training rows), i.e. when Σ_c g_c · (2 (s_c − t_c) + g_c) < 0 for the group's
/// class counts g_c. A class the selection part still misses then gets the smallest fit group
/// that holds it, unless that would take the class out of the fit part.
enum SelectionSplit {
    static func split(rows: [Int], labels: [Int], groups: [Int], classes: [String], fraction: Double, seed: UInt64, stream: UInt64,
                      place: String) throws -> (fit: [Int], selection: [Int]) {
        guard fraction > 0, fraction < 1 else {
            throw DataError("trainer.selection_fraction", "\(fraction) is not between 0 and 1 (exclusive)")
        }
        var members: [Int: [Int]] = [:]
        for row in rows { members[groups[row], default: []].append(row) }
        var order = members.keys.sorted()
        var generator = RandomGenerator(seed: seed, stream: stream)
        generator.shuffle(&order)
        order = order.enumerated().sorted { (members[$0.element]!.count, $1.offset) > (members[$1.element]!.count, $0.offset) }.map(\.element)
        func classCounts(_ rows: [Int]) -> [Double] {
            var counts = [Double](repeating: 0, count: classes.count)
            for row in rows { counts[labels[row]] += 1 }
            return counts
        }
        let totals = classCounts(rows)
        let targets = totals.map { $0 * fraction }
        var selected = [Double](repeating: 0, count: classes.count)
        var inSelection = Set<Int>()
        for group in order {
            let counts = classCounts(members[group]!)
            let change = classes.indices.reduce(0.0) { $0 + counts[$1] * (2 * (selected[$1] - targets[$1]) + counts[$1]) }
            if change < 0 {
                inSelection.insert(group)
                for c in classes.indices { selected[c] += counts[c] }
            }
        }
        for c in classes.indices where totals[c] > 0 && selected[c] == 0 {
            let candidates = order.filter { !inSelection.contains($0) && members[$0]!.contains { labels[$0] == c } }
            let fitCount = { (group: Int) in totals[c] - selected[c] - classCounts(members[group]!)[c] }
            guard let group = candidates.reversed().first(where: { fitCount($0) > 0 }) else {
                let groupCount = candidates.count
                throw DataError("trainer.selection_fraction", "\(place): class '\(classes[c])' cannot be in both the fit and the selection part "
                                + "(\(Int(totals[c])) training example(s) in \(groupCount) group(s)); use more data per class, fewer folds, or trainer.selection: last")
            }
            inSelection.insert(group)
            let counts = classCounts(members[group]!)
            for k in classes.indices { selected[k] += counts[k] }
        }
        let selection = rows.filter { inSelection.contains(groups[$0]) }
        let fit = rows.filter { !inSelection.contains(groups[$0]) }
        guard !fit.isEmpty, !selection.isEmpty else {
            throw DataError("trainer.selection_fraction", "\(place): the \(fit.isEmpty ? "fit" : "selection") part would be empty")
        }
        return (fit, selection)
    }
}
