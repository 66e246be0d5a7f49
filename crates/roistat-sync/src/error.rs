//! What can go wrong in a sync, each with its context.

use std::path::PathBuf;

/// A boxed error from an [`OrderSource`](crate::OrderSource).
pub type SourceError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why opening or syncing a mirror failed.
///
/// A failed sync leaves the database consistent: every page written before the failure
/// is committed, the run is recorded as `failed` in `sync_runs`, and the next sync
/// picks up from there.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// Another sync holds the mirror's lock.
    #[error(
        "another sync is already running on {path}{holder}; wait for it to finish \
         (a crashed sync releases the lock by itself)",
        holder = holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default()
    )]
    Busy {
        /// The database file.
        path: PathBuf,
        /// Who holds it, from its run record: `pid 123, started 2026-...`.
        holder: Option<String>,
    },
    /// The database file was written by a newer version of this crate.
    #[error(
        "the database has schema version {found}, newer than the {supported} this version \
         understands; use a newer roistat-sync"
    )]
    SchemaTooNew {
        /// The file's `user_version`.
        found: i64,
        /// The newest version this crate knows.
        supported: i64,
    },
    /// SQLite refused an operation.
    #[error("{context}")]
    Database {
        /// What was being done.
        context: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Fetching from Roistat failed; what was fetched before is committed.
    #[error("{context} (after {rows_written} orders were written; the next sync resumes)")]
    Source {
        /// What was being fetched.
        context: &'static str,
        /// Orders written in this run before the failure.
        rows_written: u64,
        /// The source's error.
        #[source]
        source: SourceError,
    },
    /// A value could not be encoded for storage.
    #[error("encoding {what} of order {id}")]
    Encode {
        /// Which part.
        what: &'static str,
        /// The order.
        id: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
}

impl SyncError {
    /// `map_err` helper: a database error with its context.
    pub(crate) fn db(context: &'static str) -> impl FnOnce(rusqlite::Error) -> SyncError {
        move |source| SyncError::Database { context, source }
    }
}
