/// The calls in torch's state-dict pickles, performed by the reader itself: GLOBAL resolves
/// only allow-listed names (`PickleGlobal`), and REDUCE, NEWOBJ, BUILD and BINPERSID do what
/// those few globals would do, with every argument checked. Nothing named by a checkpoint is
/// ever imported or called.
enum PickleCalls {
    /// GLOBAL / STACK_GLOBAL: the allow-listed global `module.name`, or a refusal naming it.
    static func resolveGlobal(module: String, name: String) throws -> PickleGlobal {
        guard let global = PickleGlobal(module: module, name: name) else {
            throw PickleError.malformed("refused global '\(abbreviated(module)).\(abbreviated(name))': the checkpoint reader never runs code from a checkpoint and resolves only \(PickleGlobal.allowListDescription)")
        }
        return global
    }

    /// REDUCE: `callable(*arguments)` for the allow-listed callables.
    static func reduce(_ callable: PickleObject, _ arguments: PickleObject) throws -> PickleObject {
        guard case .value(.global(let global)) = callable else {
            throw PickleError.malformed("REDUCE calls \(callable.kindPhrase), not an allowed global")
        }
        let arguments = try tupleItems(arguments, of: global)
        switch global {
        case .orderedDict:
            guard arguments.isEmpty else { throw PickleError.malformed("collections.OrderedDict is called with arguments; only OrderedDict() is supported") }
            return .dict(PickleDictBox())
        case .rebuildTensor:
            return .value(.tensor(try rebuildTensor(arguments)))
        case .rebuildParameter:
            // _rebuild_parameter(data, requires_grad, backward_hooks): the parameter is its data.
            guard arguments.count == 3, case .value(.tensor(let tensor)) = arguments[0] else {
                throw PickleError.malformed("torch._utils._rebuild_parameter needs (tensor, requires_grad, hooks), got \(describe(arguments))")
            }
            return .value(.tensor(tensor))
        case .storageClass:
            throw PickleError.malformed("\(global.qualifiedName) is called; storage classes only name a persistent id's element type")
        }
    }

    /// NEWOBJ: `cls.__new__(cls, *arguments)`, supported for `collections.OrderedDict` only.
    static func newObject(_ type: PickleObject, _ arguments: PickleObject) throws -> PickleObject {
        guard case .value(.global(.orderedDict)) = type else {
            throw PickleError.malformed("NEWOBJ of \(type.kindName) is not supported (only collections.OrderedDict)")
        }
        guard case .tuple(let tuple) = arguments, tuple.items.isEmpty else {
            throw PickleError.malformed("NEWOBJ of collections.OrderedDict with arguments is not supported")
        }
        return .dict(PickleDictBox())
    }

    /// BUILD: sets attributes from `state`. Only dicts are built on (an OrderedDict state dict
    /// carries `_metadata` this way); the attributes are not tensors and are dropped.
    static func build(_ target: PickleObject, state: PickleObject) throws {
        guard case .dict = target else { throw PickleError.malformed("BUILD on \(target.kindPhrase) is not supported") }
        switch state {
        case .dict, .value(.none): return
        default: throw PickleError.malformed("BUILD of a dict with \(state.kindPhrase) state is not supported")
        }
    }

    /// BINPERSID: a persistent id `('storage', <storage class>, key, location, numel)`.
    static func persistentLoad(_ id: PickleObject) throws -> StorageReference {
        guard case .tuple(let tuple) = id, tuple.items.count == 5,
              case .value(.string("storage")) = tuple.items[0] else {
            throw PickleError.malformed("a persistent id is \(id.kindPhrase), not ('storage', <storage class>, key, location, numel)")
        }
        guard case .value(.global(.storageClass(let type))) = tuple.items[1] else {
            throw PickleError.malformed("persistent id names \(tuple.items[1].kindPhrase) where a torch storage class belongs")
        }
        guard case .value(.string(let key)) = tuple.items[2], case .value(.string(let location)) = tuple.items[3],
              case .value(.int(let count)) = tuple.items[4], count >= 0 else {
            throw PickleError.malformed("persistent id's key, location and numel are not (str, str, int ≥ 0): \(describe(tuple.items))")
        }
        return StorageReference(key: key, type: type, location: location, elementCount: count)
    }

    // MARK: - _rebuild_tensor_v2

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`;
    /// the hooks (always empty in saved files) and the metadata are not needed to read the values.
    private static func rebuildTensor(_ arguments: [PickleObject]) throws -> TensorReference {
        let name = PickleGlobal.rebuildTensor.qualifiedName
        guard arguments.count == 6 || arguments.count == 7 else {
            throw PickleError.malformed("\(name) needs 6 or 7 arguments, got \(arguments.count)")
        }
        guard case .value(.storage(let storage)) = arguments[0] else {
            throw PickleError.malformed("\(name): its first argument is \(arguments[0].kindPhrase), not a storage")
        }
        guard case .value(.int(let offset)) = arguments[1], offset >= 0 else {
            throw PickleError.malformed("\(name): storage offset is not an int ≥ 0")
        }
        let shape = try integers(arguments[2], "size"), strides = try integers(arguments[3], "stride")
        guard shape.count == strides.count else {
            throw PickleError.malformed("\(name): size \(shape) and stride \(strides) differ in length")
        }
        guard case .value(.bool) = arguments[4] else { throw PickleError.malformed("\(name): requires_grad is not a bool") }
        return TensorReference(storage: storage, offset: offset, shape: shape, strides: strides)
    }

    /// A tuple of non-negative ints (a size or a stride) of at most 64 dimensions.
    private static func integers(_ object: PickleObject, _ what: String) throws -> [Int] {
        guard case .tuple(let tuple) = object, tuple.items.count <= 64 else {
            throw PickleError.malformed("\(PickleGlobal.rebuildTensor.qualifiedName): \(what) is not a tuple of at most 64 ints")
        }
        return try tuple.items.map { item in
            guard case .value(.int(let value)) = item, value >= 0 else {
                throw PickleError.malformed("\(PickleGlobal.rebuildTensor.qualifiedName): \(what) holds \(item.kindPhrase) that is not an int ≥ 0")
            }
            return value
        }
    }

    // MARK: - Helpers

    private static func tupleItems(_ arguments: PickleObject, of global: PickleGlobal) throws -> [PickleObject] {
        guard case .tuple(let tuple) = arguments else {
            throw PickleError.malformed("\(global.qualifiedName) is called with \(arguments.kindPhrase) of arguments, not a tuple")
        }
        return tuple.items
    }

    private static func describe(_ items: [PickleObject]) -> String {
        "(" + items.prefix(8).map(\.kindName).joined(separator: ", ") + (items.count > 8 ? ", …" : "") + ")"
    }

    /// A name from the checkpoint, shortened for an error message.
    private static func abbreviated(_ text: String) -> String {
        text.count <= 120 ? text : text.prefix(120) + "…"
    }
}

extension PickleObject {
    /// What kind of object this is, in Python's words, for error messages.
    var kindName: String {
        switch self {
        case .value(let value): return value.kindName
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        }
    }

    /// `kindName` with an indefinite article.
    var kindPhrase: String { PickleValue.phrase(kindName) }
}
