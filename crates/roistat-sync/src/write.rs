//! Writing orders: one row per order, upserted by id, with change detection.
//!
//! Every statement is prepared once per connection (`prepare_cached`) and a whole batch
//! goes in one transaction, so SQLite's per-commit fsync is paid once a batch.

use std::fmt::Write as _;

use roistat_types::Order;
use rusqlite::{OptionalExtension, Transaction, params};
use time::{OffsetDateTime, UtcOffset};

use crate::SyncError;

/// What writing one order did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// The id was not in the mirror.
    New,
    /// Some field differed, or the order had been marked deleted.
    Updated,
    /// Same as stored (only `synced_at` and `seen_run` move).
    Unchanged,
}

/// The counts of a batch or a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) new: u64,
    pub(crate) updated: u64,
    pub(crate) unchanged: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, change: Change) {
        match change {
            Change::New => self.new += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }

    pub(crate) fn merge(&mut self, other: Counts) {
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }

    pub(crate) fn total(&self) -> u64 {
        self.new + self.updated + self.unchanged
    }
}

/// An order's column values, as stored.
#[derive(Debug, Default)]
struct Row {
    creation_date: Option<String>,
    update_date: Option<String>,
    custom_fields: String,
    visit: Option<String>,
}

/// Writes a batch of orders in `tx` (the caller commits). `with_visits`: the orders
/// carry their visits, so the `visit` column is written and compared; otherwise it is
/// left as it is.
pub(crate) fn write_batch(
    tx: &Transaction<'_>,
    orders: &[Order],
    with_visits: bool,
    run_id: i64,
    synced_at: &str,
) -> Result<Counts, SyncError> {
    let mut select = tx
        .prepare_cached(if with_visits {
            "SELECT row_hash, deleted_at IS NOT NULL, visit FROM orders WHERE id = ?1"
        } else {
            "SELECT row_hash, deleted_at IS NOT NULL, NULL FROM orders WHERE id = ?1"
        })
        .map_err(SyncError::db("preparing the order lookup"))?;
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO orders (id, url, source_type, creation_date, update_date, revenue, \
             cost, client_id, visit_id, status_id, status_name, status_type, custom_fields, \
             visit, deleted_at, synced_at, seen_run, row_hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULL, ?15, \
             ?16, ?17) \
             ON CONFLICT (id) DO UPDATE SET url = excluded.url, \
             source_type = excluded.source_type, creation_date = excluded.creation_date, \
             update_date = excluded.update_date, revenue = excluded.revenue, \
             cost = excluded.cost, client_id = excluded.client_id, \
             visit_id = excluded.visit_id, status_id = excluded.status_id, \
             status_name = excluded.status_name, status_type = excluded.status_type, \
             custom_fields = excluded.custom_fields, \
             visit = CASE WHEN ?18 THEN excluded.visit ELSE orders.visit END, \
             deleted_at = NULL, synced_at = excluded.synced_at, \
             seen_run = excluded.seen_run, row_hash = excluded.row_hash",
        )
        .map_err(SyncError::db("preparing the order upsert"))?;
    let mut touch = tx
        .prepare_cached("UPDATE orders SET synced_at = ?2, seen_run = ?3 WHERE id = ?1")
        .map_err(SyncError::db("preparing the order touch"))?;

    let mut counts = Counts::default();
    let mut row = Row::default();
    for order in orders {
        encode(order, with_visits, &mut row)?;
        let hash = row_hash(order, &row);
        let id = order.id.as_str();
        let stored: Option<(i64, bool, Option<String>)> = select
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(SyncError::db("looking up an order"))?;
        let change = match stored {
            None => Change::New,
            Some((old, deleted, old_visit)) => {
                if deleted || old != hash || (with_visits && old_visit != row.visit) {
                    Change::Updated
                } else {
                    Change::Unchanged
                }
            }
        };
        if change == Change::Unchanged {
            touch
                .execute(params![id, synced_at, run_id])
                .map_err(SyncError::db("touching an order"))?;
        } else {
            let status = order.status.as_ref();
            upsert
                .execute(params![
                    id,
                    order.url,
                    order.source_type,
                    row.creation_date,
                    row.update_date,
                    order.revenue,
                    order.cost,
                    order.client_id.as_ref().map(|c| c.as_str()),
                    order.visit_id.as_ref().map(|v| v.as_str()),
                    status.map(|s| s.id.as_str()),
                    status.map(|s| s.name.as_str()),
                    status.map(|s| s.r#type.as_str()),
                    row.custom_fields,
                    row.visit,
                    synced_at,
                    run_id,
                    hash,
                    with_visits,
                ])
                .map_err(SyncError::db("writing an order"))?;
        }
        counts.add(change);
    }
    Ok(counts)
}

fn encode(order: &Order, with_visits: bool, row: &mut Row) -> Result<(), SyncError> {
    row.creation_date = order.creation_date.map(|d| iso_utc(&d));
    row.update_date = order.update_date.map(|d| iso_utc(&d));
    row.custom_fields.clear();
    let encode_err = |what| {
        move |source| SyncError::Encode {
            what,
            id: order.id.to_string(),
            source,
        }
    };
    // `CustomFields` is a sorted map: the same fields always give the same text.
    row.custom_fields =
        serde_json::to_string(&order.custom_fields).map_err(encode_err("the custom fields"))?;
    row.visit = match (&order.visit, with_visits) {
        (Some(v), true) => Some(serde_json::to_string(v).map_err(encode_err("the visit"))?),
        _ => None,
    };
    Ok(())
}

/// A date as ISO 8601 in UTC, to the second (Roistat's precision), e.g.
/// `2024-03-01T12:00:00Z`: sorts as text, and SQLite's date functions read it.
pub(crate) fn iso_utc(date: &OffsetDateTime) -> String {
    let d = date.to_offset(UtcOffset::UTC);
    let mut s = String::with_capacity(20);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    );
    s
}

/// FNV-1a over every stored field but the visit (compared on its own, and only when
/// fetched). Stable across builds and Rust versions, unlike std's `DefaultHasher`.
fn row_hash(order: &Order, row: &Row) -> i64 {
    let mut h = Fnv::new();
    h.opt_str(order.url.as_deref());
    h.opt_str(order.source_type.as_deref());
    h.opt_str(row.creation_date.as_deref());
    h.opt_str(row.update_date.as_deref());
    h.opt_f64(order.revenue);
    h.opt_f64(order.cost);
    h.opt_str(order.client_id.as_ref().map(|c| c.as_str()));
    h.opt_str(order.visit_id.as_ref().map(|v| v.as_str()));
    let status = order.status.as_ref();
    h.opt_str(status.map(|s| s.id.as_str()));
    h.opt_str(status.map(|s| s.name.as_str()));
    h.opt_str(status.map(|s| s.r#type.as_str()));
    h.opt_str(Some(&row.custom_fields));
    // SQLite integers are signed: keep the bits.
    h.0 as i64
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// A presence tag, then the length and the bytes: no two field lists collide by
    /// shifting text from one field into the next.
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.bytes(&[0]),
            Some(s) => {
                self.bytes(&[1]);
                self.bytes(&(s.len() as u64).to_le_bytes());
                self.bytes(s.as_bytes());
            }
        }
    }

    fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            None => self.bytes(&[0]),
            Some(v) => {
                self.bytes(&[1]);
                self.bytes(&v.to_bits().to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn dates_are_iso_utc_to_the_second() {
        assert_eq!(
            iso_utc(&datetime!(2016-06-19 03:32:12.5 +03:00)),
            "2016-06-19T00:32:12Z"
        );
    }

    #[test]
    fn the_hash_sees_every_field_but_the_visit() {
        let mut order = roistat_mock::generate::orders(3, 1).remove(0);
        let mut row = Row::default();
        encode(&order, false, &mut row).unwrap();
        let base = row_hash(&order, &row);
        order.revenue = order.revenue.map(|r| r + 1.0).or(Some(1.0));
        encode(&order, false, &mut row).unwrap();
        let revenue_changed = row_hash(&order, &row);
        assert_ne!(base, revenue_changed);
        order.visit = None;
        encode(&order, false, &mut row).unwrap();
        assert_eq!(row_hash(&order, &row), revenue_changed);
        order.custom_fields.insert("new field", "x");
        encode(&order, false, &mut row).unwrap();
        assert_ne!(row_hash(&order, &row), revenue_changed);
    }
}
