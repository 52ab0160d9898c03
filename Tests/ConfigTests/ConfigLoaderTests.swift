import XCTest
import Config
import TestSupport

final class ConfigLoaderTests: XCTestCase {
    /// Every configuration the repository ships, recipes included, loads and passes validation.
    func testEveryShippedConfigurationLoads() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("configs")
        let files = try XCTUnwrap(FileManager.default.subpathsOfDirectory(atPath: folder.path)).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertTrue(files.contains("sweep.yaml") && files.contains("demo.yaml") && files.contains("recipes/keywords.yaml"), "\(files)")
        for file in files {
            XCTAssertNoThrow(try ConfigLoader.load(file: folder.appendingPathComponent(file).path), file)
        }
        XCTAssertEqual(try ConfigLoader.load(file: folder.appendingPathComponent("sweep.yaml").path).folds.repeats, 3)
    }

    func testDefaultsNeedNoFile() throws {
        let config = try ConfigLoader.load(file: nil)
        XCTAssertEqual(config, SweepConfig())
        XCTAssertEqual(config.models.run.map(\.rawValue), ["baseline_cnn", "cnn_mlp", "cnn_attention", "ast"])
        XCTAssertEqual(config.models.ast.trainer, config.trainer)
    }

    func testFileThenOverridesThenPerModelOverrides() throws {
        let yaml = """
        name: demo
        data:
          source: demo/manifest.csv
          numeric_metadata: [speed, snr_db]
        folds: {k: 3, strategy: stratified_group}
        models:
          run: [baseline_cnn, ast]
          ast:
            preset: standard
            trainer: {lr: 1e-4, scheduler: {name: cosine}}
        trainer:
          epochs: 12
          lr: 0.01
          nesterov: yes
        """
        let config = try ConfigLoader.load(yaml: yaml, source: "demo.yaml",
                                           overrides: ["trainer.lr=3e-4", "trainer.batch_size=16", "models.cnn_mlp.trainer.epochs=2"])
        XCTAssertEqual(config.name, "demo")
        XCTAssertEqual(config.data.numericMetadata, ["speed", "snr_db"])
        XCTAssertEqual(config.folds.k, 3)
        XCTAssertEqual(config.folds.strategy, .stratifiedGroup)
        XCTAssertEqual(config.models.run.map(\.rawValue), ["baseline_cnn", "ast"])
        XCTAssertEqual(config.trainer.lr, 3e-4)
        XCTAssertEqual(config.trainer.epochs, 12)
        XCTAssertTrue(config.trainer.nesterov)
        // A model's own overrides win over the global section, including --set on it.
        XCTAssertEqual(config.models.ast.preset, .standard)
        XCTAssertEqual(config.models.ast.trainer.lr, 1e-4)
        XCTAssertEqual(config.models.ast.trainer.scheduler.name, .cosine)
        XCTAssertEqual(config.models.ast.trainer.batchSize, 16)
        XCTAssertEqual(config.models.baselineCnn.trainer.lr, 3e-4)
        XCTAssertEqual(config.models.cnnMlp.trainer.epochs, 2)
        XCTAssertEqual(config.models.baselineCnn.trainer.epochs, 12)
    }

    func testUnknownKeySuggestsTheNearestWithFileAndLine() {
        let yaml = "trainer:\n  epochs: 3\n  bacth_size: 8\n"
        XCTAssertThrowsError(try ConfigLoader.load(yaml: yaml, source: "x.yaml")) {
            XCTAssertEqual(String(describing: $0), "x.yaml:3: trainer.bacth_size: unknown key; did you mean 'trainer.batch_size'?")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "", source: "x.yaml", overrides: ["trainer.lerning_rate=1"])) {
            XCTAssertEqual(String(describing: $0), "--set trainer.lerning_rate=1: trainer.lerning_rate: unknown key (known here: "
                + "epochs, selection, selection_fraction, batch_size, optimizer, lr, momentum, nesterov, weight_decay, dropout, label_smoothing, grad_clip_norm, "
                + "drop_last, head_lr_scale, freeze_epochs, ema_decay, swa_epochs, scheduler, early_stopping, augment)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "modles: {}", source: "y.yaml")) {
            XCTAssertEqual(String(describing: $0), "y.yaml:1: modles: unknown key; did you mean 'models'?")
        }
    }

    func testTypeAndChoiceErrorsNameKeyAndPlace() {
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "trainer:\n  epochs: ten\n", source: "t.yaml")) {
            XCTAssertEqual(String(describing: $0), "t.yaml:2: trainer.epochs: expected an integer, found 'ten'")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "models: {run: [baseline_cnn, resnet50]}", source: "m.yaml")) {
            XCTAssertEqual(String(describing: $0), "m.yaml:1: models.run: unknown model 'resnet50' (known: baseline_cnn, cnn_mlp, cnn_attention, ast)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "", source: "m.yaml", overrides: ["trainer.optimizer=adamm"])) {
            XCTAssertEqual(String(describing: $0), "--set trainer.optimizer=adamm: trainer.optimizer: unknown optimizer 'adamm'; did you mean 'adam'?")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "trainer:\n  scheduler:\n    name: cosin\n", source: "c.yaml")) {
            XCTAssertEqual(String(describing: $0), "c.yaml:3: trainer.scheduler.name: unknown scheduler 'cosin'; did you mean 'cosine'?")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "folds: {strategy: by_speaker}", source: "f.yaml")) {
            XCTAssertEqual(String(describing: $0), "f.yaml:1: folds.strategy: unknown value 'by_speaker' (known: stratified, stratified_group, manifest)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "models: {cnn_mlp: {preset: base}}", source: "p.yaml")) {
            XCTAssertEqual(String(describing: $0), "p.yaml:1: models.cnn_mlp.preset: model 'cnn_mlp' comes in presets mini and standard (small and base are ast's)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "trainer: 3", source: "s.yaml")) {
            XCTAssertEqual(String(describing: $0), "s.yaml:1: trainer: expected a section of keys, found a single value")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "trainer: {dropout: 1.5}", source: "d.yaml")) {
            XCTAssertEqual(String(describing: $0), "d.yaml:1: trainer.dropout: must be in [0, 1)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "a: [", source: "bad.yaml")) {
            XCTAssertTrue(String(describing: $0).hasPrefix("bad.yaml: invalid YAML"), "\($0)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(file: "/nonexistent/c.yaml")) {
            XCTAssertEqual(String(describing: $0), "/nonexistent/c.yaml: cannot read the configuration file")
        }
    }

    func testResolvedYAMLLoadsBackToTheSameConfig() throws {
        let config = try ConfigLoader.load(yaml: "name: \"a \\\"quoted\\\" name\"\nmodels: {ast: {trainer: {lr: 2.5e-5}}}",
                                           source: "r.yaml", overrides: ["models.run=ast,cnn_mlp", "data.group_column=speaker"])
        let again = try ConfigLoader.load(yaml: config.resolvedYAML, source: "resolved.yaml")
        XCTAssertEqual(again, config)
        XCTAssertEqual(again.models.run.map(\.rawValue), ["ast", "cnn_mlp"])
        XCTAssertTrue(config.resolvedYAML.contains("  group_column: \"speaker\"\n"), config.resolvedYAML)
    }

    func testFlattenedGivesEveryLeafByDottedKey() throws {
        let flat = try ConfigLoader.load(file: nil, overrides: ["trainer.lr=0.5"]).flattened
        let values = Dictionary(uniqueKeysWithValues: flat.map { ($0.key, $0.value) })
        XCTAssertEqual(values["trainer.lr"], "0.5")
        XCTAssertEqual(values["trainer.scheduler.threshold_mode"], "rel")
        XCTAssertEqual(values["models.run"], "baseline_cnn,cnn_mlp,cnn_attention,ast")
        XCTAssertEqual(values["models.ast.trainer.lr"], "0.5")
        XCTAssertEqual(flat.first?.key, "name")
    }
}
