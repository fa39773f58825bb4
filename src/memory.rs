//! The process's memory policy: SQLite's own allocations through mimalloc instead of glibc's
//! `malloc`, and freed memory returned to the system at once.
//!
//! SQLite allocates with the C library's `malloc`, not through Rust's global allocator.
//! glibc gives every thread that allocates its own arena and keeps freed memory in it, so
//! each SQLite reader connection (one thread each in sqlx) held its schema, statements and
//! sorter memory in an arena of its own: most of the staff console's memory on SQLite
//! (docs/benchmarks.md, "Where the SQLite console's memory went"). mimalloc, which the
//! binary already uses for Rust's allocations, shares its arenas between threads.
//!
//! mimalloc v3 keeps freed pages resident for a second before giving them back
//! (`purge_delay`, 1000 ms): a console request's working set (a scan of 150,000 rows) then
//! still counts when the next one starts. Purging at once brought the console's share
//! down from +16.6 to +9.1 MiB after its requests, with the Telegram benchmark's
//! throughput within its run-to-run noise (docs/benchmarks.md).
//!
//! Both must happen before SQLite initialises itself (the first connection opened in the
//! process), so the `jejak` binary and the benchmarks call [`configure`] first thing in
//! `main`, before any thread exists that could open a database.

use std::ffi::{c_int, c_void};

use libsqlite3_sys as ffi;

/// SQLite's `xMalloc`: `n` bytes, 8-byte aligned (mimalloc aligns to at least 16).
unsafe extern "C" fn x_malloc(n: c_int) -> *mut c_void {
    match usize::try_from(n) {
        // SAFETY: mi_malloc accepts any size and returns null when it cannot allocate.
        Ok(n) => unsafe { libmimalloc_sys::mi_malloc(n) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// SQLite's `xFree`: `p` came from [`x_malloc`] or [`x_realloc`].
unsafe extern "C" fn x_free(p: *mut c_void) {
    // SAFETY: SQLite frees only what these methods allocated (mi_free accepts null).
    unsafe { libmimalloc_sys::mi_free(p) }
}

/// SQLite's `xRealloc`: SQLite never passes a null `p` nor a size below one.
unsafe extern "C" fn x_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    match usize::try_from(n) {
        // SAFETY: `p` came from these methods; on failure mimalloc keeps `p` valid.
        Ok(n) => unsafe { libmimalloc_sys::mi_realloc(p, n) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// SQLite's `xSize`: the usable size of an allocation (at least what was asked for).
unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    if p.is_null() {
        return 0;
    }
    // SAFETY: `p` came from these methods.
    let size = unsafe { libmimalloc_sys::mi_usable_size(p) };
    c_int::try_from(size).unwrap_or(c_int::MAX)
}

/// SQLite's `xRoundup`: the size an allocation of `n` bytes really gets.
unsafe extern "C" fn x_roundup(n: c_int) -> c_int {
    let Ok(wanted) = usize::try_from(n) else {
        return n;
    };
    // SAFETY: a pure size computation.
    let good = unsafe { libmimalloc_sys::mi_good_size(wanted) };
    c_int::try_from(good).unwrap_or(n)
}

/// SQLite's `xInit`: mimalloc needs no set-up.
unsafe extern "C" fn x_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

/// SQLite's `xShutdown`: nothing to release.
unsafe extern "C" fn x_shutdown(_: *mut c_void) {}

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e` of the v3 `mimalloc.h`
/// that `libmimalloc-sys` 0.1.49 builds; the crate's bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Applies the memory policy: freed memory returned to the system at once, and SQLite's
/// allocations routed to mimalloc. Returns whether SQLite took its part (it refuses once
/// it has initialised, i.e. after the first connection in the process).
///
/// # Safety
///
/// No other thread may use SQLite while this runs (SQLite's own rule for
/// `sqlite3_config`); call it first thing in `main`.
pub unsafe fn configure() -> bool {
    // SAFETY: setting an option is allowed at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    // SAFETY: passed on from the caller.
    unsafe { sqlite_through_mimalloc() }
}

/// Routes SQLite's memory allocations to mimalloc. Returns whether SQLite took the setting.
///
/// # Safety
///
/// As for [`configure`].
pub unsafe fn sqlite_through_mimalloc() -> bool {
    let methods = ffi::sqlite3_mem_methods {
        xMalloc: Some(x_malloc),
        xFree: Some(x_free),
        xRealloc: Some(x_realloc),
        xSize: Some(x_size),
        xRoundup: Some(x_roundup),
        xInit: Some(x_init),
        xShutdown: Some(x_shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: the caller guarantees no concurrent SQLite use; SQLite copies `methods`
    // before returning, so a local is enough.
    let rc = unsafe {
        ffi::sqlite3_config(
            ffi::SQLITE_CONFIG_MALLOC,
            &methods as *const ffi::sqlite3_mem_methods,
        )
    };
    rc == ffi::SQLITE_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The methods keep SQLite's contract on their own: sizes at least what was asked,
    /// a grown block keeps its bytes, rounding never shrinks.
    #[test]
    fn methods_keep_sqlites_contract() {
        unsafe {
            let p = x_malloc(100);
            assert!(!p.is_null());
            assert!(x_size(p) >= 100);
            assert_eq!(p as usize % 8, 0);
            std::ptr::write_bytes(p.cast::<u8>(), 0xAB, 100);
            let q = x_realloc(p, 5000);
            assert!(!q.is_null());
            assert!(x_size(q) >= 5000);
            assert_eq!(*q.cast::<u8>().add(99), 0xAB);
            x_free(q);
            assert_eq!(x_size(std::ptr::null_mut()), 0);
            assert!(x_roundup(100) >= 100);
            assert!(x_malloc(-1).is_null());
        }
    }
}
