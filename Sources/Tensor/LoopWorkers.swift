import Foundation
import Synchronization

/// The threads that run `ComputeThreads`' parallel loops: the calling thread and `helpers`
/// threads of its own claim the loop's chunks one at a time until none is left, so a helper that
/// is late (asleep, or its core taken) leaves its share to the others. Between loops a helper
/// spins for `spinNanoseconds` before it sleeps, so that the loops of one training step, which
/// follow each other within microseconds, find it awake; it yields its core now and then while it
/// spins, so that another thread that wants the core gets it.
///
/// Why not DispatchQueue.concurrentPerform: it wakes a sleeping pool thread for every loop, and
/// on this kind of machine (a two-core VM) the wake-up came after the caller had run both halves
/// itself: two halves of 15 µs of work took 25 µs of wall time, and two of 70 µs took 150 µs,
/// against 8 and 73 µs with spinning helpers (one run of each, quiet machine).
final class LoopWorkers: @unchecked Sendable {
    /// How long a helper spins for the next loop before it sleeps.
    static let spinNanoseconds: UInt64 = 1_000_000

    /// The loop being run: its number (bits 8 and up) and chunk count (bits 0–7).
    private let loop = Atomic<Int>(0)
    /// The loop's number (bits 8 and up) and its next unclaimed chunk (bits 0–7).
    private let claims = Atomic<Int>(0)
    /// Chunks of the current loop finished.
    private let finished = Atomic<Int>(0)
    /// Helpers asleep, or about to be, in `condition`.
    private let sleepers = Atomic<Int>(0)
    /// Whether a loop is running: a loop started inside one (or by another thread meanwhile) is
    /// run by its caller alone.
    private let busy = Atomic<Bool>(false)
    private let condition = NSCondition()
    /// The current loop's body: written before the loop is published, read by those that claim
    /// one of its chunks.
    nonisolated(unsafe) private var body: ((Int) -> Void)?

    /// Starts `helpers` threads beside the callers'.
    init(helpers: Int) {
        for index in stride(from: 1, through: helpers, by: 1) {
            let thread = Thread { [self] in serve() }
            thread.name = "spectrofold-loop-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Runs body(chunk) for chunk in 0..<chunks (fewer than 256), side by side, and returns when
    /// all have finished; false, having run nothing, when a loop is already running.
    func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
        precondition(chunks >= 1 && chunks < 256)
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            let number = (loop.load(ordering: .relaxed) >> 8) + 1
            finished.store(0, ordering: .relaxed)
            claims.store(number << 8, ordering: .releasing)
            loop.store(number << 8 | chunks, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            work(number: number, chunks: chunks)
            var spins = 0
            while finished.load(ordering: .acquiring) < chunks {
                spins += 1
                if spins > 1 << 12 { sched_yield() }  // a helper lost its core mid-chunk: let it have ours
            }
            self.body = nil
        }
        return true
    }

    /// Claims and runs chunks of loop `number` until none is left.
    private func work(number: Int, chunks: Int) {
        while true {
            let claim = claims.load(ordering: .acquiring)
            guard claim >> 8 == number, claim & 0xff < chunks else { return }
            guard claims.compareExchange(expected: claim, desired: claim + 1, ordering: .acquiring).exchanged else { continue }
            body!(claim & 0xff)
            finished.add(1, ordering: .releasing)
        }
    }

    /// A helper's life: wait for the next loop, take chunks of it while there are any.
    private func serve() {
        var seen = 0
        while true {
            seen = waitForLoop(after: seen)
            work(number: seen >> 8, chunks: seen & 0xff)
        }
    }

    /// The first loop word other than `seen`: spinning for `spinNanoseconds`, then asleep.
    private func waitForLoop(after seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        var spins = 0
        while true {
            let current = loop.load(ordering: .acquiring)
            if current != seen { return current }
            spins += 1
            if spins & 255 == 0 {
                if DispatchTime.now().uptimeNanoseconds > deadline { break }
                sched_yield()  // spinning, but not against another thread that wants this core
            }
        }
        condition.lock()
        defer { condition.unlock() }
        sleepers.add(1, ordering: .sequentiallyConsistent)
        defer { sleepers.subtract(1, ordering: .sequentiallyConsistent) }
        while true {
            let current = loop.load(ordering: .sequentiallyConsistent)
            if current != seen { return current }
            condition.wait()
        }
    }
}
