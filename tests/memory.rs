//! The process's memory policy (`jejak::memory::configure`, first thing in the `jejak`
//! binary's `main`): SQLite allocates through mimalloc, freed memory is purged at once, and a
//! store works on top of it. A test binary of its own: the setting is per process and must
//! come before SQLite's first use.

use jejak::store::{Backend, Store};
use libmimalloc_sys::{mi_option_get, mi_option_t};

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e`.
const PURGE_DELAY: mi_option_t = 15;

#[tokio::test]
async fn sqlite_allocates_through_mimalloc_and_freed_memory_is_purged_at_once() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // mimalloc v3's default: proves the option's number names the purge delay.
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, 1000);
    }
    // SAFETY: this binary's only test; nothing has used SQLite yet.
    assert!(unsafe { jejak::memory::configure() });
    assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, 0);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_data_dir(dir.path()).await.expect("store");
    // SAFETY: the store's connections are idle; a refused configuration changes nothing.
    assert!(
        !unsafe { jejak::memory::sqlite_through_mimalloc() },
        "SQLite has initialised: a late configuration must be refused, not half-applied"
    );
    // A block SQLite allocates now lives in mimalloc's heap.
    unsafe {
        let p = libsqlite3_sys::sqlite3_malloc(256);
        assert!(!p.is_null());
        assert!(libmimalloc_sys::mi_is_in_heap_region(p.cast_const()));
        libsqlite3_sys::sqlite3_free(p);
    }
    // The store opened, migrated and serves on it.
    assert_eq!(store.backend(), Backend::Sqlite);
    store.close().await;
}
