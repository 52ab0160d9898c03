import Config

/// Fuzzes the sweep configuration loader: the input is a YAML file, loaded over the defaults
/// and validated (`ConfigLoader.load(yaml:source:)`), then printed back as the product does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let config = try ConfigLoader.load(yaml: text, source: "fuzz.yaml")
        _ = config.resolvedYAML
        _ = config.flattened
    } catch is ConfigError {
        // The loader's one way to refuse a configuration.
    } catch {
        fatalError("loader threw something other than a ConfigError: \(error)")
    }
    return 0
}
