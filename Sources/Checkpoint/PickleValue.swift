/// A value `PickleMachine` builds from a checkpoint's `data.pkl`: plain data, containers, and
/// references to tensors and storages whose bytes live in other entries of the archive.
/// No value ever stands for live code: the only callables are the allow-listed `PickleGlobal`s.
enum PickleValue: Hashable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    /// A dict or `collections.OrderedDict`, keys in insertion order.
    case dict(PickleDict)
    /// A tensor built by `torch._utils._rebuild_tensor_v2` (or `_rebuild_parameter` around it).
    case tensor(TensorReference)
    /// A storage named by a persistent id, before a tensor views it.
    case storage(StorageReference)
    /// An allow-listed class or function, before it is called.
    case global(PickleGlobal)

    /// What kind of value this is, in Python's words, for error messages.
    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .tensor: return "tensor"
        case .storage: return "storage"
        case .global(let global): return global.qualifiedName
        }
    }

    /// `kindName` with an indefinite article ("a tensor", "an int"; None as it is).
    var kindPhrase: String { Self.phrase(kindName) }

    static func phrase(_ kind: String) -> String {
        if kind == "None" { return kind }
        return ("aeiouAEIOU".contains(kind.first ?? " ") ? "an " : "a ") + kind
    }
}

/// A pickled dict's entries in insertion order (keys are unique).
struct PickleDict: Hashable {
    struct Entry: Hashable {
        let key: PickleValue
        let value: PickleValue
    }

    var entries: [Entry]

    /// The value stored under the string key `key`.
    subscript(key: String) -> PickleValue? {
        entries.first { $0.key == .string(key) }?.value
    }
}

/// A persistent id `('storage', <storage class>, key, location, numel)`: the storage's bytes
/// are the archive entry `<archive>/data/<key>`.
struct StorageReference: Hashable {
    let key: String
    let type: TorchStorageType
    /// Where the storage lived when saved (`cpu`, `cuda:0`, …); the reader ignores it.
    let location: String
    /// Number of elements of `type`.
    let elementCount: Int
}

/// A tensor as `_rebuild_tensor_v2(storage, offset, size, stride, …)` describes it: element
/// (row-major multi-index i) sits at `offset + Σ i[d]·stride[d]` of the storage, in elements.
struct TensorReference: Hashable {
    let storage: StorageReference
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}

/// The only globals a checkpoint may name. Anything else is refused when the GLOBAL opcode
/// names it: the reader never imports or calls what a checkpoint asks for.
enum PickleGlobal: Hashable {
    /// `collections.OrderedDict`: called with no arguments, it is an empty dict.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2`: a view of a storage.
    case rebuildTensor
    /// `torch._utils._rebuild_parameter`: an `nn.Parameter` around a tensor, read as the tensor.
    case rebuildParameter
    /// `torch.<Type>Storage`: the element type of a persistent id's storage.
    case storageClass(TorchStorageType)

    /// Resolves `module.name` against the allow-list; nil when it is not on it.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", _):
            guard let type = TorchStorageType(rawValue: name) else { return nil }
            self = .storageClass(type)
        default: return nil
        }
    }

    /// `module.name` as the pickle names it.
    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensor: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .storageClass(let type): return "torch.\(type.rawValue)"
        }
    }

    /// The allow-list, for the refusal message.
    static let allowListDescription =
        "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.<Type>Storage"
}
