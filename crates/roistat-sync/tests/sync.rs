//! The mirror against roistat-mock, through the blocking client.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use roistat_blocking::Client;
use roistat_blocking::ScheduleConfig;
use roistat_mock::MockServer;
use roistat_sync::{
    Mirror, OrderSource, OrderStream, Outcome, SCHEMA_VERSION, SyncError, SyncMode, SyncOptions,
};
use roistat_types::{Filter, ListOrdersRequest, NewOrder, Order, OrderId, Status, date};

/// A fresh database path under cargo's per-test temporary directory.
fn db_path(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "roistat-sync-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("mirror.sqlite")
}

fn server(orders: usize) -> MockServer {
    MockServer::builder()
        .orders(orders)
        .seed(7)
        .start()
        .unwrap()
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .project(server.project())
        .api_key(server.api_key())
        .base_url(server.base_url())
        .timeout(Duration::from_secs(20))
        .rate_limits(ScheduleConfig::disabled())
        .build()
        .unwrap()
}

fn sync(mirror: &mut Mirror, client: &Client, options: &SyncOptions) -> roistat_sync::SyncSummary {
    mirror
        .sync(client, options, &mut |_| {}, &|| false)
        .unwrap()
}

/// The secondary indexes of `orders`.
const INDEXES: &str = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'orders\\_%' ESCAPE '\\'";

fn count(mirror: &Mirror, sql: &str) -> i64 {
    mirror
        .connection()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn ids(mirror: &Mirror, sql: &str) -> BTreeSet<String> {
    let mut stmt = mirror.connection().prepare(sql).unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn store_ids(server: &MockServer) -> BTreeSet<String> {
    server
        .store()
        .orders()
        .iter()
        .map(|o| o.id.to_string())
        .collect()
}

fn iso(d: Option<time::OffsetDateTime>) -> Option<String> {
    d.map(|d| {
        let s = date::format(&d); // 2016-06-19T00:32:12+0000
        format!("{}Z", &s[..19])
    })
}

/// Compares one stored row with the server's order, column by column.
fn assert_row_matches(mirror: &Mirror, order: &Order, with_visit: bool) {
    let row = mirror
        .connection()
        .query_row(
            "SELECT url, source_type, creation_date, update_date, revenue, cost, client_id, \
             visit_id, status_id, status_name, status_type, custom_fields, visit, deleted_at \
             FROM orders WHERE id = ?1",
            [order.id.as_str()],
            |r| {
                Ok((
                    (
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<f64>>(4)?,
                        r.get::<_, Option<f64>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ),
                    (
                        r.get::<_, Option<String>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<String>>(9)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, String>(11)?,
                        r.get::<_, Option<String>>(12)?,
                        r.get::<_, Option<String>>(13)?,
                    ),
                ))
            },
        )
        .unwrap_or_else(|e| panic!("order {} not mirrored: {e}", order.id));
    let (a, b) = row;
    let id = &order.id;
    assert_eq!(a.0, order.url, "url of {id}");
    assert_eq!(a.1, order.source_type, "source_type of {id}");
    assert_eq!(a.2, iso(order.creation_date), "creation_date of {id}");
    assert_eq!(a.3, iso(order.update_date), "update_date of {id}");
    assert_eq!(a.4, order.revenue, "revenue of {id}");
    assert_eq!(a.5, order.cost, "cost of {id}");
    assert_eq!(a.6.as_deref(), order.client_id.as_ref().map(|c| c.as_str()));
    assert_eq!(b.0.as_deref(), order.visit_id.as_ref().map(|v| v.as_str()));
    let status = order.status.as_ref();
    assert_eq!(
        b.1.as_deref(),
        status.map(|s| s.id.as_str()),
        "status of {id}"
    );
    assert_eq!(b.2.as_deref(), status.map(|s| s.name.as_str()));
    assert_eq!(b.3.as_deref(), status.map(|s| s.r#type.as_str()));
    let fields: serde_json::Value = serde_json::from_str(&b.4).unwrap();
    assert_eq!(
        fields,
        serde_json::to_value(&order.custom_fields).unwrap(),
        "fields of {id}"
    );
    if with_visit {
        let stored =
            b.5.map(|v| serde_json::from_str::<serde_json::Value>(&v).unwrap());
        let expected = order
            .visit
            .as_ref()
            .map(|v| serde_json::to_value(v).unwrap());
        assert_eq!(stored, expected, "visit of {id}");
    }
    assert_eq!(b.6, None, "deleted_at of {id}");
}

#[test]
fn a_first_sync_mirrors_the_project() {
    let server = server(2_500);
    let client = client(&server);
    let path = db_path("first");
    let mut mirror = Mirror::open(&path).unwrap();
    let mut reports = Vec::new();
    let summary = mirror
        .sync(
            &client,
            &SyncOptions::new().with_visits(true),
            &mut |p| reports.push(p.rows),
            &|| false,
        )
        .unwrap();

    let expected = server.store().order_count() as u64;
    assert_eq!(summary.mode, SyncMode::Full);
    assert_eq!(summary.outcome, Outcome::Complete);
    assert_eq!(
        (summary.new, summary.updated, summary.deleted),
        (expected, 0, 0)
    );
    assert_eq!(summary.rows, expected);
    assert!(summary.checked_deletions);
    assert_eq!(
        count(&mirror, "SELECT count(*) FROM orders") as u64,
        expected
    );
    assert_eq!(ids(&mirror, "SELECT id FROM orders"), store_ids(&server));
    // The first sync loads without its secondary indexes, then builds them.
    assert_eq!(count(&mirror, INDEXES), 3);
    // Progress moves up to the end, batch by batch.
    assert!(reports.windows(2).all(|w| w[0] <= w[1]), "{reports:?}");
    assert_eq!(reports.last().copied(), Some(expected));

    // Every 97th order, field by field, visit included; and the documented examples.
    let orders = server.store().orders();
    for order in orders.iter().step_by(97).chain(orders.iter().rev().take(5)) {
        assert_row_matches(&mirror, order, true);
    }

    // The dictionaries.
    let statuses = server.store().statuses();
    assert_eq!(
        count(&mirror, "SELECT count(*) FROM statuses") as usize,
        statuses.len()
    );
    for s in &statuses {
        let (name, ty): (String, String) = mirror
            .connection()
            .query_row(
                "SELECT name, type FROM statuses WHERE id = ?1",
                [s.id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (name.as_str(), ty.as_str()),
            (s.name.as_str(), s.r#type.as_str())
        );
    }
    let names = ids(&mirror, "SELECT name FROM custom_field_names");
    assert_eq!(
        names,
        server.store().custom_field_names().into_iter().collect()
    );

    // The run log: one complete full run with the counts, and the requests it made
    // (as the server saw them).
    let (mode, outcome, rows, new, requests): (String, String, i64, i64, Option<i64>) = mirror
        .connection()
        .query_row(
            "SELECT mode, outcome, rows_upserted, rows_new, requests FROM sync_runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!((mode.as_str(), outcome.as_str()), ("full", "complete"));
    assert_eq!((rows as u64, new as u64), (expected, expected));
    assert_eq!(requests, Some(server.requests().len() as i64));
    assert_eq!(summary.requests, Some(server.requests().len() as u64));

    // JSON columns answer SQLite's JSON functions.
    let with_source = count(
        &mirror,
        "SELECT count(*) FROM orders WHERE visit ->> '$.source.system_name' IS NOT NULL",
    );
    assert!(with_source > 0);
}

#[test]
fn an_incremental_sync_fetches_changes_and_a_full_sync_finds_deletes() {
    let server = server(1_200);
    let client = client(&server);
    let path = db_path("incremental");
    let mut mirror = Mirror::open(&path).unwrap();
    let first = sync(&mut mirror, &client, &SyncOptions::new());
    assert_eq!(first.mode, SyncMode::Full);
    let before = server.store().order_count() as i64;

    // Two new orders, one status change, one delete.
    client
        .add_orders(vec![
            NewOrder::new(OrderId::new("new-1").unwrap()).price(10.0),
            NewOrder::new(OrderId::new("new-2").unwrap()).price(20.0),
        ])
        .unwrap();
    let moved = server.store().orders()[10].clone();
    let target = server
        .store()
        .statuses()
        .into_iter()
        .find(|s| Some(&s.id) != moved.status.as_ref().map(|s: &Status| &s.id))
        .unwrap();
    client
        .update_order_status(moved.id.clone(), target.id.clone())
        .unwrap();
    let gone = server.store().orders()[20].id.clone();
    client.delete_order(gone.clone()).unwrap();

    let requests_before = server.requests().len();
    let second = sync(&mut mirror, &client, &SyncOptions::new());
    assert_eq!(second.mode, SyncMode::Incremental);
    assert_eq!(second.outcome, Outcome::Complete);
    assert!(second.since.is_some());
    // Only what changed came back: the two new orders and the moved one.
    assert_eq!((second.new, second.updated, second.unchanged), (2, 1, 0));
    assert_eq!((second.deleted, second.checked_deletions), (0, false));
    assert_eq!(count(&mirror, "SELECT count(*) FROM orders"), before + 2);
    // The list request carried the window: update_date or creation_date.
    let list = server.requests().all()[requests_before..]
        .iter()
        .find(|r| r.path.contains("order/list"))
        .map(|r| r.body_text())
        .unwrap();
    assert!(
        list.contains("update_date") && list.contains("creation_date"),
        "{list}"
    );
    let status: String = mirror
        .connection()
        .query_row(
            "SELECT status_id FROM orders WHERE id = ?1",
            [moved.id.as_str()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, target.id.as_str());
    assert_row_matches(
        &mirror,
        &server.store().order(moved.id.as_str()).unwrap(),
        false,
    );
    // An incremental run cannot see the delete.
    assert_eq!(
        count(
            &mirror,
            "SELECT count(*) FROM orders WHERE deleted_at IS NOT NULL"
        ),
        0
    );

    // A full run marks it, and keeps the row.
    let full = sync(&mut mirror, &client, &SyncOptions::new().full(true));
    assert_eq!(
        (full.mode, full.deleted, full.new, full.updated),
        (SyncMode::Full, 1, 0, 0)
    );
    assert_eq!(full.unchanged, before as u64 + 1);
    assert_eq!(
        ids(
            &mirror,
            "SELECT id FROM orders WHERE deleted_at IS NOT NULL"
        ),
        BTreeSet::from([gone.to_string()])
    );
    assert_eq!(count(&mirror, "SELECT count(*) FROM orders"), before + 2);

    // It comes back: seen again, deleted_at is cleared.
    client
        .add_orders(vec![NewOrder::new(gone.clone()).price(5.0)])
        .unwrap();
    let again = sync(&mut mirror, &client, &SyncOptions::new());
    assert_eq!((again.mode, again.updated), (SyncMode::Incremental, 1));
    assert_eq!(
        count(
            &mirror,
            "SELECT count(*) FROM orders WHERE deleted_at IS NOT NULL"
        ),
        0
    );

    // Nothing changed: an incremental run only moves synced_at.
    let quiet = sync(
        &mut mirror,
        &client,
        &SyncOptions::new().margin(Duration::ZERO),
    );
    assert_eq!((quiet.new, quiet.updated, quiet.deleted), (0, 0, 0));
}

#[test]
fn an_interrupted_first_sync_resumes_with_nothing_lost_or_doubled() {
    let server = server(3_000);
    let client = client(&server);
    let path = db_path("interrupted");
    let mut mirror = Mirror::open(&path).unwrap();
    let asked = Cell::new(0u32);
    let stop_after_1500 = || {
        asked.set(asked.get() + 1);
        asked.get() > 1_500
    };
    let options = SyncOptions::new().batch_size(400);
    let cut = mirror
        .sync(&client, &options, &mut |_| {}, &stop_after_1500)
        .unwrap();
    assert_eq!(
        (cut.mode, cut.outcome),
        (SyncMode::Full, Outcome::Interrupted)
    );
    assert_eq!(cut.rows, 1_500);
    assert!(!cut.checked_deletions);
    assert_eq!(count(&mirror, INDEXES), 3, "indexed even after a stop");
    // Every order received before the stop is committed, not just the full batches.
    assert_eq!(count(&mirror, "SELECT count(*) FROM orders"), 1_500);
    assert_eq!(
        count(
            &mirror,
            "SELECT count(*) FROM sync_runs WHERE outcome = 'interrupted' AND rows_upserted = 1500"
        ),
        1
    );

    // Meanwhile the project changes: new orders arrive at the head of the list, and
    // one already mirrored is deleted.
    client
        .add_orders(vec![
            NewOrder::new(OrderId::new("late-1").unwrap()),
            NewOrder::new(OrderId::new("late-2").unwrap()),
        ])
        .unwrap();
    let gone: String = mirror
        .connection()
        .query_row("SELECT id FROM orders ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    client
        .delete_order(OrderId::new(gone.clone()).unwrap())
        .unwrap();

    // Not asked for a full run, but the cut one is finished in full.
    let resumed = sync(&mut mirror, &client, &options);
    assert_eq!(
        (resumed.mode, resumed.outcome),
        (SyncMode::Full, Outcome::Complete)
    );
    assert_eq!(resumed.deleted, 1);
    let live = ids(&mirror, "SELECT id FROM orders WHERE deleted_at IS NULL");
    assert_eq!(live, store_ids(&server));
    assert_eq!(
        count(&mirror, "SELECT count(*) FROM orders"),
        server.store().order_count() as i64 + 1
    );
    assert_eq!(
        resumed.new as usize,
        server.store().order_count() - 1_500 + 1
    );

    // After that, incremental again.
    let next = sync(&mut mirror, &client, &options);
    assert_eq!(
        (next.mode, next.new, next.updated),
        (SyncMode::Incremental, 0, 0)
    );
}

/// The client, failing with a dropped connection after `fail_after` orders of the
/// first walk (then working again): a crash or an outage mid-walk.
struct FlakySource {
    client: Client,
    fail_after: usize,
    failed: Cell<bool>,
}

#[derive(Debug, thiserror::Error)]
#[error("connection reset by peer")]
struct Reset;

#[derive(Debug, thiserror::Error)]
enum FlakyError {
    #[error(transparent)]
    Client(#[from] roistat_blocking::Error),
    #[error(transparent)]
    Reset(#[from] Reset),
}

impl OrderSource for FlakySource {
    type Error = FlakyError;

    fn orders(&self, request: ListOrdersRequest) -> Box<dyn OrderStream<FlakyError> + '_> {
        let inner = self
            .client
            .orders(request)
            .map(|r| r.map_err(FlakyError::from));
        if self.failed.replace(true) {
            return Box::new(roistat_sync::Uncounted(inner));
        }
        let failing = inner
            .take(self.fail_after)
            .chain(std::iter::once(Err(FlakyError::Reset(Reset))));
        Box::new(roistat_sync::Uncounted(failing))
    }

    fn statuses(&self) -> Result<Vec<Status>, FlakyError> {
        Ok(self.client.list_statuses()?.data)
    }

    fn custom_field_names(&self) -> Result<Vec<String>, FlakyError> {
        Ok(self.client.custom_field_names()?)
    }
}

#[test]
fn a_failed_walk_is_recorded_and_the_next_run_completes_it() {
    let server = server(2_000);
    let source = FlakySource {
        client: client(&server),
        fail_after: 1_234,
        failed: Cell::new(false),
    };
    let path = db_path("failed");
    let mut mirror = Mirror::open(&path).unwrap();
    let err = mirror
        .sync(&source, &SyncOptions::new(), &mut |_| {}, &|| false)
        .unwrap_err();
    match &err {
        SyncError::Source { rows_written, .. } => assert_eq!(*rows_written, 1_234),
        other => panic!("expected a source error, got {other:?}"),
    }
    assert!(err.to_string().contains("the next sync resumes"), "{err}");
    assert_eq!(count(&mirror, "SELECT count(*) FROM orders"), 1_234);
    let (outcome, error): (String, String) = mirror
        .connection()
        .query_row("SELECT outcome, error FROM sync_runs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(outcome, "failed");
    assert!(error.contains("connection reset by peer"), "{error}");

    let second = mirror
        .sync(&source, &SyncOptions::new(), &mut |_| {}, &|| false)
        .unwrap();
    assert_eq!(
        (second.mode, second.outcome),
        (SyncMode::Full, Outcome::Complete)
    );
    assert_eq!(second.new as usize, server.store().order_count() - 1_234);
    assert_eq!(second.unchanged, 1_234);
    assert_eq!(ids(&mirror, "SELECT id FROM orders"), store_ids(&server));
    // The source did not count its requests: the run says so rather than guess.
    assert_eq!(second.requests, None);
}

/// A source that blocks its walk until told to go on, to hold a sync mid-run.
struct GatedSource {
    client: Client,
    started: mpsc::Sender<()>,
    go: std::sync::Mutex<mpsc::Receiver<()>>,
}

impl OrderSource for GatedSource {
    type Error = roistat_blocking::Error;

    fn orders(&self, request: ListOrdersRequest) -> Box<dyn OrderStream<Self::Error> + '_> {
        self.started.send(()).unwrap();
        self.go.lock().unwrap().recv().unwrap();
        Box::new(self.client.orders(request))
    }

    fn statuses(&self) -> Result<Vec<Status>, Self::Error> {
        Ok(self.client.list_statuses()?.data)
    }

    fn custom_field_names(&self) -> Result<Vec<String>, Self::Error> {
        self.client.custom_field_names()
    }
}

#[test]
fn a_second_sync_on_the_same_file_is_refused() {
    let server = server(300);
    let path = db_path("concurrent");
    let (started_tx, started_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel();
    let gated = GatedSource {
        client: client(&server),
        started: started_tx,
        go: std::sync::Mutex::new(go_rx),
    };
    let first_path = path.clone();
    let first = std::thread::spawn(move || {
        let mut mirror = Mirror::open(&first_path).unwrap();
        mirror.sync(&gated, &SyncOptions::new(), &mut |_| {}, &|| false)
    });
    // The first sync holds the lock and is in its walk.
    started_rx.recv().unwrap();

    let mut second = Mirror::open(&path).unwrap();
    let err = second
        .sync(&client(&server), &SyncOptions::new(), &mut |_| {}, &|| {
            false
        })
        .unwrap_err();
    match &err {
        SyncError::Busy { holder, .. } => {
            let holder = holder.as_deref().unwrap_or_default();
            assert!(
                holder.contains(&format!("pid {}", std::process::id())),
                "{holder}"
            );
        }
        other => panic!("expected Busy, got {other:?}"),
    }
    assert!(
        err.to_string().contains("another sync is already running"),
        "{err}"
    );
    // The refused sync left no trace in the run log.
    assert_eq!(count(&second, "SELECT count(*) FROM sync_runs"), 1);

    go_tx.send(()).unwrap();
    let summary = first.join().unwrap().unwrap();
    assert_eq!(summary.outcome, Outcome::Complete);
    // Once released, the lock is free again.
    let after = sync(&mut second, &client(&server), &SyncOptions::new());
    assert_eq!(after.mode, SyncMode::Incremental);
}

#[test]
fn a_run_that_died_without_a_word_is_closed_as_interrupted() {
    let server = server(100);
    let client = client(&server);
    let path = db_path("abandoned");
    let mut mirror = Mirror::open(&path).unwrap();
    sync(&mut mirror, &client, &SyncOptions::new());
    // What a killed process leaves: a run still marked running (its lock went with it).
    mirror
        .connection()
        .execute(
            "INSERT INTO sync_runs (started_at, mode, with_visits, pid, outcome) \
             VALUES ('2026-01-01T00:00:00Z', 'full', 0, 999999, 'running')",
            [],
        )
        .unwrap();
    let next = sync(&mut mirror, &client, &SyncOptions::new());
    // The dead full run is resumed as a full run.
    assert_eq!(
        (next.mode, next.outcome),
        (SyncMode::Full, Outcome::Complete)
    );
    let outcome: String = mirror
        .connection()
        .query_row(
            "SELECT outcome FROM sync_runs WHERE pid = 999999",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(outcome, "interrupted");
}

#[test]
fn a_filtered_mirror_keeps_its_own_watermark_and_marks_nothing_deleted() {
    let server = server(800);
    let client = client(&server);
    let path = db_path("filtered");
    let mut mirror = Mirror::open(&path).unwrap();
    let paid = SyncOptions::new().filter(Some(Filter::revenue().gt(5000)));
    let first = sync(&mut mirror, &client, &paid.clone().full(true));
    let expected = server
        .store()
        .orders()
        .iter()
        .filter(|o| o.revenue.is_some_and(|r| r > 5000.0))
        .count() as u64;
    assert!(expected > 0 && expected < 800);
    assert_eq!(
        (first.new, first.checked_deletions, first.deleted),
        (expected, false, 0)
    );
    // The same filter again: incremental. No filter: a first, full, run of its own.
    assert_eq!(
        sync(&mut mirror, &client, &paid).mode,
        SyncMode::Incremental
    );
    let everything = sync(&mut mirror, &client, &SyncOptions::new());
    assert_eq!(everything.mode, SyncMode::Full);
    assert_eq!(everything.unchanged, expected);
}

#[test]
fn migrations_run_once_and_a_newer_schema_is_refused() {
    let path = db_path("schema");
    let mirror = Mirror::open(&path).unwrap();
    assert_eq!(mirror.schema_version().unwrap(), SCHEMA_VERSION);
    mirror
        .connection()
        .execute(
            "INSERT INTO statuses (id, name, type) VALUES ('x', 'kept', 'paid')",
            [],
        )
        .unwrap();
    drop(mirror);
    // Reopening migrates nothing (the data is still there, the version unchanged).
    let mirror = Mirror::open(&path).unwrap();
    assert_eq!(mirror.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(count(&mirror, "SELECT count(*) FROM statuses"), 1);
    // A first sync killed mid-walk leaves its indexes dropped: opening rebuilds them.
    mirror
        .connection()
        .execute_batch("DROP INDEX orders_update_date; DROP INDEX orders_status_type;")
        .unwrap();
    assert_eq!(count(&mirror, INDEXES), 1);
    drop(mirror);
    let mirror = Mirror::open(&path).unwrap();
    assert_eq!(count(&mirror, INDEXES), 3);
    // A file from a future version is refused, not altered.
    mirror
        .connection()
        .execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
        .unwrap();
    drop(mirror);
    match Mirror::open(&path) {
        Err(SyncError::SchemaTooNew { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

/// The client, but its walks without an id filter skip one order: what a delete during
/// a walk does to the offsets of the pages after it.
struct SkippingSource {
    client: Client,
    skip: String,
}

impl OrderSource for SkippingSource {
    type Error = roistat_blocking::Error;

    fn orders(&self, request: ListOrdersRequest) -> Box<dyn OrderStream<Self::Error> + '_> {
        let by_id = request
            .filters
            .as_ref()
            .is_some_and(|f| f.conditions().iter().any(|c| c.field.name() == "id"));
        let skip = self.skip.clone();
        let walk = self.client.orders(request);
        if by_id {
            return Box::new(walk);
        }
        Box::new(roistat_sync::Uncounted(walk.filter(move |o| {
            o.as_ref().map_or(true, |o| o.id.as_str() != skip)
        })))
    }

    fn statuses(&self) -> Result<Vec<Status>, Self::Error> {
        Ok(self.client.list_statuses()?.data)
    }

    fn custom_field_names(&self) -> Result<Vec<String>, Self::Error> {
        self.client.custom_field_names()
    }
}

#[test]
fn a_full_sync_checks_what_its_walk_missed_before_marking_it_deleted() {
    let server = server(500);
    let client = client(&server);
    let path = db_path("skipped");
    let mut mirror = Mirror::open(&path).unwrap();
    sync(&mut mirror, &client, &SyncOptions::new());
    let skipped = server.store().orders()[123].id.to_string();
    let gone = server.store().orders()[321].id.to_string();
    server.store().remove_order(&gone).unwrap();

    let source = SkippingSource {
        client: client.clone(),
        skip: skipped.clone(),
    };
    let full = mirror
        .sync(
            &source,
            &SyncOptions::new().full(true),
            &mut |_| {},
            &|| false,
        )
        .unwrap();
    // The skipped order was looked up by id and found: only the really deleted one is marked.
    assert_eq!(full.deleted, 1);
    assert_eq!(
        ids(
            &mirror,
            "SELECT id FROM orders WHERE deleted_at IS NOT NULL"
        ),
        BTreeSet::from([gone])
    );
    assert_eq!(full.unchanged as usize, server.store().order_count());
    let seen_now: i64 = mirror
        .connection()
        .query_row(
            "SELECT seen_run FROM orders WHERE id = ?1",
            [skipped.as_str()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(seen_now, full.run_id);
}

/// A client wired to Ctrl-C: the stop cancels the request in flight, whose error
/// arrives after the stop was asked for.
struct CancellingSource {
    client: Client,
    after: usize,
    cancelled: Cell<bool>,
}

impl OrderSource for CancellingSource {
    type Error = FlakyError;

    fn orders(&self, request: ListOrdersRequest) -> Box<dyn OrderStream<FlakyError> + '_> {
        let walk = self
            .client
            .orders(request)
            .map(|r| r.map_err(FlakyError::from))
            .take(self.after)
            .chain(std::iter::once_with(|| {
                self.cancelled.set(true);
                Err(FlakyError::Reset(Reset))
            }));
        Box::new(roistat_sync::Uncounted(walk))
    }

    fn statuses(&self) -> Result<Vec<Status>, FlakyError> {
        Ok(self.client.list_statuses()?.data)
    }

    fn custom_field_names(&self) -> Result<Vec<String>, FlakyError> {
        Ok(self.client.custom_field_names()?)
    }
}

#[test]
fn an_error_caused_by_a_stop_is_an_interruption_not_a_failure() {
    let server = server(1_000);
    let source = CancellingSource {
        client: client(&server),
        after: 700,
        cancelled: Cell::new(false),
    };
    let path = db_path("cancelled");
    let mut mirror = Mirror::open(&path).unwrap();
    let summary = mirror
        .sync(&source, &SyncOptions::new(), &mut |_| {}, &|| {
            source.cancelled.get()
        })
        .unwrap();
    assert_eq!((summary.outcome, summary.rows), (Outcome::Interrupted, 700));
    let outcome: String = mirror
        .connection()
        .query_row("SELECT outcome FROM sync_runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outcome, "interrupted");
}
