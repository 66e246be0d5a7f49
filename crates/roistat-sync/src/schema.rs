//! The database schema, versioned by `PRAGMA user_version`.
//!
//! Each entry of [`MIGRATIONS`] moves the schema one version up and runs in the same
//! transaction as the version bump, so a database is always at exactly one version.
//! Migrations are append-only: a released one is never edited.

use rusqlite::{Connection, TransactionBehavior};

use crate::SyncError;

/// The schema version this crate writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Version `i + 1` is reached by running `MIGRATIONS[i]`.
const MIGRATIONS: &[&str] = &[
    // 1: orders, the dictionaries, and the run log.
    r#"
    CREATE TABLE orders (
        id            TEXT PRIMARY KEY NOT NULL,
        url           TEXT,
        source_type   TEXT,
        creation_date TEXT,          -- ISO 8601, UTC: 2024-03-01T12:00:00Z
        update_date   TEXT,
        revenue       REAL,
        cost          REAL,
        client_id     TEXT,
        visit_id      TEXT,
        status_id     TEXT,
        status_name   TEXT,
        status_type   TEXT,          -- the status group: unused, progress, paid, canceled
        custom_fields TEXT NOT NULL DEFAULT '{}',  -- JSON object
        visit         TEXT,          -- JSON object (only with --with-visits)
        deleted_at    TEXT,          -- set by a full sync that no longer finds the order
        synced_at     TEXT NOT NULL, -- when a sync last saw the order
        seen_run      INTEGER NOT NULL,  -- sync_runs.id of that sync
        row_hash      INTEGER NOT NULL   -- of the fields above except visit: change detection
    );
    CREATE INDEX orders_creation_date ON orders (creation_date);
    CREATE INDEX orders_update_date ON orders (update_date);
    CREATE INDEX orders_status_type ON orders (status_type, creation_date);
    -- (keep in step with ORDER_INDEXES)

    CREATE TABLE statuses (
        id   TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL
    );

    CREATE TABLE custom_field_names (
        name     TEXT PRIMARY KEY NOT NULL,
        position INTEGER NOT NULL
    );

    CREATE TABLE sync_runs (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at     TEXT NOT NULL,
        ended_at       TEXT,
        mode           TEXT NOT NULL,     -- full, incremental
        filter         TEXT,              -- the --where filter, as text
        with_visits    INTEGER NOT NULL,
        since          TEXT,              -- incremental: the window's start
        pid            INTEGER NOT NULL,
        rows_upserted  INTEGER NOT NULL DEFAULT 0,
        rows_new       INTEGER NOT NULL DEFAULT 0,
        rows_updated   INTEGER NOT NULL DEFAULT 0,
        rows_unchanged INTEGER NOT NULL DEFAULT 0,
        rows_deleted   INTEGER NOT NULL DEFAULT 0,
        requests       INTEGER,           -- null where the source does not count them
        refusals       INTEGER,
        outcome        TEXT NOT NULL,     -- running, complete, interrupted, failed
        error          TEXT
    );
    "#,
];

/// The secondary indexes of `orders`, as the latest migration leaves them: a first
/// sync into an empty table drops them and builds them once at the end, which is
/// several times faster than keeping them up to date row by row (random dates dirty
/// most index pages of every batch).
const ORDER_INDEXES: &[(&str, &str)] = &[
    ("orders_creation_date", "orders (creation_date)"),
    ("orders_update_date", "orders (update_date)"),
    ("orders_status_type", "orders (status_type, creation_date)"),
];

/// Drops the secondary indexes of `orders` (see [`ORDER_INDEXES`]).
pub(crate) fn drop_order_indexes(conn: &Connection) -> Result<(), SyncError> {
    for (name, _) in ORDER_INDEXES {
        conn.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))
            .map_err(SyncError::db("dropping an index for the first sync"))?;
    }
    Ok(())
}

/// Creates whichever secondary indexes of `orders` are missing: after a first sync,
/// and on every open (a first sync that crashed left them dropped).
pub(crate) fn ensure_order_indexes(conn: &Connection) -> Result<(), SyncError> {
    for (name, on) in ORDER_INDEXES {
        conn.execute_batch(&format!("CREATE INDEX IF NOT EXISTS {name} ON {on}"))
            .map_err(SyncError::db("building an index"))?;
    }
    Ok(())
}

/// Brings the schema up to [`SCHEMA_VERSION`]; refuses a database from a newer version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), SyncError> {
    // IMMEDIATE: two processes opening a new file at once must not both migrate.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(SyncError::db("starting the schema migration"))?;
    let found: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(SyncError::db("reading the schema version"))?;
    if found > SCHEMA_VERSION {
        return Err(SyncError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let version = i as i64 + 1;
        tx.execute_batch(sql)
            .map_err(SyncError::db("applying a schema migration"))?;
        // PRAGMA takes no parameters; the value is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))
            .map_err(SyncError::db("recording the schema version"))?;
        tracing::info!(version, "schema migrated");
    }
    tx.commit()
        .map_err(SyncError::db("committing the schema migration"))
}

/// The schema version of an open database.
pub(crate) fn version(conn: &Connection) -> Result<i64, SyncError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(SyncError::db("reading the schema version"))
}
