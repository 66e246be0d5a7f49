//! The four read-only operations with no request body: two about one deal
//! (`GET /project/orders/{orderId}/...`) and two about the project (`POST` without a
//! body). They differ only in path and output, so one macro per shape writes them;
//! [`AddOrders`](super::AddOrders) and the others show a hand-written [`Endpoint`].

use http::Method;
use roistat_types::{ExternalUrl, OrderId, StatusList};

use super::check_order_id;
use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// The parts every read shares: no body, safe to repeat, only the project budget.
macro_rules! read_endpoint {
    ($name:ident, $output:ty, $op:literal, $method:expr, |$this:ident| $path:expr) => {
        impl Endpoint for $name {
            type Output = $output;

            fn name(&self) -> &'static str {
                $op
            }

            fn method(&self) -> Method {
                $method
            }

            fn path(&self) -> Path {
                let $this = self;
                $path
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
    };
}

/// `GET /project/orders/{orderId}/<tail>`.
macro_rules! order_read {
    ($(#[$doc:meta])* $name:ident => $output:ty, $op:literal, $tail:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            id: OrderId,
        }

        impl $name {
            /// For the deal `id` (refuses an empty id, `.` and `..`).
            pub fn new(id: OrderId) -> Result<Self, Error> {
                check_order_id(&id)?;
                Ok(Self { id })
            }

            /// The deal id.
            pub fn id(&self) -> &OrderId {
                &self.id
            }
        }

        read_endpoint!($name, $output, $op, Method::GET, |this| Path::new("project/orders")
            .param(this.id.as_str())
            .literal($tail));
    };
}

/// `POST /project/<path>` without a body.
macro_rules! project_read {
    ($(#[$doc:meta])* $name:ident => $output:ty, $op:literal, $path:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name {
            _private: (),
        }

        impl $name {
            /// The request (it has no parameters).
            pub const fn new() -> Self {
                Self { _private: () }
            }
        }

        read_endpoint!($name, $output, $op, Method::POST, |_this| Path::new($path));
    };
}

order_read!(
    /// `GET /project/orders/{orderId}/info`: full information about one deal: order,
    /// source, visit chain, products, client.
    GetOrderInfo => roistat_types::OrderInfo, "order_info", "info"
);

order_read!(
    /// `GET /project/orders/{orderId}/external-url`: the URL of a deal in the CRM.
    GetOrderExternalUrl => ExternalUrl, "order_external_url", "external-url"
);

project_read!(
    /// `POST /project/integration/status/list`: the project's deal statuses.
    ListStatuses => StatusList, "list_statuses", "project/integration/status/list"
);

project_read!(
    /// `POST /project/analytics/order-custom-fields`: the names of the deals' custom
    /// fields in the CRM.
    ListCustomFields => roistat_types::CustomFieldNames, "custom_field_names",
    "project/analytics/order-custom-fields"
);
