import Cluster
import Foundation
import TestSupport
import XCTest

/// CURVE keys on disk and the ZAP allow-list, over real sockets on 127.0.0.1.
final class CurveSecurityTests: XCTestCase {
    private var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func testKeyFilesRoundTripWithPrivateSecretAndRefuseOverwrite() throws {
        let pair = try CurveKeyPair.generate()
        XCTAssertEqual(pair.publicKey.count, 40)
        XCTAssertNotEqual(pair.publicKey, pair.secretKey)
        let prefix = directory.file("worker")
        let files = try pair.write(prefix: prefix)
        XCTAssertEqual(files.publicKeyFile, prefix + ".pub")
        XCTAssertEqual(files.secretKeyFile, prefix + ".key")
        XCTAssertEqual(try permissions(files.secretKeyFile), 0o600)
        XCTAssertEqual(try permissions(files.publicKeyFile), 0o644)
        XCTAssertEqual(try CurveKeyPair(secretKeyFile: files.secretKeyFile), pair)
        XCTAssertEqual(try CurveKeyFile.readPublicKey(files.publicKeyFile), pair.publicKey)
        XCTAssertThrowsError(try CurveKeyPair.generate().write(prefix: prefix)) {
            XCTAssertEqual(String(describing: $0), "\(prefix).pub: already exists; remove it first to make a new key")
        }
    }

    func testBadKeyFilesNameFileAndLine() throws {
        let allow = directory.file("allowed-workers")
        let key = try CurveKeyPair.generate().publicKey
        try "# pool A\n\(key)\n\nnot-a-key\n".write(toFile: allow, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CurveAllowList(contentsOfFile: allow)) {
            XCTAssertEqual(String(describing: $0), "\(allow):4: not a CURVE key (40 Z85 characters expected, got 9 characters)")
        }
        try "# pool A\n\(key)\n  \n".write(toFile: allow, atomically: true, encoding: .utf8)
        XCTAssertEqual(try CurveAllowList(contentsOfFile: allow).keys, [key])
        XCTAssertThrowsError(try CurveAllowList(contentsOfFile: directory.file("missing"))) {
            XCTAssertTrue(String(describing: $0).hasPrefix(directory.file("missing") + ": cannot read"), "\($0)")
        }
        let two = directory.file("two.key")
        try "\(key)\n\(key)\n".write(toFile: two, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CurveKeyPair(secretKeyFile: two)) {
            XCTAssertEqual(String(describing: $0), "\(two):2: holds 2 keys, expected exactly 1")
        }
    }

    /// A client whose key is not listed is refused in the handshake (and logged); its message
    /// never arrives. A listed client's message does.
    func testOnlyAllowedWorkerKeysGetThrough() throws {
        let server = try CurveKeyPair.generate(), allowed = try CurveKeyPair.generate(), stranger = try CurveKeyPair.generate()
        let context = try ZMQContext()
        let log = LogLines()
        let zap = try ZAPHandler(context: context, allowList: CurveAllowList(keys: [allowed.publicKey]), log: { log.append($0) })
        defer { zap.stop() }
        let (router, monitor, endpoint) = try curveRouter(context, server)

        let refused = try dealer(context, endpoint, CurveClientSecurity(keyPair: stranger, serverPublicKey: server.publicKey))
        try refused.send([Array("from stranger".utf8)])
        let failure = try monitor.wait(timeoutMilliseconds: 10_000) { $0.isHandshakeFailure }
        XCTAssertEqual(failure?.event, ZMQMonitor.Event.handshakeFailedAuth)
        XCTAssertEqual(failure?.value, 400, "the ZAP status code")
        XCTAssertTrue(log.lines.contains { $0.contains("refused CURVE client \(stranger.publicKey) from 127.0.0.1") }, "\(log.lines)")

        let admitted = try dealer(context, endpoint, CurveClientSecurity(keyPair: allowed, serverPublicKey: server.publicKey))
        try admitted.send([Array("from worker".utf8)])
        XCTAssertTrue(try router.waitForInput(timeoutMilliseconds: 10_000))
        XCTAssertEqual(try router.receive(maxFrames: 4)?.frames.last, Array("from worker".utf8))
        XCTAssertNil(try router.receive(maxFrames: 4, wait: false), "nothing from the refused client")
        [refused, admitted, router].forEach { $0.close() }
        monitor.close()
    }

    /// ZMQ_ZAP_ENFORCE_DOMAIN: with no ZAP handler in the context, even a well-keyed client is
    /// refused (fail closed), and a client without CURVE never completes a handshake.
    func testWithoutAZAPHandlerEveryoneIsRefused() throws {
        let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
        let context = try ZMQContext()
        let (router, monitor, endpoint) = try curveRouter(context, server)
        let curveClient = try dealer(context, endpoint, CurveClientSecurity(keyPair: client, serverPublicKey: server.publicKey))
        try curveClient.send([[1]])
        XCTAssertNotNil(try monitor.wait(timeoutMilliseconds: 10_000) { $0.isHandshakeFailure })
        let plainClient = try dealer(context, endpoint, nil)
        try plainClient.send([[2]])
        XCTAssertNotNil(try monitor.wait(timeoutMilliseconds: 10_000) { $0.isHandshakeFailure })
        XCTAssertNil(try router.receive(maxFrames: 4, wait: false))
        [curveClient, plainClient, router].forEach { $0.close() }
        monitor.close()
    }

    func testKeysGenerateCommandWritesBothFiles() throws {
        let prefix = directory.file("coordinator")
        let result = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: ["keys", "generate", "--out", prefix])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("secret key: \(prefix).key (mode 0600"), result.standardOutput)
        let pair = try CurveKeyPair(secretKeyFile: prefix + ".key")
        XCTAssertEqual(try CurveKeyFile.readPublicKey(prefix + ".pub"), pair.publicKey)
        XCTAssertEqual(try permissions(prefix + ".key"), 0o600)
        let again = try ChildProcess.run(try BuiltProducts.executable("spectrofold"), arguments: ["keys", "generate", "--out", prefix])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.standardError.contains("\(prefix).pub: already exists"), again.standardError)
    }

    // MARK: - Helpers

    private func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    private func curveRouter(_ context: ZMQContext, _ keys: CurveKeyPair) throws -> (ZMQSocket, ZMQMonitor, String) {
        let router = try ZMQSocket(context: context, type: .router)
        try router.set(.linger(milliseconds: 0))
        try CurveServerSecurity(keyPair: keys).apply(to: router)
        let monitor = try ZMQMonitor(router, context: context)
        try router.bind("tcp://127.0.0.1:*")
        return (router, monitor, try router.lastEndpoint())
    }

    private func dealer(_ context: ZMQContext, _ endpoint: String, _ security: CurveClientSecurity?) throws -> ZMQSocket {
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.set(.linger(milliseconds: 0))
        try security?.apply(to: dealer)
        try dealer.connect(endpoint)
        return dealer
    }
}

/// Lines logged from another thread.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
}
