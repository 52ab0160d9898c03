/// A configuration problem, naming where it was written (`file:line` or the `--set` argument),
/// the dotted key and what is wrong.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The YAML file or the `--set key=value` argument at fault.
    public let source: String
    /// 1-based line in `source`, when it is a file.
    public let line: Int?
    /// Dotted key, e.g. `trainer.lr`; empty for the file as a whole.
    public let key: String
    public let message: String

    public var description: String {
        let place = line.map { "\(source):\($0)" } ?? source
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}

/// The known name closest to `name` (Levenshtein distance), if it is close enough to be a typo.
func nearest(to name: String, among known: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
    let scored = known.map { ($0, distance(Array(name), Array($0))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    let closeEnough = best.1 <= max(2, name.count / 3) || best.0.hasPrefix(name) || name.hasPrefix(best.0)
    return closeEnough ? best.0 : nil
}

/// "unknown X 'name'; did you mean 'y'?" or, with no close match, the list of known names.
func unknownNameMessage(_ what: String, _ name: String, known: [String]) -> String {
    if let suggestion = nearest(to: name, among: known) {
        return "unknown \(what) '\(name)'; did you mean '\(suggestion)'?"
    }
    return "unknown \(what) '\(name)' (known: \(known.joined(separator: ", ")))"
}
