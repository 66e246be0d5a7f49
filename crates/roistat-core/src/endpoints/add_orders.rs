//! `POST /project/add-orders`: upload deals.

use http::Method;
use roistat_types::{AddOrdersReport, NewOrder};

use super::json_body;
use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// Uploads a batch of deals (an upsert by order id).
///
/// ```
/// use roistat_core::endpoints::AddOrders;
/// use roistat_core::types::{NewOrder, OrderId};
///
/// let batch = AddOrders::new(vec![NewOrder::new(OrderId::new("1")?).price(222.0)])?;
/// assert_eq!(batch.orders().len(), 1);
/// assert!(AddOrders::new(vec![]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AddOrders {
    orders: Vec<NewOrder>,
}

impl AddOrders {
    /// Validates every order (empty ids, custom fields over 1000 characters, ...); the
    /// error names the first bad order by position and id. An empty batch is refused.
    pub fn new(orders: Vec<NewOrder>) -> Result<Self, Error> {
        if orders.is_empty() {
            return Err(Error::invalid_request(
                "add-orders needs at least one order",
            ));
        }
        for (i, order) in orders.iter().enumerate() {
            order.validate().map_err(|e| {
                // An id may be what is wrong (70,000 bytes of it): show its start only.
                let id: String = order.id.as_str().chars().take(64).collect();
                let cut = if id.len() < order.id.as_str().len() {
                    "…"
                } else {
                    ""
                };
                Error::invalid_request(format!("order #{i} (id `{id}{cut}`): {e}"))
            })?;
        }
        Ok(Self { orders })
    }

    /// The batch.
    pub fn orders(&self) -> &[NewOrder] {
        &self.orders
    }

    /// The batch, by value.
    pub fn into_orders(self) -> Vec<NewOrder> {
        self.orders
    }
}

impl Endpoint for AddOrders {
    type Output = AddOrdersReport;

    fn name(&self) -> &'static str {
        "add_orders"
    }

    fn method(&self) -> Method {
        Method::POST
    }

    fn path(&self) -> Path {
        Path::new("project/add-orders")
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(&self.orders)
    }

    /// Roistat upserts uploaded deals by their CRM id: sending the same batch again
    /// leaves the project in the same state (the repeats count as
    /// `skipped_because_not_changed`), so a retry after a lost answer is safe.
    fn retry_safety(&self) -> RetrySafety {
        RetrySafety::Idempotent
    }

    fn rate_class(&self) -> RateClass {
        RateClass::Other
    }
}
