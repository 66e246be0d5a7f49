//! `POST /project/integration/order/{orderId}/delete`: delete a deal.

use http::Method;
use roistat_types::{OrderId, Success};

use super::check_order_id;
use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// Deletes a deal (only for integrations via API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteOrder {
    id: OrderId,
}

impl DeleteOrder {
    /// Deletes deal `id` (refuses an empty id).
    pub fn new(id: OrderId) -> Result<Self, Error> {
        check_order_id(&id)?;
        Ok(Self { id })
    }

    /// The deal id.
    pub fn id(&self) -> &OrderId {
        &self.id
    }
}

impl Endpoint for DeleteOrder {
    type Output = Success;

    fn name(&self) -> &'static str {
        "delete_order"
    }

    fn method(&self) -> Method {
        Method::POST
    }

    fn path(&self) -> Path {
        Path::new("project/integration/order")
            .param(self.id.as_str())
            .literal("delete")
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }

    /// The end state is the same either way, but the answer is not: if the first
    /// request was applied and its answer lost, the retry answers `resource_not_found`,
    /// turning a success into an error. So it is not retried once it may have been
    /// processed; a caller that sees `resource_not_found` after a transport error can
    /// treat the deal as deleted.
    fn retry_safety(&self) -> RetrySafety {
        RetrySafety::NotIdempotent
    }

    fn rate_class(&self) -> RateClass {
        RateClass::Other
    }
}
