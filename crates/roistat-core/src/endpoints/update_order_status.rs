//! `POST /project/integration/order/{orderId}/status/update`: move a deal to a status.

use http::Method;
use roistat_types::{OrderId, StatusId, Success, UpdateOrderStatusRequest, ValidationError};

use super::{check_order_id, json_body};
use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// Sets a deal's status (only for integrations via API or goals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateOrderStatus {
    id: OrderId,
    body: UpdateOrderStatusRequest,
}

impl UpdateOrderStatus {
    /// Moves deal `id` to `status` (refuses empty ids).
    pub fn new(id: OrderId, status: StatusId) -> Result<Self, Error> {
        check_order_id(&id)?;
        if status.as_str().trim().is_empty() {
            return Err(ValidationError::EmptyId { kind: "status id" }.into());
        }
        Ok(Self {
            id,
            body: UpdateOrderStatusRequest::new(status),
        })
    }

    /// The deal id.
    pub fn id(&self) -> &OrderId {
        &self.id
    }

    /// The new status id.
    pub fn status(&self) -> &StatusId {
        &self.body.status_id
    }
}

impl Endpoint for UpdateOrderStatus {
    type Output = Success;

    fn name(&self) -> &'static str {
        "update_order_status"
    }

    fn method(&self) -> Method {
        Method::POST
    }

    fn path(&self) -> Path {
        Path::new("project/integration/order")
            .param(self.id.as_str())
            .literal("status/update")
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(&self.body)
    }

    /// Setting the same status twice leaves the same state.
    fn retry_safety(&self) -> RetrySafety {
        RetrySafety::Idempotent
    }

    fn rate_class(&self) -> RateClass {
        RateClass::Other
    }
}
