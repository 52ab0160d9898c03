/// The pickle opcodes (protocols 2 to 5, CPython's `pickletools` names) that `torch.save` of a
/// state dict, or of a dict holding one with plain Python values beside it, writes. Any other
/// opcode (INST, OBJ, EXT1, the text-protocol ones, …) is refused.
enum PickleOpcode: UInt8 {
    // Framing and control.
    case proto = 0x80            // PROTO version:u8
    case frame = 0x95            // FRAME length:u64
    case stop = 0x2e             // '.'
    case mark = 0x28             // '('
    case pop = 0x30              // '0'
    case popMark = 0x31          // '1'

    // Containers.
    case emptyDict = 0x7d        // '}'
    case emptyList = 0x5d        // ']'
    case emptyTuple = 0x29       // ')'
    case tuple = 0x74            // 't'
    case tuple1 = 0x85
    case tuple2 = 0x86
    case tuple3 = 0x87
    case dict = 0x64             // 'd'
    case list = 0x6c             // 'l'
    case setItem = 0x73          // 's'
    case setItems = 0x75         // 'u'
    case append = 0x61           // 'a'
    case appends = 0x65          // 'e'

    // Scalars.
    case shortBinUnicode = 0x8c  // length:u8, UTF-8
    case binUnicode = 0x58       // 'X' length:u32, UTF-8
    case binUnicode8 = 0x8d      // length:u64, UTF-8
    case shortBinBytes = 0x43    // 'C' length:u8
    case binBytes = 0x42         // 'B' length:u32
    case binBytes8 = 0x8e        // length:u64
    case binInt = 0x4a           // 'J' i32
    case binInt1 = 0x4b          // 'K' u8
    case binInt2 = 0x4d          // 'M' u16
    case long1 = 0x8a            // length:u8, little-endian two's complement
    case binFloat = 0x47         // 'G' big-endian f64
    case newTrue = 0x88
    case newFalse = 0x89
    case none = 0x4e             // 'N'

    // Memo.
    case binPut = 0x71           // 'q' index:u8
    case longBinPut = 0x72       // 'r' index:u32
    case memoize = 0x94
    case binGet = 0x68           // 'h' index:u8
    case longBinGet = 0x6a       // 'j' index:u32

    // Objects (resolved against the allow-list only).
    case global = 0x63           // 'c' module\nname\n
    case stackGlobal = 0x93
    case reduce = 0x52           // 'R'
    case build = 0x62            // 'b'
    case newObj = 0x81
    case binPersId = 0x51        // 'Q'
}
