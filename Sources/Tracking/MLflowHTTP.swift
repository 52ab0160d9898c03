import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Exponential backoff for requests that are safe to repeat (MLflow's own client makes the same
/// split): the first retry waits `initialDelay` seconds, each further one twice as long, capped
/// at `maximumDelay`.
public struct MLflowRetryPolicy: Sendable, Equatable {
    /// Tries in total, at least 1.
    public var attempts: Int
    public var initialDelay: Double
    public var maximumDelay: Double

    public init(attempts: Int, initialDelay: Double, maximumDelay: Double) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// 5 tries over about 7.5 s.
    public static let standard = MLflowRetryPolicy(attempts: 5, initialDelay: 0.5, maximumDelay: 8)
    /// One try: for the preflight check, which must answer at once.
    public static let once = MLflowRetryPolicy(attempts: 1, initialDelay: 0, maximumDelay: 0)

    /// Seconds to wait before retry number `retry` (1 = the second try).
    func delay(beforeRetry retry: Int) -> Double {
        min(maximumDelay, initialDelay * pow(2, Double(retry - 1)))
    }
}

/// Synchronous HTTP exchanges with one tracking server: authentication, timeouts, retries, and
/// MLflow's JSON error bodies turned into `MLflowError`.
final class MLflowHTTP: @unchecked Sendable {
    let endpoint: MLflowEndpoint
    private let credentials: MLflowCredentials
    private let retry: MLflowRetryPolicy
    private let timeout: TimeInterval
    private let session: URLSession
    private let challenges = ChallengeRecorder()

    /// `timeout`: seconds a request may wait for the server's next bytes.
    init(endpoint: MLflowEndpoint, credentials: MLflowCredentials, retry: MLflowRetryPolicy, timeout: TimeInterval) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.retry = retry
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: challenges, delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Sends one request and returns the body of its 2xx answer. `repeatable` requests are
    /// retried on transient failures (no answer, 408, 429, 5xx); others are sent exactly once.
    func send(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil,
              contentType: String = "application/json", repeatable: Bool) throws -> Data {
        let tries = repeatable ? retry.attempts : 1
        var attempt = 1
        while true {
            do {
                return try sendOnce(method, path, query: query, body: body, contentType: contentType)
            } catch let error as MLflowError where error.isTransient && attempt < tries {
                Thread.sleep(forTimeInterval: retry.delay(beforeRetry: attempt))
                attempt += 1
            }
        }
    }

    private func sendOnce(_ method: String, _ path: String, query: [URLQueryItem], body: Data?, contentType: String) throws -> Data {
        var request = URLRequest(url: endpoint.url(path, query: query))
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let authorization = credentials.authorization {
            request.setValue(authorization, forHTTPHeaderField: "Authorization")
        }
        let label = "\(method) \(path)"
        let exchange = Exchange()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            exchange.data = data
            exchange.response = response
            exchange.error = error
            done.signal()
        }
        task.resume()
        // URLSession enforces `timeout` between bytes; this bound only guards against a
        // callback that never comes (a large upload may legitimately take long).
        if done.wait(timeout: .now() + .seconds(Int(timeout) * 20)) == .timedOut {
            task.cancel()
            throw MLflowError.unreachable(uri: endpoint.uri, request: label, message: "no answer within \(Int(timeout) * 20) s")
        }

        if let challenge = challenges.take(task.taskIdentifier) {
            throw MLflowError.http(uri: endpoint.uri, request: label, status: challenge.status, errorCode: nil, message: challenge.message)
        }
        if let error = exchange.error {
            throw MLflowError.unreachable(uri: endpoint.uri, request: label, message: error.localizedDescription)
        }
        guard let response = exchange.response as? HTTPURLResponse else {
            throw MLflowError.unreachable(uri: endpoint.uri, request: label, message: "no HTTP response")
        }
        let data = exchange.data ?? Data()
        guard (200..<300).contains(response.statusCode) else {
            let (code, message) = Self.errorDetail(data)
            throw MLflowError.http(uri: endpoint.uri, request: label, status: response.statusCode, errorCode: code, message: message)
        }
        return data
    }

    /// MLflow's `{"error_code": ..., "message": ...}`, or the body's first 300 characters.
    private static func errorDetail(_ data: Data) -> (code: String?, message: String) {
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let message = object["message"] as? String {
            return (object["error_code"] as? String, message)
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (nil, String(text.prefix(300)))
    }
}

/// Answers the server's authentication challenges (a 401 with `WWW-Authenticate`) by cancelling
/// the request, and remembers them: we send our credentials up front and never retry with
/// others, and FoundationNetworking's default handling of a challenge can hang the request.
private final class ChallengeRecorder: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    struct Challenge {
        let status: Int
        let message: String
    }

    private let lock = NSLock()
    private var byTask: [Int: Challenge] = [:]

    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        let space = challenge.protectionSpace
        let scheme = space.authenticationMethod.replacingOccurrences(of: "NSURLAuthenticationMethodHTTP", with: "")
        let realm = space.realm.map { " realm \"\($0)\"" } ?? ""
        let status = (challenge.failureResponse as? HTTPURLResponse)?.statusCode ?? 401
        lock.lock()
        byTask[task.taskIdentifier] = Challenge(status: status, message: "the server demands \(scheme) authentication\(realm)")
        lock.unlock()
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    /// The challenge task `identifier` received, if any (forgotten once taken).
    func take(_ identifier: Int) -> Challenge? {
        lock.lock()
        defer { lock.unlock() }
        return byTask.removeValue(forKey: identifier)
    }
}

/// One exchange's outcome, written by URLSession's callback before the semaphore is signalled.
private final class Exchange: @unchecked Sendable {
    var data: Data?
    var response: URLResponse?
    var error: Error?
}
