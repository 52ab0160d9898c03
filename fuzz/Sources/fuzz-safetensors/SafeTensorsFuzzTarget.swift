import SafeTensors

/// Fuzzes the safetensors reader: the input is a whole file. Every tensor read is then
/// converted as the product converts them (floats, integers, widened checkpoints).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let file = try SafeTensorsFile.decode(bytes, source: "fuzz.safetensors")
        for name in file.names {
            _ = try? file.floats(named: name)
            _ = try? file.int64s(named: name)
        }
    } catch is SafeTensorsError {
        // The reader's one way to refuse a file.
    } catch {
        fatalError("reader threw something other than a SafeTensorsError: \(error)")
    }
    return 0
}
