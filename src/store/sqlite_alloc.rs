//! SQLite's allocations through mimalloc, the process's allocator (`allocator.rs`).
//!
//! The bundled SQLite allocates with the C library's `malloc`. Under
//! `createStandardTicket` load glibc's `malloc` and `free` were 8% of the writer thread:
//! the statement journal takes a fresh kilobyte for every page a statement changes, and
//! frees it when the statement ends.

use libmimalloc_sys::{mi_free, mi_malloc, mi_realloc};
use std::ffi::{c_int, c_void};

unsafe extern "C" {
    /// mimalloc's size of a block it handed out (at least what was asked for); part of
    /// its stable API, not declared by `libmimalloc-sys` without its `extended` feature.
    fn mi_usable_size(p: *const c_void) -> usize;
}

unsafe extern "C" fn x_malloc(n: c_int) -> *mut c_void {
    match usize::try_from(n) {
        // SAFETY: a plain mimalloc call; its blocks are aligned to 8 bytes, as SQLite
        // needs.
        Ok(n) => unsafe { mi_malloc(n) },
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    // SAFETY: SQLite frees only what x_malloc or x_realloc gave (mi_free takes null).
    unsafe { mi_free(p) }
}

unsafe extern "C" fn x_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    match usize::try_from(n) {
        // SAFETY: as x_free.
        Ok(n) => unsafe { mi_realloc(p, n) },
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    // SAFETY: as x_free; null is size 0.
    let size = unsafe { mi_usable_size(p) };
    c_int::try_from(size).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn x_roundup(n: c_int) -> c_int {
    n.saturating_add(7) & !7
}

unsafe extern "C" fn x_init(_: *mut c_void) -> c_int {
    rusqlite::ffi::SQLITE_OK
}

unsafe extern "C" fn x_shutdown(_: *mut c_void) {}

/// Hands SQLite the methods; before its initialisation only (it refuses them after).
pub(super) fn install() {
    let methods = rusqlite::ffi::sqlite3_mem_methods {
        xMalloc: Some(x_malloc),
        xFree: Some(x_free),
        xRealloc: Some(x_realloc),
        xSize: Some(x_size),
        xRoundup: Some(x_roundup),
        xInit: Some(x_init),
        xShutdown: Some(x_shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: SQLITE_CONFIG_MALLOC takes a pointer to sqlite3_mem_methods, which SQLite
    // copies; before initialisation it only stores them.
    unsafe {
        rusqlite::ffi::sqlite3_config(
            rusqlite::ffi::SQLITE_CONFIG_MALLOC,
            &methods as *const rusqlite::ffi::sqlite3_mem_methods,
        );
    }
}
