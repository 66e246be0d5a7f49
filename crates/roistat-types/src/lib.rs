//! Models and the filter DSL of the [Roistat] Orders API.
//!
//! This crate is pure data: it depends on `serde`, `serde_json` and `time` only, so a
//! program that just reads or writes Roistat's JSON (an exporter, a webhook handler, a
//! test) pulls in no HTTP stack and no async runtime. The HTTP side lives in
//! `roistat-core` (sans-IO) and the two clients, `roistat-blocking` and `roistat-async`.
//!
//! What is here:
//! - ids ([`OrderId`], [`StatusId`], [`VisitId`], [`ClientId`], [`ProjectId`]),
//! - dates in Roistat's `2016-06-19T00:32:12+0000` form ([`date`]),
//! - status dictionary types ([`Status`], [`StatusType`], [`StatusFunnel`]),
//! - every request and response of the nine Orders operations ([`ListOrdersRequest`],
//!   [`OrderList`], [`NewOrder`], [`AddOrdersReport`], [`OrderInfo`], [`ExternalUrl`],
//!   [`StatusList`], [`CustomFieldNames`], [`UpdateOrderStatusRequest`], [`Success`]),
//! - the error envelope ([`ApiErrorBody`], [`ErrorCode`]),
//! - the typed order-list [`Filter`] with its text form.
//!
//! Decoding is lenient where Roistat is loose (numbers as strings, `[]` for an empty
//! object, `total` as a string, unknown keys, statuses without a group) and strict where
//! it matters (ids, dates, filter operators). A row of the order list that still does
//! not fit is delivered with what could be read and its [`DecodeIssue`]s, never failing
//! its page.
//!
//! ```
//! use roistat_types::{Filter, OrderList, StatusFunnel};
//!
//! let page: OrderList = serde_json::from_str(r#"{
//!     "data": [{"id": "95101", "creation_date": "2016-06-19T00:32:12+0000",
//!               "revenue": "1500", "custom_fields": [], "status": null}],
//!     "total": "1", "status": "success"
//! }"#)?;
//! assert_eq!(page.total, 1);
//! assert_eq!(page.data[0].revenue, Some(1500.0));
//!
//! let filter = Filter::revenue().ge(1000).and(Filter::status(StatusFunnel::Paid));
//! assert_eq!(filter.to_string(), "revenue >= 1000 and status = paid");
//! assert_eq!(
//!     serde_json::to_string(&filter)?,
//!     r#"{"and":[["revenue",">=",1000],["status","=","1"]]}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [Roistat]: https://roistat.com
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod add;
pub mod custom_fields;
pub mod date;
pub mod error;
pub mod filter;
pub mod ids;
pub mod info;
pub mod issue;
mod lenient;
pub mod order;
pub mod responses;
mod rows;
pub mod status;
pub mod validation;
pub mod visit;

pub use add::{AddOrdersReport, NewOrder, SkipReason};
pub use custom_fields::CustomFields;
pub use date::DateCreate;
pub use error::{ApiErrorBody, ErrorCode};
pub use filter::{Condition, Filter, FilterField, FilterParseError, FilterValue, Operator};
pub use ids::{ClientId, MAX_ID_LEN, OrderId, ProjectId, StatusId, VisitId};
pub use info::{
    InfoVisit, MarkerLevel, OrderDetails, OrderInfo, OrderSource, Product, ProductCategory,
};
pub use issue::DecodeIssue;
pub use order::{Extend, ListOrdersRequest, Order, OrderList};
pub use responses::{CustomFieldNames, ExternalUrl, StatusList, Success, UpdateOrderStatusRequest};
pub use status::{Status, StatusFunnel, StatusType};
pub use validation::ValidationError;
pub use visit::{Device, Geo, Visit, VisitSource};

/// The longest value Roistat stores in one custom field of an uploaded order.
pub const MAX_FIELD_LEN: usize = 1000;
