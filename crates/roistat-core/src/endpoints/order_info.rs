//! `GET /project/orders/{orderId}/info`: everything about one deal.

use http::Method;
use roistat_types::OrderId;

use super::check_order_id;
use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// Full information about one deal: order, source, visit chain, products, client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderInfo {
    id: OrderId,
}

impl OrderInfo {
    /// For the deal `id` (refuses an empty id).
    pub fn new(id: OrderId) -> Result<Self, Error> {
        check_order_id(&id)?;
        Ok(Self { id })
    }

    /// The deal id.
    pub fn id(&self) -> &OrderId {
        &self.id
    }
}

impl Endpoint for OrderInfo {
    type Output = roistat_types::OrderInfo;

    fn name(&self) -> &'static str {
        "order_info"
    }

    fn method(&self) -> Method {
        Method::GET
    }

    fn path(&self) -> Path {
        Path::new("project/orders")
            .param(self.id.as_str())
            .literal("info")
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }

    fn retry_safety(&self) -> RetrySafety {
        RetrySafety::Idempotent
    }

    fn rate_class(&self) -> RateClass {
        RateClass::Other
    }
}
