//! The mirror: opening the database, planning a run, walking, writing, recording.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use roistat_types::{Filter, ListOrdersRequest, Order};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use crate::lock::{LockError, SyncLock};
use crate::source::{OrderSource, OrderStream};
use crate::write::{Counts, iso_utc, write_batch};
use crate::{SyncError, schema};

/// The default safety margin of an incremental sync: one hour.
///
/// An incremental sync asks for orders changed since the last complete run *started*,
/// minus this margin. The margin absorbs what makes `update_date` lag behind the moment
/// a change becomes visible: the clock difference between this machine and Roistat's,
/// and above all the CRM integration, which delivers deals to Roistat in periodic
/// batches stamped with the CRM's own time of change. An hour covers both with room to
/// spare, and costs little: re-fetching an order that did not change only moves its
/// `synced_at`.
pub const DEFAULT_MARGIN: Duration = Duration::from_secs(3600);

/// Rows written per transaction by default.
pub const DEFAULT_BATCH_SIZE: usize = 1000;

/// Ids per lookup when a full sync checks, before marking them deleted, that the
/// orders its walk did not see are really gone.
const CONFIRM_CHUNK: usize = 200;

/// How a run walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncMode {
    /// Every order (the filter's, if any); marks the ones no longer there as deleted.
    Full,
    /// Only orders changed or created since the last complete run, minus the margin.
    Incremental,
}

impl SyncMode {
    /// `full` or `incremental`, as stored in `sync_runs.mode`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::Full => "full",
            SyncMode::Incremental => "incremental",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The walk finished.
    Complete,
    /// `should_stop` asked to stop; everything written so far is committed.
    Interrupted,
    /// The source or the database failed; everything written so far is committed.
    Failed,
}

impl Outcome {
    /// `complete`, `interrupted` or `failed`, as stored in `sync_runs.outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Complete => "complete",
            Outcome::Interrupted => "interrupted",
            Outcome::Failed => "failed",
        }
    }
}

/// What a sync does.
///
/// ```
/// use std::time::Duration;
/// use roistat_sync::SyncOptions;
/// use roistat_types::Filter;
///
/// let options = SyncOptions::new()
///     .full(true)
///     .with_visits(true)
///     .filter(Some(Filter::revenue().gt(0)))
///     .margin(Duration::from_secs(600));
/// assert!(options.is_full());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    full: bool,
    with_visits: bool,
    filter: Option<Filter>,
    margin: Duration,
    batch_size: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            full: false,
            with_visits: false,
            filter: None,
            margin: DEFAULT_MARGIN,
            batch_size: DEFAULT_BATCH_SIZE,
        }
    }
}

impl SyncOptions {
    /// Incremental, no visits, every order, [`DEFAULT_MARGIN`], [`DEFAULT_BATCH_SIZE`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Walk everything and mark orders no longer there as deleted (without a filter).
    pub fn full(mut self, full: bool) -> Self {
        self.full = full;
        self
    }

    /// Whether a full walk was asked for.
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// Fetch and store each order's visit (`extend: ["visit"]`, stricter rate limits).
    pub fn with_visits(mut self, on: bool) -> Self {
        self.with_visits = on;
        self
    }

    /// Mirror only the orders this filter selects. Runs with different filters keep
    /// separate watermarks; a filtered full sync marks nothing deleted (what it does
    /// not see may simply be outside the filter).
    pub fn filter(mut self, filter: Option<Filter>) -> Self {
        self.filter = filter;
        self
    }

    /// The incremental safety margin (see [`DEFAULT_MARGIN`]).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Orders per transaction (at least 1).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }
}

/// Where a run is, for a progress bar: reported after every committed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncProgress {
    /// The run's mode.
    pub mode: SyncMode,
    /// Orders written so far.
    pub rows: u64,
    /// How many the walk selects, once the source knows.
    pub total: Option<u64>,
}

/// What a run did (also stored in `sync_runs`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SyncSummary {
    /// `sync_runs.id`.
    pub run_id: i64,
    /// How it walked.
    pub mode: SyncMode,
    /// How it ended.
    pub outcome: Outcome,
    /// Incremental: the start of the window.
    pub since: Option<OffsetDateTime>,
    /// Orders written (new + updated + unchanged).
    pub rows: u64,
    /// Orders not in the mirror before.
    pub new: u64,
    /// Orders that changed (or came back after being marked deleted).
    pub updated: u64,
    /// Orders fetched again with no change.
    pub unchanged: u64,
    /// Orders newly marked deleted.
    pub deleted: u64,
    /// Whether this run checked for deleted orders (a complete, unfiltered full run).
    pub checked_deletions: bool,
    /// Requests sent, where the source counts them.
    pub requests: Option<u64>,
    /// Rate-limit refusals met, where the source counts them.
    pub refusals: Option<u64>,
    /// Wall-clock time.
    pub elapsed: Duration,
}

/// A local SQLite mirror of a project's orders.
///
/// ```no_run
/// use roistat_sync::{Mirror, SyncOptions};
///
/// let client = roistat_blocking::Client::from_env()?;
/// let mut mirror = Mirror::open("roistat.sqlite")?;
/// let summary = mirror.sync(&client, &SyncOptions::new(), &mut |_| {}, &|| false)?;
/// println!("{} new, {} updated", summary.new, summary.updated);
/// let paid: f64 = mirror.connection().query_row(
///     "SELECT coalesce(sum(revenue), 0) FROM orders WHERE status_type = 'paid' AND deleted_at IS NULL",
///     [],
///     |r| r.get(0),
/// )?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Mirror {
    conn: Connection,
    path: PathBuf,
}

/// What [`Mirror::sync`] decided to do.
struct Plan {
    mode: SyncMode,
    since: Option<OffsetDateTime>,
}

/// A run's running totals.
#[derive(Default)]
struct Tally {
    counts: Counts,
    deleted: u64,
    /// `None` once any walk did not count its requests.
    requests: Option<u64>,
    /// `None` once any walk did not count its rate-limit refusals.
    refusals: Option<u64>,
}

impl Tally {
    fn add_requests(&mut self, n: Option<u64>) {
        self.requests = match (self.requests, n) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }

    fn add_refusals(&mut self, n: Option<u64>) {
        self.refusals = match (self.refusals, n) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }
}

impl Mirror {
    /// Opens (or creates) the mirror at `path` and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Mirror, SyncError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path).map_err(SyncError::db("opening the database"))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(SyncError::db("configuring the database"))?;
        // WAL: readers (sqlite3, a dashboard) never block the sync, nor it them.
        // synchronous=NORMAL: a commit is atomic and the file consistent after any crash;
        // an OS crash may lose the last commits, which the next sync fetches again.
        // Fewer, larger checkpoints (each one fsyncs): 64 MiB of WAL between them,
        // truncated back to that size after; a 64 MiB page cache.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384; \
             PRAGMA journal_size_limit = 67108864;",
        )
        .map_err(SyncError::db("configuring the database"))?;
        schema::migrate(&mut conn)?;
        // A first sync killed mid-walk left its indexes dropped; one still running will
        // build them itself (and must not be slowed down by them meanwhile).
        if let Ok(_lock) = SyncLock::try_acquire(&path) {
            schema::ensure_order_indexes(&conn)?;
        }
        Ok(Mirror { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for queries (and for writes of your own, at your risk).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, SyncError> {
        schema::version(&self.conn)
    }

    /// Brings the mirror up to date from `source`.
    ///
    /// `progress` is called after every committed batch; `should_stop` before every
    /// order (return `true` to stop cleanly: the run is recorded as interrupted and
    /// the next one resumes). A second sync on the same file, from this process or
    /// another, answers [`SyncError::Busy`].
    ///
    /// Which walk: `options.full`, or no complete run yet for this filter, or the last
    /// full run was cut short: a full walk. Otherwise incremental, from the last
    /// complete run's start minus the margin.
    pub fn sync<S: OrderSource + ?Sized>(
        &mut self,
        source: &S,
        options: &SyncOptions,
        progress: &mut dyn FnMut(&SyncProgress),
        should_stop: &dyn Fn() -> bool,
    ) -> Result<SyncSummary, SyncError> {
        let started = Instant::now();
        let _lock = match SyncLock::try_acquire(&self.path) {
            Ok(lock) => lock,
            Err(LockError::Busy) => {
                return Err(SyncError::Busy {
                    path: self.path.clone(),
                    holder: self.running_holder(),
                });
            }
            Err(LockError::Other(e)) => return Err(e),
        };
        self.close_abandoned_runs()?;
        let plan = self.plan(options)?;
        let run_id = self.start_run(options, &plan)?;
        tracing::info!(run_id, mode = plan.mode.as_str(), since = ?plan.since, "sync started");

        let mut tally = Tally {
            requests: Some(0),
            refusals: Some(0),
            ..Tally::default()
        };
        // A first sync fills an empty table: index it once at the end instead.
        let bulk_load = self.is_empty()?;
        if bulk_load {
            schema::drop_order_indexes(&self.conn)?;
        }
        let mut result = self.run(
            source,
            options,
            &plan,
            run_id,
            progress,
            should_stop,
            &mut tally,
        );
        if bulk_load && let Err(e) = schema::ensure_order_indexes(&self.conn) {
            result = result.and(Err(e));
        }
        let (outcome, error) = match &result {
            Ok(outcome) => (*outcome, None),
            Err(e) => (Outcome::Failed, Some(error_chain(e))),
        };
        self.finish_run(run_id, outcome, &tally, error.as_deref())?;
        let checked_deletions = matches!(result, Ok(Outcome::Complete)) && deletes(options, &plan);
        result?;
        Ok(SyncSummary {
            run_id,
            mode: plan.mode,
            outcome,
            since: plan.since,
            rows: tally.counts.total(),
            new: tally.counts.new,
            updated: tally.counts.updated,
            unchanged: tally.counts.unchanged,
            deleted: tally.deleted,
            checked_deletions,
            requests: tally.requests,
            refusals: tally.refusals,
            elapsed: started.elapsed(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn run<S: OrderSource + ?Sized>(
        &mut self,
        source: &S,
        options: &SyncOptions,
        plan: &Plan,
        run_id: i64,
        progress: &mut dyn FnMut(&SyncProgress),
        should_stop: &dyn Fn() -> bool,
        tally: &mut Tally,
    ) -> Result<Outcome, SyncError> {
        let fail = |context| {
            move |e: S::Error| SyncError::Source {
                context,
                rows_written: 0,
                source: Box::new(e),
            }
        };
        // The dictionaries first: small, and they give the orders' statuses names.
        let statuses = match source.statuses() {
            Err(_) if should_stop() => return Ok(Outcome::Interrupted),
            other => other.map_err(fail("fetching the status dictionary"))?,
        };
        let fields = match source.custom_field_names() {
            Err(_) if should_stop() => return Ok(Outcome::Interrupted),
            other => other.map_err(fail("fetching the custom field names"))?,
        };
        tally.add_requests(Some(2));
        self.replace_dictionaries(&statuses, &fields)?;

        let mut request = ListOrdersRequest::new();
        let window = plan.since.map(|since| {
            // Where update_date is null, the creation date counts (an or of the two:
            // an order with neither never changes, so the first walk has it).
            Filter::update_date()
                .ge(since)
                .or(Filter::creation_date().ge(since))
        });
        match (options.filter.clone(), window) {
            (Some(f), Some(w)) => request = request.filter(Filter::all([f, w])),
            (Some(f), None) | (None, Some(f)) => request = request.filter(f),
            (None, None) => {}
        }
        if options.with_visits {
            request = request.with_visits();
        }
        let walk = Walk {
            run_id,
            mode: plan.mode,
            with_visits: options.with_visits,
            batch_size: options.batch_size,
        };
        if !walk.run(self, source.orders(request), progress, should_stop, tally)? {
            return Ok(Outcome::Interrupted);
        }
        if deletes(options, plan) {
            if !self.confirm_unseen(source, &walk, should_stop, tally)? {
                return Ok(Outcome::Interrupted);
            }
            tally.deleted = self.mark_unseen_deleted(run_id)?;
        }
        Ok(Outcome::Complete)
    }

    /// Orders the full walk did not see may still exist: a delete during the walk
    /// shifts later pages and can hide one. Looks each of them up by id and writes
    /// those found, so only orders that are really gone get marked deleted.
    fn confirm_unseen<S: OrderSource + ?Sized>(
        &mut self,
        source: &S,
        walk: &Walk,
        should_stop: &dyn Fn() -> bool,
        tally: &mut Tally,
    ) -> Result<bool, SyncError> {
        let unseen: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id FROM orders WHERE deleted_at IS NULL AND seen_run != ?1")
                .map_err(SyncError::db("listing orders the walk did not see"))?;
            stmt.query_map([walk.run_id], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(SyncError::db("listing orders the walk did not see"))?
        };
        if !unseen.is_empty() {
            tracing::info!(count = unseen.len(), "checking orders the walk did not see");
        }
        // Without visits: the cheaper rate tier; the stored visits stay as they are.
        let lookup = Walk {
            with_visits: false,
            ..*walk
        };
        for chunk in unseen.chunks(CONFIRM_CHUNK) {
            let request = ListOrdersRequest::new()
                .filter(Filter::id().in_(chunk.iter().cloned()))
                .limit(CONFIRM_CHUNK as u32);
            if !lookup.run(
                self,
                source.orders(request),
                &mut |_| {},
                should_stop,
                tally,
            )? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn mark_unseen_deleted(&mut self, run_id: i64) -> Result<u64, SyncError> {
        let now = iso_utc(&OffsetDateTime::now_utc());
        let n = self
            .conn
            .execute(
                "UPDATE orders SET deleted_at = ?1 WHERE deleted_at IS NULL AND seen_run != ?2",
                params![now, run_id],
            )
            .map_err(SyncError::db("marking deleted orders"))?;
        Ok(n as u64)
    }

    fn replace_dictionaries(
        &mut self,
        statuses: &[roistat_types::Status],
        fields: &[String],
    ) -> Result<(), SyncError> {
        let tx = self
            .conn
            .transaction()
            .map_err(SyncError::db("starting the dictionary update"))?;
        tx.execute("DELETE FROM statuses", [])
            .map_err(SyncError::db("clearing the statuses"))?;
        tx.execute("DELETE FROM custom_field_names", [])
            .map_err(SyncError::db("clearing the custom field names"))?;
        {
            let mut insert = tx
                .prepare("INSERT OR REPLACE INTO statuses (id, name, type) VALUES (?1, ?2, ?3)")
                .map_err(SyncError::db("writing the statuses"))?;
            for s in statuses {
                insert
                    .execute(params![s.id.as_str(), s.name, s.r#type.as_str()])
                    .map_err(SyncError::db("writing the statuses"))?;
            }
            let mut insert = tx
                .prepare(
                    "INSERT OR IGNORE INTO custom_field_names (name, position) VALUES (?1, ?2)",
                )
                .map_err(SyncError::db("writing the custom field names"))?;
            for (i, name) in fields.iter().enumerate() {
                insert
                    .execute(params![name, i as i64])
                    .map_err(SyncError::db("writing the custom field names"))?;
            }
        }
        tx.commit()
            .map_err(SyncError::db("committing the dictionaries"))
    }

    fn is_empty(&self) -> Result<bool, SyncError> {
        self.conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM orders)", [], |r| r.get(0))
            .map_err(SyncError::db("counting orders"))
    }

    fn plan(&self, options: &SyncOptions) -> Result<Plan, SyncError> {
        let full = Plan {
            mode: SyncMode::Full,
            since: None,
        };
        if options.full {
            return Ok(full);
        }
        let filter = options.filter.as_ref().map(|f| f.to_string());
        // A full walk cut short is finished first: its deletions are still unmarked.
        let last_full: Option<String> = self
            .conn
            .query_row(
                "SELECT outcome FROM sync_runs WHERE mode = 'full' AND filter IS ?1 \
                 ORDER BY id DESC LIMIT 1",
                [&filter],
                |r| r.get(0),
            )
            .optional()
            .map_err(SyncError::db("reading the run log"))?;
        if last_full.is_some_and(|o| o != Outcome::Complete.as_str()) {
            return Ok(full);
        }
        // A run with visits serves one without, not the other way round.
        let watermark: Option<String> = self
            .conn
            .query_row(
                "SELECT started_at FROM sync_runs WHERE outcome = 'complete' AND filter IS ?1 \
                 AND with_visits >= ?2 ORDER BY id DESC LIMIT 1",
                params![filter, options.with_visits],
                |r| r.get(0),
            )
            .optional()
            .map_err(SyncError::db("reading the run log"))?;
        let Some(started) = watermark.and_then(|s| roistat_types::date::parse(&s).ok()) else {
            return Ok(full);
        };
        Ok(Plan {
            mode: SyncMode::Incremental,
            since: Some(started - options.margin),
        })
    }

    fn start_run(&mut self, options: &SyncOptions, plan: &Plan) -> Result<i64, SyncError> {
        self.conn
            .execute(
                "INSERT INTO sync_runs (started_at, mode, filter, with_visits, since, pid, \
                 outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running')",
                params![
                    iso_utc(&OffsetDateTime::now_utc()),
                    plan.mode.as_str(),
                    options.filter.as_ref().map(|f| f.to_string()),
                    options.with_visits,
                    plan.since.as_ref().map(iso_utc),
                    i64::from(std::process::id()),
                ],
            )
            .map_err(SyncError::db("recording the run"))?;
        Ok(self.conn.last_insert_rowid())
    }

    fn finish_run(
        &mut self,
        run_id: i64,
        outcome: Outcome,
        tally: &Tally,
        error: Option<&str>,
    ) -> Result<(), SyncError> {
        self.conn
            .execute(
                "UPDATE sync_runs SET ended_at = ?2, outcome = ?3, error = ?4, \
                 rows_upserted = ?5, rows_new = ?6, rows_updated = ?7, rows_unchanged = ?8, \
                 rows_deleted = ?9, requests = ?10, refusals = ?11 WHERE id = ?1",
                params![
                    run_id,
                    iso_utc(&OffsetDateTime::now_utc()),
                    outcome.as_str(),
                    error,
                    tally.counts.total() as i64,
                    tally.counts.new as i64,
                    tally.counts.updated as i64,
                    tally.counts.unchanged as i64,
                    tally.deleted as i64,
                    tally.requests.map(|n| n as i64),
                    tally.refusals.map(|n| n as i64),
                ],
            )
            .map_err(SyncError::db("recording the run's outcome"))?;
        tracing::info!(run_id, outcome = outcome.as_str(), "sync ended");
        Ok(())
    }

    /// Runs still marked running once we hold the lock died without a word.
    fn close_abandoned_runs(&mut self) -> Result<(), SyncError> {
        let n = self
            .conn
            .execute(
                "UPDATE sync_runs SET outcome = 'interrupted', \
                 error = 'the process ended before recording an outcome' \
                 WHERE outcome = 'running'",
                [],
            )
            .map_err(SyncError::db("closing abandoned runs"))?;
        if n > 0 {
            tracing::warn!(
                runs = n,
                "an earlier sync ended without recording an outcome"
            );
        }
        Ok(())
    }

    fn running_holder(&self) -> Option<String> {
        self.conn
            .query_row(
                "SELECT pid, started_at FROM sync_runs WHERE outcome = 'running' \
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(format!(
                        "pid {}, started {}",
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?
                    ))
                },
            )
            .ok()
    }
}

/// Whether a run marks deletions: a full walk over everything.
fn deletes(options: &SyncOptions, plan: &Plan) -> bool {
    plan.mode == SyncMode::Full && options.filter.is_none()
}

/// An error with its causes, for the run log.
fn error_chain(e: &SyncError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// One walk over a source's orders, written batch by batch.
#[derive(Clone, Copy)]
struct Walk {
    run_id: i64,
    mode: SyncMode,
    with_visits: bool,
    batch_size: usize,
}

impl Walk {
    /// Writes every order of `stream`. `Ok(false)` if `should_stop` stopped it.
    fn run<E: std::error::Error + Send + Sync + 'static>(
        &self,
        mirror: &mut Mirror,
        mut stream: Box<dyn OrderStream<E> + '_>,
        progress: &mut dyn FnMut(&SyncProgress),
        should_stop: &dyn Fn() -> bool,
        tally: &mut Tally,
    ) -> Result<bool, SyncError> {
        let mut batch: Vec<Order> = Vec::with_capacity(self.batch_size.min(10_000));
        let outcome = loop {
            if should_stop() {
                break Ok(false);
            }
            match stream.next() {
                None => break Ok(true),
                Some(Ok(order)) => {
                    batch.push(order);
                    if batch.len() >= self.batch_size {
                        self.flush(mirror, &mut batch, tally)?;
                        progress(&SyncProgress {
                            mode: self.mode,
                            rows: tally.counts.total(),
                            total: stream.total(),
                        });
                    }
                }
                // A stop can cancel the request in flight (a client wired to Ctrl-C):
                // the error it causes is the stop, not a failure.
                Some(Err(_)) if should_stop() => break Ok(false),
                Some(Err(e)) => {
                    break Err(SyncError::Source {
                        context: "fetching the order list",
                        rows_written: tally.counts.total() + batch.len() as u64,
                        source: Box::new(e),
                    });
                }
            }
        };
        // What arrived before a stop or an error is good: keep it.
        self.flush(mirror, &mut batch, tally)?;
        // A failed page was sent too.
        let failed = u64::from(outcome.is_err());
        tally.add_requests(stream.requests().map(|n| n + failed));
        tally.add_refusals(stream.refusals());
        progress(&SyncProgress {
            mode: self.mode,
            rows: tally.counts.total(),
            total: stream.total(),
        });
        outcome
    }

    /// Writes `batch` in one transaction, with the run's counters.
    fn flush(
        &self,
        mirror: &mut Mirror,
        batch: &mut Vec<Order>,
        tally: &mut Tally,
    ) -> Result<(), SyncError> {
        if batch.is_empty() {
            return Ok(());
        }
        let tx = mirror
            .conn
            .transaction()
            .map_err(SyncError::db("starting a batch"))?;
        let synced_at = iso_utc(&OffsetDateTime::now_utc());
        let counts = write_batch(&tx, batch, self.with_visits, self.run_id, &synced_at)?;
        let mut total = tally.counts;
        total.merge(counts);
        // The run's counters move with the rows, so a crash leaves them true.
        tx.execute(
            "UPDATE sync_runs SET rows_upserted = ?2, rows_new = ?3, rows_updated = ?4, \
             rows_unchanged = ?5 WHERE id = ?1",
            params![
                self.run_id,
                total.total() as i64,
                total.new as i64,
                total.updated as i64,
                total.unchanged as i64
            ],
        )
        .map_err(SyncError::db("updating the run's counters"))?;
        tx.commit().map_err(SyncError::db("committing a batch"))?;
        tally.counts = total;
        batch.clear();
        Ok(())
    }
}
