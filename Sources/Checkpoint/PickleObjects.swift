/// An object on `PickleMachine`'s stack or in its memo. Containers are shared references, as
/// in Python: a list memoised while empty and filled afterwards is seen filled wherever it is
/// fetched from the memo. `PickleObjectFreezer` turns the finished result into a `PickleValue`.
enum PickleObject {
    /// An immutable value: a scalar, a tensor, a storage, a global.
    case value(PickleValue)
    case list(PickleListBox)
    case tuple(PickleTupleBox)
    case dict(PickleDictBox)
}

final class PickleListBox {
    var items: [PickleObject] = []
}

final class PickleTupleBox {
    private(set) var items: [PickleObject]
    init(_ items: [PickleObject]) { self.items = items }

    /// Drops the items (`PickleMachine` empties every container before releasing them).
    func removeAll() { items = [] }
}

/// A dict being filled: keys must be hashable scalars or tuples of them (what state dicts,
/// optimizer states and `_metadata` use); setting an existing key replaces its value in place.
final class PickleDictBox {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleObject] = []
    private var positions: [PickleValue: Int] = [:]

    /// Drops the entries (`PickleMachine` empties every container before releasing them).
    func removeAll() {
        keys = []
        values = []
        positions = [:]
    }

    /// Sets `key` to `value`; an unsupported key kind is an error naming it.
    func set(_ key: PickleObject, _ value: PickleObject) throws {
        let frozenKey = try Self.hashableKey(key)
        if let position = positions[frozenKey] {
            values[position] = value
        } else {
            positions[frozenKey] = keys.count
            keys.append(frozenKey)
            values.append(value)
        }
    }

    private static func hashableKey(_ key: PickleObject) throws -> PickleValue {
        switch key {
        case .value(let value) where value.isScalar:
            return value
        case .tuple(let tuple):
            return .tuple(try tuple.items.map { item in
                guard case .value(let value) = item, value.isScalar else {
                    throw PickleError.malformed("a dict key is a tuple holding a non-scalar; only str, int, float, bool, bytes and None keys (or tuples of them) are supported")
                }
                return value
            })
        case .value(let value):
            throw PickleError.malformed("a dict key is \(value.kindPhrase); only str, int, float, bool, bytes and None keys (or tuples of them) are supported")
        case .list, .dict:
            throw PickleError.malformed("a dict key is a list or dict, which Python cannot hash")
        }
    }
}

extension PickleObject {
    /// Empties a container, so that releasing it releases no other container: ARC frees
    /// nested objects recursively, and a hostile chain of a million nested lists would
    /// otherwise overflow the call stack when freed.
    func removeContents() {
        switch self {
        case .value: return
        case .list(let box): box.items = []
        case .tuple(let box): box.removeAll()
        case .dict(let box): box.removeAll()
        }
    }
}

extension PickleValue {
    /// None, bool, int, float, str or bytes.
    var isScalar: Bool {
        switch self {
        case .none, .bool, .int, .float, .string, .bytes: return true
        case .list, .tuple, .dict, .tensor, .storage, .global: return false
        }
    }
}

/// Turns a finished object graph into `PickleValue`s. Each container is converted once
/// (shared containers share their converted storage), so hostile graphs that reference one
/// container many times cost no more than the containers themselves; nesting deeper than
/// `maximumDepth` and containers holding themselves are errors.
struct PickleObjectFreezer {
    let maximumDepth: Int
    private var frozen: [ObjectIdentifier: PickleValue] = [:]
    private var inProgress: Set<ObjectIdentifier> = []

    init(maximumDepth: Int) { self.maximumDepth = maximumDepth }

    mutating func freeze(_ object: PickleObject) throws -> PickleValue {
        try freeze(object, depth: 0)
    }

    private mutating func freeze(_ object: PickleObject, depth: Int) throws -> PickleValue {
        switch object {
        case .value(let value):
            return value
        case .list(let box):
            return try memoised(box, depth) { freezer in .list(try box.items.map { try freezer.freeze($0, depth: depth + 1) }) }
        case .tuple(let box):
            return try memoised(box, depth) { freezer in .tuple(try box.items.map { try freezer.freeze($0, depth: depth + 1) }) }
        case .dict(let box):
            return try memoised(box, depth) { freezer in
                .dict(PickleDict(entries: try zip(box.keys, box.values).map { key, value in
                    PickleDict.Entry(key: key, value: try freezer.freeze(value, depth: depth + 1))
                }))
            }
        }
    }

    private mutating func memoised(_ box: AnyObject, _ depth: Int,
                                   _ convert: (inout PickleObjectFreezer) throws -> PickleValue) throws -> PickleValue {
        let id = ObjectIdentifier(box)
        if let done = frozen[id] { return done }
        guard depth < maximumDepth else { throw PickleError.malformed("containers nest deeper than \(maximumDepth) levels") }
        guard inProgress.insert(id).inserted else { throw PickleError.malformed("a container holds itself (a cyclic structure, which state dicts never are)") }
        let value = try convert(&self)
        inProgress.remove(id)
        frozen[id] = value
        return value
    }
}
