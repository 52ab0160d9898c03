import Foundation

/// Shows the progress of long work on standard output: on a terminal a bar redrawn in place
/// with count, percentage, rate and ETA; otherwise (a log file, a pipe) a plain line at every
/// tenth of the work. Libraries report progress through callbacks; executables draw it with this.
///
/// ```swift
/// let bar = ProgressBar(title: "prepare", total: files.count, unit: "files")
/// builder.build(progress: { done in bar.update(completed: done) })
/// bar.finish()
/// ```
/// Thread-safe: `update` may be called from several threads.
public final class ProgressBar: @unchecked Sendable {
    public let title: String
    public let total: Int
    public let unit: String
    private let isTerminal: Bool
    private let start = Date()
    private let lock = NSLock()
    private var completed = 0
    private var lastDraw = Date.distantPast
    private var lastLoggedTenth = 0
    private var finished = false

    /// `isTerminal` defaults to whether standard output is a TTY.
    public init(title: String, total: Int, unit: String = "items", isTerminal: Bool = isatty(STDOUT_FILENO) != 0) {
        self.title = title
        self.total = max(total, 0)
        self.unit = unit
        self.isTerminal = isTerminal
    }

    /// Records that `completed` of `total` items are done (calls may arrive out of order).
    public func update(completed newValue: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard !finished, newValue > completed else { return }
        completed = min(newValue, total)
        let now = Date()
        if isTerminal {
            // At most 10 redraws per second, and always the last one.
            guard completed == total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            write("\r" + line(now: now, bar: true) + "\u{1B}[K")
        } else {
            let tenth = total == 0 ? 10 : completed * 10 / total
            guard tenth > lastLoggedTenth else { return }
            lastLoggedTenth = tenth
            write(line(now: now, bar: false) + "\n")
        }
    }

    /// Ends the display (the terminal line is kept) and prints the elapsed time.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        let elapsed = Date().timeIntervalSince(start)
        write((isTerminal ? "\n" : "") + "\(title): \(completed) \(unit) in \(Self.clock(elapsed))\n")
    }

    /// `title [#####·····] 150/300  50%  31.2 files/s  ETA 0:05` (the bar on terminals only).
    func line(now: Date, bar: Bool) -> String {
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let fraction = total == 0 ? 1 : Double(completed) / Double(total)
        let rate = Double(completed) / elapsed
        let eta = rate > 0 ? Self.clock(Double(total - completed) / rate) : "?"
        var text = title
        if bar {
            let width = 30, filled = Int(fraction * Double(width))
            text += " [" + String(repeating: "#", count: filled) + String(repeating: "·", count: width - filled) + "]"
        } else {
            text += ":"
        }
        let percent = String(format: "%3.0f%%", fraction * 100)
        let rateText = String(format: "%.1f", rate)
        return "\(text) \(completed)/\(total) \(percent)  \(rateText) \(unit)/s  ETA \(eta)"
    }

    /// `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// Through C's stdout, so the lines interleave correctly with `print`.
    private func write(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }
}
