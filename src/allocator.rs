//! The process's allocator: mimalloc, asked for alignment only when a type needs more
//! than every mimalloc block has.
//!
//! Replies are built from many small allocations (rows, values, strings), which mimalloc
//! serves markedly faster than glibc's allocator under concurrent load. The `mimalloc`
//! crate hands every Rust allocation to `mi_malloc_aligned`, whose quick path covers
//! only blocks up to 1 KiB found free in the right page; every other allocation takes
//! the generic path, and a size that is not a power of two then gets a block of more
//! than 1 KiB to align within (`mi_theap_malloc_zero_aligned_at_overalloc`). Every
//! mimalloc block is aligned to 8 bytes, which is all most Rust types ask for.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

/// The alignment of every block mimalloc hands out (its smallest size class is 8 bytes,
/// and all of them are multiples of 8).
const BLOCK_ALIGN: usize = 8;

pub struct Allocator;

// SAFETY: each method returns memory from mimalloc with at least the layout's alignment
// (mimalloc's own guarantee below BLOCK_ALIGN, its aligned calls above), and frees and
// reallocates only what these methods returned.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain mimalloc calls.
        unsafe {
            if layout.align() <= BLOCK_ALIGN {
                mi_malloc(layout.size()) as *mut u8
            } else {
                mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as alloc.
        unsafe {
            if layout.align() <= BLOCK_ALIGN {
                mi_zalloc(layout.size()) as *mut u8
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from mimalloc (alloc, alloc_zeroed or realloc).
        unsafe { mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from mimalloc; the alignment is kept as alloc chose it.
        unsafe {
            if layout.align() <= BLOCK_ALIGN {
                mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

/// Returns to the system what this thread's heap holds free, now: mimalloc purges a
/// thread's freed pages only when that thread calls it again, after its purge delay, so
/// the blocking-pool threads that built heavy replies and then parked (waiting for a turn,
/// or idle in the pool) kept them: 200 callers of 1 MB replies at once left 540 MB
/// resident, 250 that read nothing 1.28 GB. Forced, as a thread about to park would not
/// be back to purge later.
pub fn release_free_memory() {
    unsafe extern "C" {
        fn mi_collect(force: bool);
    }
    // SAFETY: mi_collect only frees and purges mimalloc's memory of this thread's heap
    // (and abandoned segments), which no live allocation uses.
    unsafe { mi_collect(true) }
}

/// For a runtime worker about to park: [`release_free_memory`], at most once a second
/// per thread. Memory freed by another thread (the journal's calls let go by
/// `DELETE /_emulator/journal`) waits on the pages of the worker that allocated it
/// until that worker collects them, and an idle worker never did: after a mixed load,
/// RSS stayed at 122 MB through the delete where with this it fell to 78 MB. Once a
/// second keeps the heap's walk out of every call's path (a busy worker parks often).
pub fn release_free_memory_when_parking() {
    use std::cell::Cell;
    use std::time::{Duration, Instant};
    thread_local! {
        static LAST_RELEASE: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    let now = Instant::now();
    let due = LAST_RELEASE
        .get()
        .is_none_or(|last| now.duration_since(last) >= Duration::from_secs(1));
    if due {
        LAST_RELEASE.set(Some(now));
        release_free_memory();
    }
}
