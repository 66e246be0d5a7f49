//! The order list: `POST /project/integration/order/list`.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;

use crate::lenient::{f64_opt, object_opt, u64_lenient};
use crate::{ClientId, CustomFields, DecodeIssue, Filter, OrderId, Status, VisitId};

/// The body of an order-list request.
///
/// ```
/// use roistat_types::{Filter, ListOrdersRequest};
///
/// let req = ListOrdersRequest::new()
///     .filter(Filter::revenue().gt(0))
///     .with_visits()
///     .limit(100)
///     .offset(200);
/// assert_eq!(
///     serde_json::to_string(&req)?,
///     r#"{"filters":[["revenue",">",0]],"extend":["visit"],"limit":100,"offset":200}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// Decoding accepts what shipped clients write and the live API takes: `null` for
/// `filters`, `extend`, `limit` and `offset`; `filters: []` or `{}` for no filter; and
/// unknown keys (`sort`, `period`, `date_from`, ...), which are ignored as Roistat
/// ignores them.
///
/// ```
/// use roistat_types::ListOrdersRequest;
///
/// let php: ListOrdersRequest = serde_json::from_str(
///     r#"{"filters": [], "extend": null, "sort": null, "offset": null, "limit": 100}"#,
/// )?;
/// assert_eq!(php, ListOrdersRequest::new().limit(100));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListOrdersRequest {
    /// Which orders to list.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "filters_opt"
    )]
    pub filters: Option<Filter>,
    /// Extra data to embed, such as the visit.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::lenient::vec_or_null::deserialize"
    )]
    pub extend: Vec<Extend>,
    /// Page size.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u32"
    )]
    pub limit: Option<u32>,
    /// How many matching orders to skip.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64"
    )]
    pub offset: Option<u64>,
}

impl ListOrdersRequest {
    /// All orders, Roistat's default page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the filter.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filters = Some(filter);
        self
    }

    /// Embeds each order's visit (`extend: ["visit"]`); stricter rate limits apply.
    pub fn with_visits(mut self) -> Self {
        if !self.has_visit_extend() {
            self.extend.push(Extend::Visit);
        }
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the offset.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Whether visits are embedded (this selects the stricter rate-limit tiers).
    pub fn has_visit_extend(&self) -> bool {
        self.extend.contains(&Extend::Visit)
    }
}

/// No filter: absent, `null`, `[]` or `{}` (PHP's empty array and object).
fn filters_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Filter>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    match value {
        None => Ok(None),
        Some(serde_json::Value::Array(a)) if a.is_empty() => Ok(None),
        Some(serde_json::Value::Object(o)) if o.is_empty() => Ok(None),
        Some(v) => Filter::deserialize(v).map(Some).map_err(de::Error::custom),
    }
}

fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match crate::lenient::u64_opt::deserialize(d)? {
        None => Ok(None),
        Some(n) => u32::try_from(n)
            .map(Some)
            .map_err(|_| de::Error::custom(format_args!("limit {n} is too large"))),
    }
}

fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    crate::lenient::u64_opt::deserialize(d)
}

/// What an order-list request may embed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Extend {
    /// `"visit"`: the order's visit, see [`crate::Visit`].
    Visit,
    /// Anything else, sent as is.
    Other(String),
}

impl Extend {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Visit => "visit",
            Self::Other(s) => s,
        }
    }
}

impl Serialize for Extend {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Extend {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Extend;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an extend name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Extend, E> {
                Ok(match v {
                    "visit" => Extend::Visit,
                    other => Extend::Other(other.to_owned()),
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// One page of the order list.
///
/// A row that does not fit the model never fails the page: it is delivered with every
/// field that could be read and its [`Order::decode_issues`] (see [`DecodeIssue`]).
/// This holds for any serde_json entry point (`from_slice`, `from_str`, `from_reader`,
/// `from_value`); other formats decode rows without this isolation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderList {
    /// The orders of this page.
    #[serde(default, deserialize_with = "crate::rows::deserialize")]
    pub data: Vec<Order>,
    /// How many orders match the filter in all (a number or a numeric string on the wire).
    #[serde(default, deserialize_with = "u64_lenient::deserialize")]
    pub total: u64,
}

impl OrderList {
    /// A page.
    pub fn new(data: Vec<Order>, total: u64) -> Self {
        Self { data, total }
    }

    /// The rows that could only be read in part, with their index in [`data`](Self::data).
    pub fn partial_rows(&self) -> impl Iterator<Item = (usize, &Order)> {
        self.data.iter().enumerate().filter(|(_, o)| o.is_partial())
    }
}

/// An order (deal) as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Order {
    /// The deal's id in the CRM.
    pub id: OrderId,
    /// The deal's page in the CRM.
    #[serde(default, deserialize_with = "crate::lenient::string_opt::deserialize")]
    pub url: Option<String>,
    /// How the lead was created (`standard`, ...).
    #[serde(default, deserialize_with = "crate::lenient::string_opt::deserialize")]
    pub source_type: Option<String>,
    /// When the deal was created (UTC).
    #[serde(default, with = "crate::date::roistat_option")]
    pub creation_date: Option<OffsetDateTime>,
    /// When the deal last changed (UTC).
    #[serde(default, with = "crate::date::roistat_option")]
    pub update_date: Option<OffsetDateTime>,
    /// Revenue.
    #[serde(default, with = "f64_opt")]
    pub revenue: Option<f64>,
    /// First cost.
    #[serde(default, with = "f64_opt")]
    pub cost: Option<f64>,
    /// The client's id.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    /// The visit the deal came from.
    #[serde(default)]
    pub visit_id: Option<VisitId>,
    /// Custom fields.
    #[serde(default)]
    pub custom_fields: CustomFields,
    /// The deal's status.
    #[serde(default, deserialize_with = "object_opt::deserialize")]
    pub status: Option<Status>,
    /// The visit, with `extend: ["visit"]`; otherwise `None`.
    #[serde(default, deserialize_with = "object_opt::deserialize")]
    pub visit: Option<crate::Visit>,
    /// What could not be read in this row: empty for a row that fits the model.
    ///
    /// When a known key's value cannot be read, the field keeps its default (`None`,
    /// empty) and the value lands here, raw. An id that is absent or unreadable reads as
    /// the empty id (`""`), with its issue. Unknown keys are ignored, not issues. Written
    /// (as `decode_issues`) only when not empty, so clean orders serialize as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decode_issues: Vec<DecodeIssue>,
}

impl Order {
    /// An order with just an id (for building test data and fake servers).
    pub fn new(id: OrderId) -> Self {
        Self {
            id,
            url: None,
            source_type: None,
            creation_date: None,
            update_date: None,
            revenue: None,
            cost: None,
            client_id: None,
            visit_id: None,
            custom_fields: CustomFields::default(),
            status: None,
            visit: None,
            decode_issues: Vec::new(),
        }
    }

    /// Whether part of the row could not be read (see [`Order::decode_issues`]).
    pub fn is_partial(&self) -> bool {
        !self.decode_issues.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_written_by_shipped_clients_decode() {
        for body in [
            r#"{"extend":null,"sort":null,"offset":null,"limit":null,"filters":[]}"#,
            r#"{"filters":null,"extend":[],"period":"month","date_from":"2016-01-01"}"#,
            r#"{"filters":{},"limit":"","offset":""}"#,
            "{}",
        ] {
            let r: ListOrdersRequest = serde_json::from_str(body).unwrap();
            assert_eq!(r, ListOrdersRequest::new(), "{body}");
        }
        let r: ListOrdersRequest = serde_json::from_str(
            r#"{"filters":[["id","in",["62",63]]],"extend":["visit"],"limit":"100","offset":0}"#,
        )
        .unwrap();
        assert!(r.has_visit_extend());
        assert_eq!((r.limit, r.offset), (Some(100), Some(0)));
        assert_eq!(
            serde_json::to_value(r.filters.unwrap()).unwrap(),
            serde_json::json!([["id", "in", ["62", "63"]]])
        );
        assert!(serde_json::from_str::<ListOrdersRequest>(r#"{"filters":5}"#).is_err());
        assert!(serde_json::from_str::<ListOrdersRequest>(r#"{"limit":-1}"#).is_err());
    }
}
