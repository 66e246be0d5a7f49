//! `GET /project/orders/{orderId}/external-url`: the deal's page in the CRM.

use http::Method;
use roistat_types::{ExternalUrl, OrderId};

use super::check_order_id;
use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// The URL of a deal in the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderExternalUrl {
    id: OrderId,
}

impl OrderExternalUrl {
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

impl Endpoint for OrderExternalUrl {
    type Output = ExternalUrl;

    fn name(&self) -> &'static str {
        "order_external_url"
    }

    fn method(&self) -> Method {
        Method::GET
    }

    fn path(&self) -> Path {
        Path::new("project/orders")
            .param(self.id.as_str())
            .literal("external-url")
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
