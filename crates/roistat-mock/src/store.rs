//! The in-memory project: orders, the status dictionary, the custom field names, and
//! how many times each write operation was applied.
//!
//! Every order gets an internal id when it is first inserted: a sequence that only
//! grows, as Roistat's own ids do. The order list is served newest first by that id
//! (as the live API does), and an upsert of an existing order keeps its internal id
//! (and so its place).
//!
//! Each order keeps its list-form JSON pre-serialized (with and without the visit), so
//! serving a page is copying bytes: that is what lets the mock serve thousands of
//! 100-order pages per second. Every mutation goes through [`Data`], which refreshes the
//! cached bytes.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use roistat_types::{Order, OrderInfo, Status, StatusId, StatusType};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::applied::{Applied, Operation};

/// An order as the mock keeps it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredOrder {
    /// The list form. Its `visit` is what `extend: ["visit"]` embeds (the list shows
    /// `null` without the extend). A status whose id is not in the dictionary is kept
    /// with the group `StatusType::Other("")` (see [`groupless_status`]) and listed
    /// without `type`, as the live API lists it.
    pub order: Order,
    /// The deal name sent to add-orders (the `title` of `/info`).
    pub name: Option<String>,
    /// What `/info` shows beyond the list form (source, client data, visit chain,
    /// products). The fields the list form also has (status, price, dates, ...) are
    /// always taken from [`StoredOrder::order`]. `None`: derived from the list form.
    pub info: Option<OrderInfo>,
    /// Top-level keys written over the list form's JSON, as the live API sends them
    /// and the typed model cannot say: loose types (`"id": 200001`, `"revenue":
    /// "1500"`), extra keys (`page`, `profit`, ...), a status without `type` or with
    /// `type: null`. Empty for documented-form orders. An order changed through the
    /// API (add-orders, status update) is written in the documented form again.
    pub wire_overrides: Map<String, Value>,
}

impl StoredOrder {
    /// An order with only its list form.
    pub fn new(order: Order) -> StoredOrder {
        StoredOrder {
            order,
            name: None,
            info: None,
            wire_overrides: Map::new(),
        }
    }

    /// With the `/info` details.
    pub fn with_info(mut self, info: OrderInfo) -> StoredOrder {
        self.info = Some(info);
        self
    }

    /// With a deal name.
    pub fn with_name(mut self, name: impl Into<String>) -> StoredOrder {
        self.name = Some(name.into());
        self
    }

    /// With keys written over the list form's JSON (see [`StoredOrder::wire_overrides`]).
    pub fn with_wire_overrides(mut self, overrides: Map<String, Value>) -> StoredOrder {
        self.wire_overrides = overrides;
        self
    }
}

impl From<Order> for StoredOrder {
    fn from(order: Order) -> Self {
        StoredOrder::new(order)
    }
}

/// The status the mock stores for a status id that is not in the dictionary: that id,
/// an empty name and no group (`StatusType::Other("")`), listed as `{"id":..,"name":""}`.
pub fn groupless_status(id: &str) -> Status {
    Status::new(
        StatusId::new_unchecked(id),
        String::new(),
        StatusType::Other(String::new()),
    )
}

/// Whether a status has no group (see [`groupless_status`]).
pub fn is_groupless(status: &Status) -> bool {
    matches!(&status.r#type, StatusType::Other(s) if s.is_empty())
}

/// One order with its internal id and cached JSON.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The internal id: the list is newest (highest) first.
    pub seq: u64,
    pub stored: StoredOrder,
    /// The list form with `"visit": null`.
    pub json_plain: Vec<u8>,
    /// The list form with the visit, when there is one (else use `json_plain`).
    pub json_visit: Option<Vec<u8>>,
}

impl Entry {
    fn new(seq: u64, stored: StoredOrder) -> Entry {
        let mut e = Entry {
            seq,
            stored,
            json_plain: Vec::new(),
            json_visit: None,
        };
        e.refresh();
        e
    }

    /// Re-serialize after a change.
    pub fn refresh(&mut self) {
        let order = &self.stored.order;
        let wire = &self.stored.wire_overrides;
        self.json_visit = order.visit.as_ref().map(|_| render(order, wire));
        self.json_plain = if order.visit.is_some() {
            let mut plain = order.clone();
            plain.visit = None;
            render(&plain, wire)
        } else {
            render(order, wire)
        };
    }

    pub fn json(&self, with_visit: bool) -> &[u8] {
        match (&self.json_visit, with_visit) {
            (Some(v), true) => v,
            _ => &self.json_plain,
        }
    }
}

/// The list-form JSON of an order: the typed form, a groupless status without `type`,
/// then the overrides.
fn render(order: &Order, wire: &Map<String, Value>) -> Vec<u8> {
    let groupless = order.status.as_ref().is_some_and(is_groupless);
    if wire.is_empty() && !groupless {
        return serde_json::to_vec(order).unwrap_or_default();
    }
    let mut v = serde_json::to_value(order).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        if groupless && let Some(Value::Object(s)) = obj.get_mut("status") {
            s.remove("type");
        }
        for (k, x) in wire {
            obj.insert(k.clone(), x.clone());
        }
    }
    serde_json::to_vec(&v).unwrap_or_default()
}

/// Where the store reads the time for `creation_date` and `update_date`.
#[derive(Clone)]
pub(crate) struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    pub fn new(f: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new(OffsetDateTime::now_utc)
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// The store's contents.
#[derive(Debug, Default)]
pub(crate) struct Data {
    /// By internal id, ascending: iterate in reverse for the list.
    orders: BTreeMap<u64, Entry>,
    index: HashMap<String, u64>,
    /// The internal id the next new order gets.
    next_seq: u64,
    pub statuses: Vec<Status>,
    pub custom_fields: Vec<String>,
    pub applied: Applied,
    pub clock: Clock,
}

impl Data {
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.index.get(id).and_then(|seq| self.orders.get(seq))
    }

    /// Orders newest first (the list order).
    pub fn newest_first(&self) -> impl Iterator<Item = &Entry> {
        self.orders.values().rev()
    }

    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Insert or replace by id; a replaced order keeps its internal id.
    /// Returns whether the order was new.
    pub fn upsert(&mut self, stored: StoredOrder) -> bool {
        let id = stored.order.id.as_str().to_string();
        if let Some(&seq) = self.index.get(&id) {
            self.orders.insert(seq, Entry::new(seq, stored));
            return false;
        }
        self.next_seq += 1;
        let seq = self.next_seq;
        self.index.insert(id, seq);
        self.orders.insert(seq, Entry::new(seq, stored));
        true
    }

    /// Change an order in place and refresh its cached JSON.
    pub fn modify(&mut self, id: &str, f: impl FnOnce(&mut StoredOrder)) -> bool {
        match self.index.get(id).and_then(|seq| self.orders.get_mut(seq)) {
            Some(e) => {
                f(&mut e.stored);
                e.refresh();
                true
            }
            None => false,
        }
    }

    pub fn remove(&mut self, id: &str) -> Option<StoredOrder> {
        let seq = self.index.remove(id)?;
        self.orders.remove(&seq).map(|e| e.stored)
    }

    pub fn clear_orders(&mut self) {
        self.orders.clear();
        self.index.clear();
    }

    pub fn status(&self, id: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id.as_str() == id)
    }

    /// Replace the dictionary; orders whose status id is known take the new name and
    /// type (the list shows the dictionary's current name).
    pub fn replace_statuses(&mut self, statuses: Vec<Status>) {
        self.statuses = statuses;
        let dict: HashMap<&str, &Status> =
            self.statuses.iter().map(|s| (s.id.as_str(), s)).collect();
        for e in self.orders.values_mut() {
            let fresh = e
                .stored
                .order
                .status
                .as_ref()
                .and_then(|s| dict.get(s.id.as_str()))
                .filter(|new| Some(**new) != e.stored.order.status.as_ref())
                .map(|s| (*s).clone());
            if let Some(s) = fresh {
                e.stored.order.status = Some(s);
                e.stored.wire_overrides.remove("status");
                e.refresh();
            }
        }
    }

    pub fn add_custom_field_name(&mut self, name: &str) {
        if !self.custom_fields.iter().any(|f| f == name) {
            self.custom_fields.push(name.to_string());
        }
    }
}

/// A copy of everything in the store, for comparisons ("the store is unchanged").
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoreSnapshot {
    /// Orders in list order (newest first).
    pub orders: Vec<StoredOrder>,
    /// The status dictionary.
    pub statuses: Vec<Status>,
    /// The custom field names.
    pub custom_fields: Vec<String>,
}

/// A handle to the server's data, for tests to arrange and to assert on server state.
/// Cheap to clone; changes are seen by the next request.
#[derive(Debug, Clone, Default)]
pub struct Store {
    data: Arc<RwLock<Data>>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// The store a server starts with: the documented examples (when `examples`), and
    /// `generated` orders from [`crate::generate::orders`] with `seed`.
    ///
    /// Generated orders are inserted first (ascending ids), then the documented
    /// examples (`123`, `order_12345`, `95101`), so that the list, newest first,
    /// starts with the reference's example order `95101`, then `order_12345`, `123`,
    /// then the generated orders from the highest id down.
    pub fn seeded(examples: bool, generated: usize, seed: u64) -> Store {
        Store::seeded_with(examples, crate::generate::orders(seed, generated))
    }

    /// Like [`Store::seeded`] with the generated orders given.
    pub(crate) fn seeded_with<I>(examples: bool, generated: I) -> Store
    where
        I: IntoIterator,
        I::Item: Into<StoredOrder>,
    {
        let store = Store::new();
        {
            let mut d = store.write();
            if examples {
                d.statuses = crate::seed::statuses();
                d.custom_fields = crate::seed::custom_field_names();
            }
            let mut any = false;
            for o in generated {
                any = true;
                d.upsert(o.into());
            }
            if any {
                for s in crate::generate::extra_statuses() {
                    if d.status(s.id.as_str()).is_none() {
                        d.statuses.push(s);
                    }
                }
            }
            if examples {
                for o in crate::seed::orders().into_iter().rev() {
                    d.upsert(o);
                }
            }
        }
        store
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Data> {
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Data> {
        self.data.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Read `creation_date` and `update_date` stamps from `clock` instead of the
    /// system clock (for tests that need fixed dates).
    pub fn set_clock(&self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) {
        self.write().clock = Clock::new(clock);
    }

    /// Every order's list form, in list order (newest first, with its visit).
    pub fn orders(&self) -> Vec<Order> {
        self.read()
            .newest_first()
            .map(|e| e.stored.order.clone())
            .collect()
    }

    /// Every order id in list order (newest first).
    pub fn order_ids(&self) -> Vec<String> {
        self.read()
            .newest_first()
            .map(|e| e.stored.order.id.as_str().to_string())
            .collect()
    }

    /// One order's list form.
    pub fn order(&self, id: &str) -> Option<Order> {
        self.read().get(id).map(|e| e.stored.order.clone())
    }

    /// One order's internal id: the list is sorted by it, highest first.
    pub fn internal_id(&self, id: &str) -> Option<u64> {
        self.read().get(id).map(|e| e.seq)
    }

    /// One order with its extra data.
    pub fn stored_order(&self, id: &str) -> Option<StoredOrder> {
        self.read().get(id).map(|e| e.stored.clone())
    }

    /// How many orders there are.
    pub fn order_count(&self) -> usize {
        self.read().len()
    }

    /// Insert an order (it becomes the newest), or replace the one with its id
    /// (keeping its internal id). Returns whether it was new.
    pub fn insert_order(&self, order: impl Into<StoredOrder>) -> bool {
        self.write().upsert(order.into())
    }

    /// Insert many orders, in this order (the last is the newest).
    pub fn insert_orders<I: IntoIterator<Item = Order>>(&self, orders: I) {
        let mut d = self.write();
        for o in orders {
            d.upsert(StoredOrder::new(o));
        }
    }

    /// Remove an order; returns it if it existed.
    pub fn remove_order(&self, id: &str) -> Option<StoredOrder> {
        self.write().remove(id)
    }

    /// Remove every order.
    pub fn clear_orders(&self) {
        self.write().clear_orders();
    }

    /// The status dictionary.
    pub fn statuses(&self) -> Vec<Status> {
        self.read().statuses.clone()
    }

    /// Replace the status dictionary (as `/set-statuses` does).
    pub fn set_statuses(&self, statuses: Vec<Status>) {
        self.write().replace_statuses(statuses);
    }

    /// Empty the status dictionary.
    pub fn clear_statuses(&self) {
        self.write().statuses.clear();
    }

    /// The custom field names (`/analytics/order-custom-fields`).
    pub fn custom_field_names(&self) -> Vec<String> {
        self.read().custom_fields.clone()
    }

    /// Replace the custom field names.
    pub fn set_custom_field_names(&self, names: Vec<String>) {
        self.write().custom_fields = names;
    }

    /// How many times each write operation was applied through the API.
    pub fn applied(&self) -> Applied {
        self.read().applied.clone()
    }

    /// How many times `op` was applied to the order `id` through the API.
    pub fn applied_to(&self, op: Operation, id: &str) -> u64 {
        self.read().applied.order(op, id)
    }

    /// A copy of everything.
    pub fn snapshot(&self) -> StoreSnapshot {
        let d = self.read();
        StoreSnapshot {
            orders: d.newest_first().map(|e| e.stored.clone()).collect(),
            statuses: d.statuses.clone(),
            custom_fields: d.custom_fields.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roistat_types::OrderId;

    fn order(id: &str) -> StoredOrder {
        StoredOrder::new(Order::new(OrderId::new_unchecked(id)))
    }

    #[test]
    fn newest_first_and_upserts_keep_their_internal_id() {
        let store = Store::new();
        for id in ["a", "b", "c"] {
            assert!(store.insert_order(order(id)));
        }
        assert_eq!(store.order_ids(), ["c", "b", "a"]);
        let seq_a = store.internal_id("a").unwrap();
        let mut changed = order("a");
        changed.name = Some("renamed".into());
        assert!(!store.insert_order(changed));
        assert_eq!(store.internal_id("a"), Some(seq_a));
        assert_eq!(store.order_ids(), ["c", "b", "a"]);
        store.remove_order("c").unwrap();
        // A new order is newer than every order ever inserted, deleted ones included.
        store.insert_order(order("d"));
        assert!(store.internal_id("d").unwrap() > seq_a + 2);
        assert_eq!(store.order_ids(), ["d", "b", "a"]);
        // Re-inserting a deleted id makes it new.
        store.insert_order(order("c"));
        assert_eq!(store.order_ids(), ["c", "d", "b", "a"]);
    }

    #[test]
    fn groupless_status_is_listed_without_type_and_overrides_win() {
        let mut o = Order::new(OrderId::new_unchecked("1"));
        o.status = Some(groupless_status("0"));
        let mut wire = Map::new();
        wire.insert("page".into(), Value::from(3));
        wire.insert("id".into(), Value::from(1));
        let e = Entry::new(1, StoredOrder::new(o).with_wire_overrides(wire));
        let v: Value = serde_json::from_slice(e.json(false)).unwrap();
        assert_eq!(v["status"], serde_json::json!({"id": "0", "name": ""}));
        assert_eq!(v["page"], 3);
        assert_eq!(v["id"], 1);
    }
}
