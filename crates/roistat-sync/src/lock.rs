//! One sync per database at a time: an exclusive lock on `<db>.lock`.
//!
//! The lock is SQLite's own file lock on a small side file, held by an open exclusive
//! transaction for as long as the sync runs. It is an OS lock, so a sync that crashes
//! or is killed cannot leave it stuck: the OS releases it with the process. SQLite also
//! arbitrates between connections of one process, so two syncs in one program are
//! refused just the same. (std's `File::try_lock` would do as well but needs Rust
//! 1.89, above this workspace's MSRV; the SQLite lock comes with the dependency we
//! already have.)

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::SyncError;

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub(crate) struct SyncLock {
    // Holds `BEGIN EXCLUSIVE` until dropped (closing rolls back and unlocks).
    _conn: Connection,
}

/// What refusing looks like to the caller, before the holder is described.
pub(crate) enum LockError {
    Busy,
    Other(SyncError),
}

/// The lock file beside `db`: `<db>.lock`.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl SyncLock {
    /// Takes the lock of `db` at once, or answers [`LockError::Busy`].
    pub(crate) fn try_acquire(db: &Path) -> Result<SyncLock, LockError> {
        let path = lock_path(db);
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| LockError::Other(SyncError::db("opening the lock file")(e)))?;
        // Never wait: a second sync is refused, not queued.
        conn.busy_timeout(std::time::Duration::ZERO)
            .map_err(|e| LockError::Other(SyncError::db("configuring the lock file")(e)))?;
        match conn.execute_batch(
            "PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE; \
             CREATE TABLE IF NOT EXISTS lock (holder INTEGER);",
        ) {
            Ok(()) => Ok(SyncLock { _conn: conn }),
            Err(e) if is_busy(&e) => Err(LockError::Busy),
            Err(e) => Err(LockError::Other(SyncError::db("taking the sync lock")(e))),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}
