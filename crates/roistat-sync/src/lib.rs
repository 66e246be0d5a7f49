//! A local SQL mirror of a [Roistat] project's orders: SQLite, incremental, crash-safe.
//!
//! ```no_run
//! use roistat_sync::{Mirror, SyncOptions};
//!
//! let client = roistat_blocking::Client::from_env()?;
//! let mut mirror = Mirror::open("roistat.sqlite")?;
//! // The first run walks everything; later runs fetch what changed since.
//! let summary = mirror.sync(&client, &SyncOptions::new(), &mut |p| {
//!     eprintln!("{} of {:?}", p.rows, p.total);
//! }, &|| false)?;
//! println!("{} new, {} updated, {} unchanged", summary.new, summary.updated, summary.unchanged);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The database
//!
//! - `orders`: one row per order, `id` the primary key; typed columns for every field
//!   (`creation_date`, `update_date` as ISO 8601 text in UTC such as
//!   `2024-03-01T12:00:00Z`; `revenue`, `cost` as REAL; `status_id`, `status_name`,
//!   `status_type` (the group)); `custom_fields` and `visit` as JSON text for SQLite's
//!   JSON functions (`custom_fields ->> '$.Manager'`); `deleted_at` (set by a full sync
//!   that no longer finds the order: rows are never dropped), `synced_at`.
//! - `statuses` (the dictionary), `custom_field_names`.
//! - `sync_runs`: one row per run (mode, counts, requests, outcome, error).
//!
//! The schema is versioned by `PRAGMA user_version` and migrated on [`Mirror::open`].
//!
//! # Guarantees
//!
//! - **Incremental**: without `full`, a run fetches orders whose `update_date` (or
//!   `creation_date`) is at or after the last complete run's start minus a margin
//!   ([`DEFAULT_MARGIN`]), and upserts them by id.
//! - **Deletions**: a complete full run without a filter marks orders it no longer
//!   finds (after looking each up by id) with `deleted_at`; an order seen again clears it.
//! - **Crash-safe**: each batch of orders is one transaction; a run stopped by
//!   `should_stop`, an error, a crash or a kill leaves a consistent database and is
//!   recorded as interrupted (or failed). The next run resumes: an unfinished full
//!   walk is walked again in full, an incremental window is not advanced until a run
//!   completes, and rows are upserted by id, so nothing is lost or doubled.
//! - **One at a time**: a second sync on the same file gets [`SyncError::Busy`]. The lock
//!   is an OS lock on a `<db>.lock` file beside the database, so a crashed or killed sync
//!   cannot leave it stuck.
//!
//! [Roistat]: https://roistat.com
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod error;
mod lock;
mod mirror;
mod schema;
mod source;
mod write;

pub use error::{SourceError, SyncError};
pub use mirror::{
    DEFAULT_BATCH_SIZE, DEFAULT_MARGIN, Mirror, Outcome, SyncMode, SyncOptions, SyncProgress,
    SyncSummary,
};
pub use schema::SCHEMA_VERSION;
pub use source::{OrderSource, OrderStream, Uncounted};

/// SQLite, re-exported: [`Mirror::connection`] is a [`rusqlite::Connection`].
pub use rusqlite;
