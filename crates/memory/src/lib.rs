//! The process's memory: mimalloc as the allocator of every binary that links Jumpgate, and
//! the return of freed memory to the operating system once the process is quiet.
//!
//! mimalloc keeps memory it freed for a second before it gives it back (`purge_delay`), so a
//! burst that is followed by more work costs no system calls. But it only looks for memory to
//! give back while it allocates: after a burst that is followed by quiet (the affiliation sweep
//! at start, a load that stops) the freed memory stayed resident, about 5 MB of the server's
//! 35 MB idle (docs/benchmarks.md, ADR 0025). [`give_back_freed`] makes it look.

pub mod sqlite;

/// mimalloc for every binary that links Jumpgate (the server, the examples, the tests), for C's
/// `malloc` too (SQLite): a page is hundreds of small strings, and glibc's malloc took a quarter
/// of the server's CPU under load and kept an arena per SQLite connection (ADR 0023).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Gives back to the operating system the memory mimalloc freed, for the whole process
/// (mimalloc's arenas are shared by every thread). `serve` and `worker` call it every few
/// seconds.
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

    #[test]
    fn memory_freed_leaves_the_resident_set_at_the_next_give_back() {
        const MIB: u64 = 1024 * 1024;
        // 64 MiB in blocks small enough to live in mimalloc's pages (not direct mappings).
        let blocks: Vec<Vec<u8>> = (0..4096).map(|i| vec![i as u8; 16 * 1024]).collect();
        let kept = vec![7u8; 1024];
        let with_blocks = resident();
        drop(blocks);
        // Sooner than mimalloc's own delay (a second for pages, ten for its arenas): a quiet
        // server gives back at its next tick what the last burst freed.
        std::thread::sleep(Duration::from_millis(100));

        give_back_freed();

        let after = resident();
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
}
