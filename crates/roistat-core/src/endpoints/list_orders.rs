//! `POST /project/integration/order/list`: one page of orders.

use http::Method;
use roistat_types::{FilterField, ListOrdersRequest, OrderList};

use super::json_body;
use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// One page of the order list.
///
/// ```
/// use roistat_core::endpoints::ListOrders;
/// use roistat_core::types::{Filter, ListOrdersRequest, StatusFunnel};
///
/// let page = ListOrders::new(
///     ListOrdersRequest::new().filter(Filter::status(StatusFunnel::Paid)).limit(500),
/// )?;
/// assert_eq!(page.request().limit, Some(500));
/// # Ok::<(), roistat_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ListOrders {
    request: ListOrdersRequest,
}

impl ListOrders {
    /// Checks what Roistat refuses: a zero `limit`, and filters on `source_type`, visit
    /// properties or custom fields (reachable only through `Filter::raw`).
    pub fn new(request: ListOrdersRequest) -> Result<Self, Error> {
        if request.limit == Some(0) {
            return Err(Error::invalid_request(
                "the order-list limit must be at least 1",
            ));
        }
        if let Some(filter) = &request.filters {
            for condition in filter.conditions() {
                let name = condition.field.name();
                if matches!(condition.field, FilterField::Raw(_))
                    && FilterField::refused_by_api(name)
                {
                    return Err(Error::invalid_request(format!(
                        "the order list cannot be filtered on `{name}` (Roistat refuses filters \
                         on visit properties, custom fields and source_type)"
                    )));
                }
            }
        }
        Ok(Self { request })
    }

    /// Every order, Roistat's default page size.
    pub fn all() -> Self {
        Self {
            request: ListOrdersRequest::new(),
        }
    }

    /// The request body.
    pub fn request(&self) -> &ListOrdersRequest {
        &self.request
    }

    /// The request body, by value.
    pub fn into_request(self) -> ListOrdersRequest {
        self.request
    }
}

impl Endpoint for ListOrders {
    type Output = OrderList;

    fn name(&self) -> &'static str {
        "list_orders"
    }

    fn method(&self) -> Method {
        Method::POST
    }

    fn path(&self) -> Path {
        Path::new("project/integration/order/list")
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(&self.request)
    }

    fn retry_safety(&self) -> RetrySafety {
        RetrySafety::Idempotent
    }

    fn rate_class(&self) -> RateClass {
        RateClass::OrderList {
            with_visits: self.request.has_visit_extend(),
            limit: self.request.limit,
        }
    }

    /// The first issue of the first partial row: `data[9].status.type`.
    fn first_decode_issue(&self, output: &OrderList) -> Option<(String, String)> {
        output.partial_rows().find_map(|(i, order)| {
            let issue = order.decode_issues.first()?;
            Some((
                issue.path_under(&format!("data[{i}]")),
                issue.message.clone(),
            ))
        })
    }
}
