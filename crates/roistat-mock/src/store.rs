//! The in-memory project: orders (in a stable order), the status dictionary and the
//! custom field names.
//!
//! Each order keeps its list-form JSON pre-serialized (with and without the visit), so
//! serving a page is copying bytes: that is what lets the mock serve thousands of
//! 100-order pages per second. Every mutation goes through [`Data`], which refreshes the
//! cached bytes.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use roistat_types::{Order, OrderInfo, Status};

/// An order as the mock keeps it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredOrder {
    /// The list form. Its `visit` is what `extend: ["visit"]` embeds (the list shows
    /// `null` without the extend).
    pub order: Order,
    /// The deal name sent to add-orders (the `title` of `/info`).
    pub name: Option<String>,
    /// What `/info` shows beyond the list form (source, client data, visit chain,
    /// products). The fields the list form also has (status, price, dates, ...) are
    /// always taken from [`StoredOrder::order`]. `None`: derived from the list form.
    pub info: Option<OrderInfo>,
}

impl StoredOrder {
    /// An order with only its list form.
    pub fn new(order: Order) -> StoredOrder {
        StoredOrder {
            order,
            name: None,
            info: None,
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
}

impl From<Order> for StoredOrder {
    fn from(order: Order) -> Self {
        StoredOrder::new(order)
    }
}

/// One order with its cached JSON.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub stored: StoredOrder,
    /// The list form with `"visit": null`.
    pub json_plain: Vec<u8>,
    /// The list form with the visit, when there is one (else use `json_plain`).
    pub json_visit: Option<Vec<u8>>,
}

impl Entry {
    fn new(stored: StoredOrder) -> Entry {
        let mut e = Entry {
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
        self.json_visit = order
            .visit
            .as_ref()
            .map(|_| serde_json::to_vec(order).unwrap_or_default());
        self.json_plain = if order.visit.is_some() {
            let mut plain = order.clone();
            plain.visit = None;
            serde_json::to_vec(&plain).unwrap_or_default()
        } else {
            serde_json::to_vec(order).unwrap_or_default()
        };
    }

    pub fn json(&self, with_visit: bool) -> &[u8] {
        match (&self.json_visit, with_visit) {
            (Some(v), true) => v,
            _ => &self.json_plain,
        }
    }
}

/// The store's contents.
#[derive(Debug, Default)]
pub(crate) struct Data {
    pub orders: Vec<Entry>,
    index: HashMap<String, usize>,
    pub statuses: Vec<Status>,
    pub custom_fields: Vec<String>,
}

impl Data {
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.index.get(id).and_then(|&i| self.orders.get(i))
    }

    /// Insert or replace by id; a replaced order keeps its place in the list.
    /// Returns whether the order was new.
    pub fn upsert(&mut self, stored: StoredOrder) -> bool {
        let id = stored.order.id.as_str().to_string();
        let entry = Entry::new(stored);
        match self.index.get(&id).and_then(|&i| self.orders.get_mut(i)) {
            Some(slot) => {
                *slot = entry;
                false
            }
            None => {
                self.index.insert(id, self.orders.len());
                self.orders.push(entry);
                true
            }
        }
    }

    /// Change an order in place and refresh its cached JSON.
    pub fn modify(&mut self, id: &str, f: impl FnOnce(&mut StoredOrder)) -> bool {
        match self.index.get(id).and_then(|&i| self.orders.get_mut(i)) {
            Some(e) => {
                f(&mut e.stored);
                e.refresh();
                true
            }
            None => false,
        }
    }

    pub fn remove(&mut self, id: &str) -> Option<StoredOrder> {
        let i = self.index.remove(id)?;
        if i >= self.orders.len() {
            return None;
        }
        let e = self.orders.remove(i);
        for (j, e) in self.orders.iter().enumerate().skip(i) {
            self.index.insert(e.stored.order.id.as_str().to_string(), j);
        }
        Some(e.stored)
    }

    pub fn clear_orders(&mut self) {
        self.orders.clear();
        self.index.clear();
    }

    pub fn status(&self, id: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id.as_str() == id)
    }

    /// Replace the dictionary; orders whose status id is still known take the new
    /// name and type (the list shows the dictionary's current name).
    pub fn replace_statuses(&mut self, statuses: Vec<Status>) {
        self.statuses = statuses;
        let dict: HashMap<&str, &Status> =
            self.statuses.iter().map(|s| (s.id.as_str(), s)).collect();
        for e in &mut self.orders {
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
    /// Orders in list order.
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
    pub fn seeded(examples: bool, generated: usize, seed: u64) -> Store {
        let store = Store::new();
        {
            let mut d = store.write();
            if examples {
                d.statuses = crate::seed::statuses();
                d.custom_fields = crate::seed::custom_field_names();
                for o in crate::seed::orders() {
                    d.upsert(o);
                }
            }
            if generated > 0 {
                for s in crate::generate::extra_statuses() {
                    if d.status(s.id.as_str()).is_none() {
                        d.statuses.push(s);
                    }
                }
                for o in crate::generate::orders(seed, generated) {
                    d.upsert(StoredOrder::new(o));
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

    /// Every order's list form, in list order (with its visit).
    pub fn orders(&self) -> Vec<Order> {
        self.read()
            .orders
            .iter()
            .map(|e| e.stored.order.clone())
            .collect()
    }

    /// One order's list form.
    pub fn order(&self, id: &str) -> Option<Order> {
        self.read().get(id).map(|e| e.stored.order.clone())
    }

    /// One order with its extra data.
    pub fn stored_order(&self, id: &str) -> Option<StoredOrder> {
        self.read().get(id).map(|e| e.stored.clone())
    }

    /// How many orders there are.
    pub fn order_count(&self) -> usize {
        self.read().orders.len()
    }

    /// Insert an order, or replace the one with its id (keeping its place).
    /// Returns whether it was new.
    pub fn insert_order(&self, order: impl Into<StoredOrder>) -> bool {
        self.write().upsert(order.into())
    }

    /// Insert many orders.
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

    /// A copy of everything.
    pub fn snapshot(&self) -> StoreSnapshot {
        let d = self.read();
        StoreSnapshot {
            orders: d.orders.iter().map(|e| e.stored.clone()).collect(),
            statuses: d.statuses.clone(),
            custom_fields: d.custom_fields.clone(),
        }
    }
}
