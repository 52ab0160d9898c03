/// Finds the state dict in what a checkpoint's pickle holds: the top-level dict itself when
/// its values are tensors, or else the dict under `model`, `state_dict` or `model_state_dict`
/// (training checkpoints such as `{"model": sd, "optimizer": …, "epoch": 3}`; the other
/// entries are ignored).
enum StateDictSelection {
    /// A tensor of the state dict and its key.
    typealias Entry = (key: String, tensor: TensorReference)

    /// Keys under which training scripts commonly store the model's state dict, in the order tried.
    static let wrapperKeys = ["model", "state_dict", "model_state_dict"]

    /// The state dict's tensors by key, in the pickle's order; `source` names the file in errors.
    static func tensors(in value: PickleValue, source: String) throws -> [Entry] {
        let fail = { (fault: String) in CheckpointError(source: source, fault: fault) }
        guard case .dict(let top) = value else {
            throw fail("the checkpoint holds \(value.kindPhrase), not a dict of tensors (a state dict)")
        }
        let stateDict: PickleDict
        if holdsTensors(top) {
            stateDict = top
        } else if let wrapped = wrapperKeys.lazy.compactMap({ key -> PickleDict? in
            guard case .dict(let inner)? = top[key], holdsTensors(inner) else { return nil }
            return inner
        }).first {
            stateDict = wrapped
        } else {
            let keys = top.entries.prefix(20).map { describe($0.key) }.joined(separator: ", ") + (top.entries.count > 20 ? ", …" : "")
            throw fail("no state dict: no tensors at the top level or under \(wrapperKeys.map { "'\($0)'" }.joined(separator: ", ")) (top-level keys: \(keys.isEmpty ? "none" : keys))")
        }

        return try stateDict.entries.map { entry in
            guard case .string(let key) = entry.key else {
                throw fail("state dict key \(describe(entry.key)) is \(entry.key.kindPhrase), not a str")
            }
            guard case .tensor(let tensor) = entry.value else {
                throw fail("state dict entry '\(key)' is \(entry.value.kindPhrase), not a tensor")
            }
            return (key, tensor)
        }
    }

    private static func holdsTensors(_ dict: PickleDict) -> Bool {
        dict.entries.contains { if case .tensor = $0.value { return true } else { return false } }
    }

    /// A key as Python would print it (strings quoted).
    private static func describe(_ key: PickleValue) -> String {
        switch key {
        case .string(let text): return "'\(text)'"
        case .int(let value): return String(value)
        case .float(let value): return String(value)
        case .bool(let value): return value ? "True" : "False"
        case .none: return "None"
        default: return key.kindName
        }
    }
}
