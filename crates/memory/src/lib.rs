//! The process's memory: mimalloc as the allocator of every binary that links Jumpgate, and
//! the return of freed memory to the operating system once the process is quiet.
//!
//! mimalloc keeps memory it freed for a second before it gives it back (`purge_delay`), so a
//! burst that is followed by more work costs no system calls. But it only looks for memory to
//! give back while it allocates: after a burst that is followed by quiet (the affiliation sweep
//! at start, a load that stops) the freed memory stayed resident, about 5 MB of the server's
//! 35 MB idle (docs/benchmarks.md, ADR 0025). [`give_back_freed`] makes it look.

pub mod sqlite;

use std::cell::Cell;
use std::time::{Duration, Instant};

/// mimalloc for every binary that links Jumpgate (the server, the examples, the tests), for C's
/// `malloc` too (SQLite): a page is hundreds of small strings, and glibc's malloc took a quarter
/// of the server's CPU under load and kept an arena per SQLite connection (ADR 0023).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Gives back to the operating system the memory mimalloc freed on the calling thread (mimalloc
/// v3 collects only the calling thread's heap, not the process's). `serve` and `worker` call it
/// every few seconds on the thread that runs their tick; the runtime's other threads call
/// [`give_back_when_idle`] and SQLite's connection threads their SQL function ([`sqlite`]).
///
/// Forced (`mi_collect(true)`): unforced, it left the arenas' freed memory until its purge delay
/// had passed (ten seconds for arenas) and skipped pages that had been full, and the idle server
/// kept 20–22 MiB of its own memory; forced, 14 MiB, with the pages' throughput unchanged (ADR
/// 0025, amended; docs/benchmarks.md).
pub fn give_back_freed() {
    // SAFETY: `mi_collect` takes no pointers and may be called from any thread at any time.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// How often, at most, a thread gives back what it freed when it goes idle.
const IDLE_GIVE_BACK_EVERY: Duration = Duration::from_secs(1);

/// For a runtime's `on_thread_park`: when the thread has no more work, it gives back what it
/// freed, at most once a second. Only the thread that runs the periodic tick was collected
/// before, so what a request or a job had freed on another worker stayed resident while the
/// process was quiet (PostgreSQL's idle server: 13.2 MB of its own memory, docs/benchmarks.md).
/// A worker parks thousands of times a second under load: the clock read is the cost then.
pub fn give_back_when_idle() {
    thread_local! {
        static LAST: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    let now = Instant::now();
    LAST.with(|last| {
        if last
            .get()
            .is_none_or(|at| now.duration_since(at) >= IDLE_GIVE_BACK_EVERY)
        {
            last.set(Some(now));
            give_back_freed();
        }
    });
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::time::Duration;

    /// This process's resident memory, in bytes (the second field of `/proc/self/statm`, in
    /// pages of 4 KiB on the machines Jumpgate runs on).
    fn resident() -> u64 {
        let statm =
            std::fs::read_to_string("/proc/self/statm").expect("Linux has /proc/self/statm");
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .expect("statm's second field is the resident page count");
        pages * 4096
    }

    const MIB: u64 = 1024 * 1024;

    /// The tests read the whole process's resident memory: one at a time.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// Resident memory with 64 MiB allocated, and after they were freed and `give_back` ran,
    /// sooner than mimalloc's own delay (a second for pages, ten for its arenas).
    fn resident_around(give_back: impl FnOnce()) -> (u64, u64) {
        // Blocks small enough to live in mimalloc's pages (not direct mappings).
        let blocks: Vec<Vec<u8>> = (0..4096).map(|i| vec![i as u8; 16 * 1024]).collect();
        let with_blocks = resident();
        drop(blocks);
        std::thread::sleep(Duration::from_millis(100));
        give_back();
        (with_blocks, resident())
    }

    #[test]
    fn memory_freed_leaves_the_resident_set_at_the_next_give_back() {
        let _alone = ONE_AT_A_TIME.lock();
        let kept = vec![7u8; 1024];

        let (with_blocks, after) = resident_around(give_back_freed);

        assert!(
            after + 32 * MIB < with_blocks,
            "resident {} MiB with the blocks, {} MiB after giving them back",
            with_blocks / MIB,
            after / MIB
        );
        assert!(
            kept.iter().all(|b| *b == 7),
            "live memory is left as it was"
        );
    }

    #[test]
    fn a_thread_going_idle_gives_back_what_it_freed_at_most_once_a_second() {
        let _alone = ONE_AT_A_TIME.lock();
        // A thread of its own, as a runtime's worker: its first park gives back.
        let (first, second) = std::thread::spawn(|| {
            let first = resident_around(give_back_when_idle);
            // Parked again within the second: nothing is given back this time.
            let second = resident_around(give_back_when_idle);
            (first, second)
        })
        .join()
        .expect("the thread ran");

        let (with_blocks, after) = first;
        assert!(
            after + 32 * MIB < with_blocks,
            "at the first park: resident {} MiB with the blocks, {} MiB after",
            with_blocks / MIB,
            after / MIB
        );
        let (with_blocks, after) = second;
        assert!(
            after + 32 * MIB > with_blocks,
            "within the second: resident {} MiB with the blocks, {} MiB after",
            with_blocks / MIB,
            after / MIB
        );
    }
}
