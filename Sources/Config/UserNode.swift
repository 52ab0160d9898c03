import Yams

/// A value as the user wrote it, before the schema gives it a type: scalars keep their text,
/// every node remembers its line.
indirect enum UserNode {
    case scalar(String, line: Int?)
    case list([UserNode], line: Int?)
    case map([(key: String, value: UserNode)], line: Int?)

    var line: Int? {
        switch self {
        case .scalar(_, let line), .list(_, let line), .map(_, let line): return line
        }
    }

    /// Parses YAML text; `source` names it in errors.
    static func parse(yaml: String, source: String) throws -> UserNode? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(source: source, line: nil, key: "", message: "invalid YAML: \(error)")
        }
        return try node.map { try UserNode(node: $0, source: source) }
    }

    private init(node: Node, source: String) throws {
        switch node {
        case .scalar(let scalar):
            self = .scalar(scalar.string, line: scalar.mark?.line)
        case .sequence(let sequence):
            self = .list(try sequence.map { try UserNode(node: $0, source: source) }, line: sequence.mark?.line)
        case .mapping(let mapping):
            var pairs: [(String, UserNode)] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ConfigError(source: source, line: key.mark?.line, key: "", message: "keys must be plain names")
                }
                if pairs.contains(where: { $0.0 == keyScalar.string }) {
                    throw ConfigError(source: source, line: key.mark?.line, key: keyScalar.string, message: "key given twice")
                }
                pairs.append((keyScalar.string, try UserNode(node: value, source: source)))
            }
            self = .map(pairs, line: mapping.mark?.line)
        case .alias:
            throw ConfigError(source: source, line: node.mark?.line, key: "", message: "YAML aliases are not supported")
        }
    }

    /// `value` nested under the dotted `key`: `a.b=1` becomes `{a: {b: 1}}`.
    static func nested(key: String, value: UserNode) -> UserNode {
        key.split(separator: ".").reversed().reduce(value) { inner, part in .map([(String(part), inner)], line: nil) }
    }

    /// This tree without the subtree at `path`, and that subtree (if present).
    func removing(_ path: [String]) -> (rest: UserNode, removed: UserNode?) {
        guard let first = path.first, case .map(let pairs, let line) = self,
              let index = pairs.firstIndex(where: { $0.key == first }) else { return (self, nil) }
        if path.count == 1 {
            var rest = pairs
            let removed = rest.remove(at: index).value
            return (.map(rest, line: line), removed)
        }
        let (childRest, removed) = pairs[index].value.removing(Array(path.dropFirst()))
        var rest = pairs
        rest[index].value = childRest
        return (.map(rest, line: line), removed)
    }
}
