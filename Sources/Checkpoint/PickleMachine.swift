/// A pickle is hostile, malformed or outside the subset the reader supports. `offset` is the
/// byte of the opcode at fault, once the machine knows it.
struct PickleError: Error, CustomStringConvertible {
    let reason: String
    var offset: Int?

    static func malformed(_ reason: String) -> PickleError { PickleError(reason: reason) }

    var description: String { offset.map { "byte \($0): \(reason)" } ?? reason }
}

/// Reads the pickle `torch.save` writes for a state dict (or a dict holding one beside plain
/// Python values) without running anything: it interprets the opcodes of `PickleOpcode` on
/// its own stack, resolves GLOBAL only against `PickleGlobal`'s allow-list, and performs the
/// few calls torch's pickles make itself (`PickleCalls`). A checkpoint asking for any other
/// class or function (`posix.system`, `builtins.eval`, …) is refused before anything happens.
///
/// Hostile input cannot exhaust memory or the call stack: strings and bytes are bounded by
/// the input, and the stack, the mark stack, the memo and the nesting depth have limits.
struct PickleMachine {
    /// Bounds on the machine's state; far above what any state dict needs.
    struct Limits {
        var stackDepth = 1 << 20
        var markDepth = 1 << 12
        var memoEntries = 1 << 24
        var nestingDepth = 100
    }

    private let bytes: [UInt8]
    private let limits: Limits
    private var position = 0
    private var stack: [PickleObject] = []
    private var marks: [[PickleObject]] = []
    private var memo: [Int: PickleObject] = [:]
    /// Every container pushed, kept until the end and emptied then (`removeContents`), so that
    /// no release, during the run or after it, recurses through nested containers.
    private var containers: [PickleObject] = []

    /// Runs the pickle in `bytes` to its STOP and returns the value it built.
    static func load(_ bytes: [UInt8], limits: Limits = Limits()) throws -> PickleValue {
        var machine = PickleMachine(bytes: bytes, limits: limits)
        defer { machine.containers.forEach { $0.removeContents() } }
        return try machine.run()
    }

    private init(bytes: [UInt8], limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    private mutating func run() throws -> PickleValue {
        while true {
            let opcodeOffset = position
            do {
                let code = try readByte()
                guard let opcode = PickleOpcode(rawValue: code) else {
                    let printable = (0x21...0x7e).contains(code) ? " ('\(Character(Unicode.Scalar(code)))')" : ""
                    throw PickleError.malformed("unsupported pickle opcode 0x\(String(code, radix: 16))\(printable); the reader handles only the opcodes torch.save writes for state dicts")
                }
                if let result = try execute(opcode) { return result }
            } catch var error as PickleError {
                if error.offset == nil { error.offset = opcodeOffset }
                throw error
            }
        }
    }

    /// Executes one opcode; returns the pickle's value at STOP, nil otherwise.
    private mutating func execute(_ opcode: PickleOpcode) throws -> PickleValue? {
        switch opcode {
        case .proto:
            let version = try readByte()
            guard (2...5).contains(version) else { throw PickleError.malformed("pickle protocol \(version) is not supported (2 to 5 are)") }
        case .frame:
            let length = try readUnsigned(8)
            guard length <= UInt64(bytes.count - position) else { throw PickleError.malformed("frame of \(length) bytes runs past the end of the pickle") }
        case .stop:
            guard let result = stack.last else { throw PickleError.malformed("stack underflow") }
            var freezer = PickleObjectFreezer(maximumDepth: limits.nestingDepth)
            return try freezer.freeze(result)
        case .mark:
            guard marks.count < limits.markDepth else { throw PickleError.malformed("more than \(limits.markDepth) nested marks") }
            marks.append(stack)
            stack = []
        case .pop:
            if stack.isEmpty { _ = try popMark() } else { stack.removeLast() }
        case .popMark:
            _ = try popMark()

        case .emptyDict: try push(.dict(PickleDictBox()))
        case .emptyList: try push(.list(PickleListBox()))
        case .emptyTuple: try push(.tuple(PickleTupleBox([])))
        case .tuple: try push(.tuple(PickleTupleBox(try popMark())))
        case .tuple1, .tuple2, .tuple3:
            let count = Int(opcode.rawValue - PickleOpcode.tuple1.rawValue) + 1
            guard stack.count >= count else { throw PickleError.malformed("TUPLE\(count) needs \(count) items on the stack") }
            let items = Array(stack.suffix(count))
            stack.removeLast(count)
            try push(.tuple(PickleTupleBox(items)))
        case .list:
            let list = PickleListBox()
            list.items = try popMark()
            try push(.list(list))
        case .dict:
            let dict = PickleDictBox()
            try setItems(try popMark(), in: dict)
            try push(.dict(dict))
        case .append:
            let item = try pop()
            try topList().items.append(item)
        case .appends:
            let items = try popMark()
            try topList().items.append(contentsOf: items)
        case .setItem:
            let value = try pop(), key = try pop()
            try topDict().set(key, value)
        case .setItems:
            let items = try popMark()
            try setItems(items, in: try topDict())

        case .shortBinUnicode: try push(.value(.string(try readString(length: try readUnsigned(1)))))
        case .binUnicode: try push(.value(.string(try readString(length: try readUnsigned(4)))))
        case .binUnicode8: try push(.value(.string(try readString(length: try readUnsigned(8)))))
        case .shortBinBytes: try push(.value(.bytes(try readBytes(try readUnsigned(1)))))
        case .binBytes: try push(.value(.bytes(try readBytes(try readUnsigned(4)))))
        case .binBytes8: try push(.value(.bytes(try readBytes(try readUnsigned(8)))))
        case .binInt: try push(.value(.int(Int(Int32(truncatingIfNeeded: try readUnsigned(4))))))
        case .binInt1: try push(.value(.int(Int(try readUnsigned(1)))))
        case .binInt2: try push(.value(.int(Int(try readUnsigned(2)))))
        case .long1: try push(.value(.int(try readLong1())))
        case .binFloat:
            let bits = try readBytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            try push(.value(.float(Double(bitPattern: bits))))
        case .newTrue: try push(.value(.bool(true)))
        case .newFalse: try push(.value(.bool(false)))
        case .none: try push(.value(.none))

        case .binPut: try memoise(at: Int(try readUnsigned(1)))
        case .longBinPut: try memoise(at: Int(try readUnsigned(4)))
        case .memoize: try memoise(at: memo.count)
        case .binGet: try push(try memoised(Int(try readUnsigned(1))))
        case .longBinGet: try push(try memoised(Int(try readUnsigned(4))))

        case .global:
            let module = try readLine(), name = try readLine()
            try push(.value(.global(try PickleCalls.resolveGlobal(module: module, name: name))))
        case .stackGlobal:
            let name = try pop(), module = try pop()
            guard case .value(.string(let nameText)) = name, case .value(.string(let moduleText)) = module else {
                throw PickleError.malformed("STACK_GLOBAL needs a module and a name string on the stack")
            }
            try push(.value(.global(try PickleCalls.resolveGlobal(module: moduleText, name: nameText))))
        case .reduce:
            let arguments = try pop(), callable = try pop()
            try push(try PickleCalls.reduce(callable, arguments))
        case .newObj:
            let arguments = try pop(), type = try pop()
            try push(try PickleCalls.newObject(type, arguments))
        case .build:
            let state = try pop()
            guard let target = stack.last else { throw PickleError.malformed("BUILD with nothing to build on") }
            try PickleCalls.build(target, state: state)
        case .binPersId:
            try push(.value(.storage(try PickleCalls.persistentLoad(try pop()))))
        }
        return nil
    }

    // MARK: - Stack and memo

    private mutating func push(_ object: PickleObject) throws {
        guard stack.count < limits.stackDepth else { throw PickleError.malformed("stack deeper than \(limits.stackDepth) items") }
        stack.append(object)
        if case .value = object { return }
        containers.append(object)
    }

    private mutating func pop() throws -> PickleObject {
        guard let top = stack.popLast() else { throw PickleError.malformed("stack underflow") }
        return top
    }

    /// The items pushed since the last MARK, which is removed.
    private mutating func popMark() throws -> [PickleObject] {
        guard let below = marks.popLast() else { throw PickleError.malformed("no MARK to pop to") }
        defer { stack = below }
        return stack
    }

    private func topList() throws -> PickleListBox {
        guard case .list(let list)? = stack.last else { throw PickleError.malformed("APPEND(S) onto something that is not a list") }
        return list
    }

    private func topDict() throws -> PickleDictBox {
        guard case .dict(let dict)? = stack.last else { throw PickleError.malformed("SETITEM(S) onto something that is not a dict") }
        return dict
    }

    private func setItems(_ items: [PickleObject], in dict: PickleDictBox) throws {
        guard items.count % 2 == 0 else { throw PickleError.malformed("an odd number of items to pair as keys and values") }
        for index in stride(from: 0, to: items.count, by: 2) { try dict.set(items[index], items[index + 1]) }
    }

    private mutating func memoise(at index: Int) throws {
        guard let top = stack.last else { throw PickleError.malformed("memoising with an empty stack") }
        guard memo[index] != nil || memo.count < limits.memoEntries else {
            throw PickleError.malformed("more than \(limits.memoEntries) memo entries")
        }
        memo[index] = top
    }

    private func memoised(_ index: Int) throws -> PickleObject {
        guard let object = memo[index] else { throw PickleError.malformed("memo entry \(index) was never stored") }
        return object
    }

    // MARK: - Reading arguments

    private mutating func readByte() throws -> UInt8 {
        guard position < bytes.count else { throw PickleError.malformed("the pickle ends without STOP (truncated)") }
        defer { position += 1 }
        return bytes[position]
    }

    /// `count` bytes as a little-endian unsigned integer.
    private mutating func readUnsigned(_ count: Int) throws -> UInt64 {
        try readBytes(UInt64(count)).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private mutating func readBytes(_ count: UInt64) throws -> [UInt8] {
        guard count <= UInt64(bytes.count - position) else {
            throw PickleError.malformed("an argument of \(count) bytes runs past the end of the pickle (truncated)")
        }
        defer { position += Int(count) }
        return Array(bytes[position..<(position + Int(count))])
    }

    private mutating func readString(length: UInt64) throws -> String {
        let raw = try readBytes(length)
        guard let text = String(validating: raw, as: UTF8.self) else { throw PickleError.malformed("a string is not valid UTF-8") }
        return text
    }

    /// A GLOBAL argument: text up to a newline.
    private mutating func readLine() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0a) else { throw PickleError.malformed("GLOBAL name without its newline (truncated)") }
        let text = try readString(length: UInt64(end - position))
        position += 1
        return text
    }

    /// LONG1: a length byte, then that many bytes of little-endian two's complement.
    private mutating func readLong1() throws -> Int {
        let length = try readUnsigned(1)
        guard length <= 8 else { throw PickleError.malformed("an integer of \(length) bytes is wider than 64 bits") }
        let raw = try readBytes(length)
        guard let last = raw.last else { return 0 }
        let unsigned = raw.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let signExtension: UInt64 = last & 0x80 != 0 && length < 8 ? ~0 << (8 * length) : 0
        return Int(Int64(bitPattern: unsigned | signExtension))
    }
}
