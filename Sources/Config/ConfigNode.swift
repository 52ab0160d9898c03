/// A typed configuration tree: the shape and types come from `SweepConfig`'s properties (read by
/// reflection), the values from its defaults and then from the user's YAML and overrides.
indirect enum ConfigNode: Equatable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case strings([String])
    /// One of `among`, the names of a `ConfigChoice` whose values are called `kind` in errors.
    case choice(String, among: [String], kind: String)
    /// A list of names, each one of `among` (a `ConfigChoiceList`).
    case choices([String], among: [String], kind: String)
    /// Keys in declaration order.
    case section([(key: String, value: ConfigNode)])

    static func == (lhs: ConfigNode, rhs: ConfigNode) -> Bool {
        switch (lhs, rhs) {
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.strings(a), .strings(b)): return a == b
        case let (.choice(a, x, _), .choice(b, y, _)): return a == b && x == y
        case let (.choices(a, x, _), .choices(b, y, _)): return a == b && x == y
        case let (.section(a), .section(b)): return a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: return false
        }
    }

    /// The tree of `value`'s stored properties, keys in snake_case.
    init(reflecting value: Any) {
        switch value {
        case let v as Int: self = .int(v)
        case let v as Double: self = .double(v)
        case let v as Bool: self = .bool(v)
        case let v as String: self = .string(v)
        case let v as [String]: self = .strings(v)
        case let v as any ConfigChoice: self = Self.choice(v)
        case let v as any ConfigChoiceList: self = .choices(v.names, among: type(of: v).allowed, kind: type(of: v).kind)
        default:
            let children = Mirror(reflecting: value).children.compactMap { child -> (String, ConfigNode)? in
                guard let label = child.label else { return nil }
                return (ConfigNode.snakeCase(label), ConfigNode(reflecting: child.value))
            }
            self = .section(children)
        }
    }

    private static func choice<Choice: ConfigChoice>(_ value: Choice) -> ConfigNode {
        .choice(value.rawValue, among: Choice.names, kind: Choice.kind)
    }

    /// A human name for the node's type, used in error messages.
    var typeName: String {
        switch self {
        case .int: return "an integer"
        case .double: return "a number"
        case .bool: return "true or false"
        case .string: return "a string"
        case .strings: return "a list of strings"
        case .choice(_, let names, _): return "one of " + names.joined(separator: ", ")
        case .choices(_, let names, _): return "a list of " + names.joined(separator: ", ")
        case .section: return "a section of keys"
        }
    }

    /// The child at `key` of a section.
    subscript(key: String) -> ConfigNode? {
        get {
            guard case .section(let children) = self else { return nil }
            return children.first { $0.key == key }?.value
        }
        set {
            guard case .section(var children) = self, let newValue,
                  let index = children.firstIndex(where: { $0.key == key }) else { return }
            children[index].value = newValue
            self = .section(children)
        }
    }

    /// The value in JSON form (for decoding into `SweepConfig`).
    var json: Any {
        switch self {
        case .int(let v): return v
        case .double(let v): return v
        case .bool(let v): return v
        case .string(let v): return v
        case .strings(let v): return v
        case .choice(let v, _, _): return v
        case .choices(let v, _, _): return v
        case .section(let children): return Dictionary(uniqueKeysWithValues: children.map { ($0.key, $0.value.json) })
        }
    }

    /// Leaf values by dotted key, in declaration order.
    func flattened(prefix: String = "") -> [(key: String, value: String)] {
        switch self {
        case .section(let children):
            return children.flatMap { $0.value.flattened(prefix: prefix.isEmpty ? $0.key : "\(prefix).\($0.key)") }
        case .int(let v): return [(prefix, String(v))]
        case .double(let v): return [(prefix, String(v))]
        case .bool(let v): return [(prefix, String(v))]
        case .string(let v): return [(prefix, v)]
        case .strings(let v): return [(prefix, v.joined(separator: ","))]
        case .choice(let v, _, _): return [(prefix, v)]
        case .choices(let v, _, _): return [(prefix, v.joined(separator: ","))]
        }
    }

    /// The tree as block-style YAML, strings double-quoted (JSON escapes are valid YAML).
    func yaml(indent: Int = 0) -> String {
        guard case .section(let children) = self else { return "" }
        let pad = String(repeating: "  ", count: indent)
        return children.map { key, value in
            if case .section = value { return "\(pad)\(key):\n" + value.yaml(indent: indent + 1) }
            return "\(pad)\(key): \(value.yamlScalar)\n"
        }.joined()
    }

    private var yamlScalar: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return v.isFinite && v == v.rounded() && abs(v) < 1e15 ? String(format: "%.1f", v) : String(v)
        case .bool(let v): return String(v)
        case .string(let v): return ConfigNode.quoted(v)
        case .strings(let v): return "[" + v.map(ConfigNode.quoted).joined(separator: ", ") + "]"
        case .choice(let v, _, _): return ConfigNode.quoted(v)
        case .choices(let v, _, _): return "[" + v.map(ConfigNode.quoted).joined(separator: ", ") + "]"
        case .section: return ""
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `batchSize` → `batch_size`.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}
