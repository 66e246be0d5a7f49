//! The nine Orders operations, one module each.
//!
//! Every operation is a value implementing [`Endpoint`](crate::Endpoint); constructors
//! validate their input, so a value that exists can be sent.
//!
//! | operation | method and path | output | retry after "maybe processed" |
//! |---|---|---|---|
//! | [`ListOrders`] | `POST /project/integration/order/list` | [`OrderList`](crate::types::OrderList) | yes (read) |
//! | [`AddOrders`] | `POST /project/add-orders` | [`AddOrdersReport`](crate::types::AddOrdersReport) | yes (upsert by id) |
//! | [`GetOrderInfo`] | `GET /project/orders/{id}/info` | [`types::OrderInfo`](crate::types::OrderInfo) | yes (read) |
//! | [`GetOrderExternalUrl`] | `GET /project/orders/{id}/external-url` | [`ExternalUrl`](crate::types::ExternalUrl) | yes (read) |
//! | [`ListStatuses`] | `POST /project/integration/status/list` | [`StatusList`](crate::types::StatusList) | yes (read) |
//! | [`SetStatuses`] | `POST /project/set-statuses` | [`Success`](crate::types::Success) | yes (replaces the whole list) |
//! | [`ListCustomFields`] | `POST /project/analytics/order-custom-fields` | [`types::CustomFieldNames`](crate::types::CustomFieldNames) | yes (read) |
//! | [`UpdateOrderStatus`] | `POST /project/integration/order/{id}/status/update` | [`Success`](crate::types::Success) | yes (sets a value) |
//! | [`DeleteOrder`] | `POST /project/integration/order/{id}/delete` | [`Success`](crate::types::Success) | **no** |
//!
//! Endpoint names are verbs (`Get...`, `List...`), so they never clash with the models
//! of [`types`](crate::types) they return.

mod add_orders;
mod delete_order;
mod list_orders;
mod reads;
mod set_statuses;
mod update_order_status;

pub use add_orders::AddOrders;
pub use delete_order::DeleteOrder;
pub use list_orders::ListOrders;
pub use reads::{GetOrderExternalUrl, GetOrderInfo, ListCustomFields, ListStatuses};
pub use set_statuses::{SetStatuses, merge_statuses};
pub use update_order_status::UpdateOrderStatus;

use roistat_types::OrderId;
use serde::Serialize;

use crate::error::Error;

/// Serializes a request body.
fn json_body<T: Serialize + ?Sized>(value: &T) -> Result<Option<Vec<u8>>, Error> {
    serde_json::to_vec(value)
        .map(Some)
        .map_err(|e| Error::invalid_request(format!("cannot serialize the request body: {e}")))
}

/// Refuses ids that cannot stay one path segment whatever the encoding: an empty one
/// (`/orders//info`), and `.` or `..`, which URL parsers (reqwest's among them) treat as
/// dot segments even when written `%2E%2E`, so `/orders/../info` would become `/info`;
/// and one too long for a URL ([`MAX_ID_LEN`](roistat_types::MAX_ID_LEN)), an invalid
/// input rather than a URI the request builder cannot make.
fn check_order_id(id: &OrderId) -> Result<(), Error> {
    id.validate()?;
    let raw = id.as_str();
    if raw == "." || raw == ".." {
        return Err(Error::invalid_request(format!(
            "order id `{raw}` cannot be sent: URL parsers treat it as a relative path segment"
        )));
    }
    Ok(())
}
