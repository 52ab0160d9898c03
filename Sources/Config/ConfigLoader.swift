import Foundation
import ModelNames

/// Resolves a sweep configuration: defaults in code, then a YAML file, then `--set key=value`
/// overrides, each checked against the schema (`SweepConfig`) as it is applied. Per-model
/// overrides (`models.<name>.trainer.*`) apply on top of the resolved global `trainer`.
///
/// ```swift
/// let config = try ConfigLoader.load(file: "configs/demo.yaml", overrides: ["trainer.lr=3e-4"])
/// print(config.resolvedYAML)
/// ```
public enum ConfigLoader {
    /// Loads `file` (nil: defaults only) and applies `overrides` (`dotted.key=value`, value in YAML).
    public static func load(file: String?, overrides: [String] = []) throws -> SweepConfig {
        var text = ""
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigError(source: file, line: nil, key: "", message: "cannot read the configuration file")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        return try load(yaml: text, source: file ?? "defaults", overrides: overrides)
    }

    /// As `load(file:overrides:)` with the YAML text given; `source` names it in errors.
    public static func load(yaml: String, source: String, overrides: [String] = []) throws -> SweepConfig {
        var layers: [(node: UserNode, source: String)] = []
        if let node = try UserNode.parse(yaml: yaml, source: source) {
            if case .scalar(let text, _) = node, text.isEmpty {} else { layers.append((node, source)) }
        }
        for override in overrides {
            let origin = "--set \(override)"
            guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
                throw ConfigError(source: origin, line: nil, key: "", message: "expected key=value")
            }
            let key = String(override[..<equals])
            let valueText = String(override[override.index(after: equals)...])
            let value = try UserNode.parse(yaml: valueText, source: origin) ?? .scalar("", line: nil)
            layers.append((UserNode.nested(key: key, value: value.withoutLines), origin))
        }

        var resolver = Resolver()
        // 1. Everything but per-model trainer overrides, in order.
        var modelTrainerLayers: [(model: ModelName, node: UserNode, source: String)] = []
        for layer in layers {
            var rest = layer.node
            for model in ModelName.allCases {
                let split = rest.removing(["models", model.rawValue, "trainer"])
                rest = split.rest
                if let removed = split.removed { modelTrainerLayers.append((model, removed, layer.source)) }
            }
            try resolver.apply(rest, source: layer.source)
        }
        // 2. Each model starts from the resolved global trainer, then its own overrides.
        let globalTrainer = resolver.tree["trainer"]!
        for model in ModelName.allCases {
            resolver.tree["models"]![model.rawValue]!["trainer"] = globalTrainer
        }
        for layer in modelTrainerLayers {
            try resolver.apply(UserNode.nested(key: "models.\(layer.model).trainer", value: layer.node), source: layer.source)
        }

        let data = try JSONSerialization.data(withJSONObject: resolver.tree.json)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let config = try decoder.decode(SweepConfig.self, from: data)
        try ConfigValidator(origins: resolver.origins).validate(config)
        return config
    }
}

extension SweepConfig {
    /// The whole resolved configuration as YAML (every key, defaults included), to print and save.
    public var resolvedYAML: String { ConfigNode(reflecting: self).yaml() }

    /// Every leaf as `dotted.key` → value text, in declaration order (MLflow params).
    public var flattened: [(key: String, value: String)] { ConfigNode(reflecting: self).flattened() }
}

/// Applies user layers to the typed tree, remembering where each key was set.
private struct Resolver {
    var tree = ConfigNode(reflecting: SweepConfig())
    /// Dotted key → where its value was last set (for errors found after decoding).
    var origins: [String: (source: String, line: Int?)] = [:]

    mutating func apply(_ user: UserNode, source: String) throws {
        var updated = tree
        try apply(user, to: &updated, path: [], source: source)
        tree = updated
    }

    private mutating func apply(_ user: UserNode, to node: inout ConfigNode, path: [String], source: String) throws {
        let key = path.joined(separator: ".")
        func fail(_ message: String, line: Int? = user.line) -> ConfigError {
            ConfigError(source: source, line: line, key: key, message: message)
        }
        func scalarText() throws -> String {
            guard case .scalar(let text, _) = user else { throw fail("expected \(node.typeName), found a \(user.kindName)") }
            return text
        }
        /// A YAML list, or one comma-separated value (`--set models.run=ast,cnn_mlp`), with each item's line.
        func listItems() throws -> [(text: String, line: Int?)] {
            switch user {
            case .list(let items, _):
                return try items.map {
                    guard case .scalar(let text, _) = $0 else { throw fail("expected a list of strings", line: $0.line) }
                    return (text, $0.line ?? user.line)
                }
            case .scalar(let text, let line):
                return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { ($0, line) }
            case .map:
                throw fail("expected a list of strings, found a section")
            }
        }
        switch node {
        case .section(let children):
            guard case .map(let pairs, _) = user else { throw fail("expected a section of keys, found a \(user.kindName)") }
            for (childKey, value) in pairs {
                let childPath = path + [childKey]
                guard var child = node[childKey] else {
                    let known = children.map(\.key)
                    let dotted = childPath.joined(separator: ".")
                    let message = nearest(to: childKey, among: known).map {
                        "unknown key; did you mean '\((path + [$0]).joined(separator: "."))'?"
                    } ?? "unknown key (known here: \(known.joined(separator: ", ")))"
                    throw ConfigError(source: source, line: value.line ?? user.line, key: dotted, message: message)
                }
                try apply(value, to: &child, path: childPath, source: source)
                node[childKey] = child
            }
            return
        case .int:
            let text = try scalarText()
            guard let value = Int(text) else { throw fail("expected an integer, found '\(text)'") }
            node = .int(value)
        case .double:
            let text = try scalarText()
            guard let value = Double(text), value.isFinite else { throw fail("expected a number, found '\(text)'") }
            node = .double(value)
        case .bool:
            let text = try scalarText().lowercased()
            switch text {
            case "true", "yes", "on": node = .bool(true)
            case "false", "no", "off": node = .bool(false)
            default: throw fail("expected true or false, found '\(text)'")
            }
        case .string:
            let text = try scalarText()
            node = .string(text == "~" || text == "null" ? "" : text)
        case .choice(_, let names, let kind):
            let text = try scalarText()
            guard names.contains(text) else { throw fail(unknownNameMessage(kind, text, known: names)) }
            node = .choice(text, among: names, kind: kind)
        case .choices(_, let names, let kind):
            node = .choices(try listItems().map { text, line in
                guard names.contains(text) else { throw fail(unknownNameMessage(kind, text, known: names), line: line) }
                return text
            }, among: names, kind: kind)
        case .strings:
            node = .strings(try listItems().map(\.text))
        }
        origins[key] = (source, user.line)
    }
}

private extension UserNode {
    var kindName: String {
        switch self {
        case .scalar: return "single value"
        case .list: return "list"
        case .map: return "section"
        }
    }

    /// The same tree with no line numbers (values given on the command line have none).
    var withoutLines: UserNode {
        switch self {
        case .scalar(let text, _): return .scalar(text, line: nil)
        case .list(let items, _): return .list(items.map(\.withoutLines), line: nil)
        case .map(let pairs, _): return .map(pairs.map { ($0.key, $0.value.withoutLines) }, line: nil)
        }
    }
}
