//! How many times each write operation was applied to the store, per request and per
//! order: the evidence a test needs to catch a retry that applied an operation twice.

use std::collections::BTreeMap;

/// A write operation of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /project/add-orders`.
    AddOrders,
    /// `POST /project/set-statuses`.
    SetStatuses,
    /// `POST /project/integration/order/{id}/status/update`.
    UpdateStatus,
    /// `POST /project/integration/order/{id}/delete`.
    Delete,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 4] = [
        Operation::AddOrders,
        Operation::SetStatuses,
        Operation::UpdateStatus,
        Operation::Delete,
    ];

    /// The operation's name: `add-orders`, `set-statuses`, `status-update`, `delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::AddOrders => "add-orders",
            Operation::SetStatuses => "set-statuses",
            Operation::UpdateStatus => "status-update",
            Operation::Delete => "delete",
        }
    }

    /// The operation of that name (see [`Operation::as_str`]).
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.as_str() == name)
    }
}

/// A copy of the store's application counters (see [`crate::MockServer::applied`]).
///
/// An operation counts as applied when the server changed (or, for an identical
/// add-orders upload, re-processed) its data, whether or not the answer then reached
/// the client. Refused requests (errors, faults that fire before the store) count
/// nothing.
///
/// - [`Operation::AddOrders`]: per request, and per order id each time an order of
///   the batch was processed (new, changed, or unchanged; not orders skipped by
///   status);
/// - [`Operation::UpdateStatus`] and [`Operation::Delete`]: per request and per order
///   id, when the order existed and the operation succeeded;
/// - [`Operation::SetStatuses`]: per request only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    requests: BTreeMap<Operation, u64>,
    orders: BTreeMap<Operation, BTreeMap<String, u64>>,
}

impl Applied {
    /// How many requests of `op` were applied.
    pub fn requests(&self, op: Operation) -> u64 {
        self.requests.get(&op).copied().unwrap_or(0)
    }

    /// How many times `op` was applied to the order `id`.
    pub fn order(&self, op: Operation, id: &str) -> u64 {
        self.orders
            .get(&op)
            .and_then(|m| m.get(id))
            .copied()
            .unwrap_or(0)
    }

    /// Every order `op` was applied to, with how many times.
    pub fn orders(&self, op: Operation) -> BTreeMap<String, u64> {
        self.orders.get(&op).cloned().unwrap_or_default()
    }

    /// The orders `op` was applied to more than once.
    pub fn repeated(&self, op: Operation) -> Vec<(String, u64)> {
        self.orders
            .get(&op)
            .map(|m| {
                m.iter()
                    .filter(|(_, n)| **n > 1)
                    .map(|(id, n)| (id.clone(), *n))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn record_request(&mut self, op: Operation) {
        *self.requests.entry(op).or_insert(0) += 1;
    }

    pub(crate) fn record_order(&mut self, op: Operation, id: &str) {
        let per_order = self.orders.entry(op).or_default();
        match per_order.get_mut(id) {
            Some(n) => *n += 1,
            None => {
                per_order.insert(id.to_string(), 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_request_and_per_order() {
        let mut a = Applied::default();
        a.record_request(Operation::Delete);
        a.record_order(Operation::Delete, "1");
        a.record_request(Operation::Delete);
        a.record_order(Operation::Delete, "1");
        a.record_order(Operation::AddOrders, "1");
        assert_eq!(a.requests(Operation::Delete), 2);
        assert_eq!(a.requests(Operation::AddOrders), 0);
        assert_eq!(a.order(Operation::Delete, "1"), 2);
        assert_eq!(a.order(Operation::AddOrders, "1"), 1);
        assert_eq!(a.repeated(Operation::Delete), vec![("1".to_string(), 2)]);
        assert!(a.repeated(Operation::AddOrders).is_empty());
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.as_str()), Some(op));
        }
    }
}
