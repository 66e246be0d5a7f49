//! Everything about one deal: `GET /project/orders/{orderId}/info`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::lenient::{f64_opt, flag, flag_opt, object_opt, string_opt, u64_opt, vec_or_null};
use crate::{ClientId, CustomFields, OrderId, StatusId, StatusType, VisitId};

/// The answer of the order-info method: the deal, its visit chain and its products.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderInfo {
    /// The deal.
    pub order: OrderDetails,
    /// Every visit of the chain, oldest first.
    #[serde(default, deserialize_with = "vec_or_null::deserialize")]
    pub visits: Vec<InfoVisit>,
    /// The products of the deal.
    #[serde(default, deserialize_with = "vec_or_null::deserialize")]
    pub products: Vec<Product>,
}

/// The deal part of [`OrderInfo`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderDetails {
    /// The order id.
    pub id: OrderId,
    /// Its title.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub title: Option<String>,
    /// Its page in the CRM.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub url: Option<String>,
    /// Where the deal came from.
    #[serde(default, deserialize_with = "object_opt::deserialize")]
    pub source: Option<OrderSource>,
    /// When it was created (UTC).
    #[serde(default, with = "crate::date::roistat_option")]
    pub creation_date: Option<OffsetDateTime>,
    /// When it last changed.
    #[serde(default, with = "crate::date::roistat_option")]
    pub update_date: Option<OffsetDateTime>,
    /// When its payment data last changed.
    #[serde(default, with = "crate::date::roistat_option")]
    pub paid_date: Option<OffsetDateTime>,
    /// The group of its status.
    #[serde(default)]
    pub status: Option<StatusType>,
    /// The status name.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub status_name: Option<String>,
    /// The status id.
    #[serde(default)]
    pub status_original: Option<StatusId>,
    /// The deal price.
    #[serde(default, with = "f64_opt")]
    pub price: Option<f64>,
    /// The deal cost.
    #[serde(default, with = "f64_opt")]
    pub cost: Option<f64>,
    /// The visit the deal was created on.
    #[serde(default)]
    pub visit_id: Option<VisitId>,
    /// That visit.
    #[serde(default, deserialize_with = "object_opt::deserialize")]
    pub visit: Option<InfoVisit>,
    /// Additional fields.
    #[serde(default)]
    pub fields_data: CustomFields,
    /// Whether the lead is multi-channel (`0`/`1` on the wire).
    #[serde(default, with = "flag")]
    pub is_multichannel: bool,
    /// How many visits the chain has.
    #[serde(default, deserialize_with = "u64_opt::deserialize")]
    pub visits_count: Option<u64>,
    /// The client's phone numbers (personal data).
    #[serde(default, deserialize_with = "vec_or_null::deserialize")]
    pub client_phones: Vec<String>,
    /// The client's email addresses (personal data).
    #[serde(default, deserialize_with = "vec_or_null::deserialize")]
    pub client_emails: Vec<String>,
    /// The client's name (personal data).
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub client_name: Option<String>,
    /// The client's Roistat id.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    /// The client's id in the CRM.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub client_external_id: Option<String>,
    /// Whether this is the client's first deal.
    #[serde(default, deserialize_with = "flag_opt::deserialize")]
    pub is_first: Option<bool>,
    /// Whether this is the client's first sale.
    #[serde(default, deserialize_with = "flag_opt::deserialize")]
    pub is_first_sale: Option<bool>,
}

/// Where a deal came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderSource {
    /// `proxyform` (a form), `phone` (call tracking), `lead_hunter`, ...
    #[serde(rename = "type", default, deserialize_with = "string_opt::deserialize")]
    pub r#type: Option<String>,
    /// The source's icon.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub icon_url: Option<String>,
    /// The source's title.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub title: Option<String>,
}

/// A visit as the order-info method describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InfoVisit {
    /// The visit number.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub id: Option<String>,
    /// When it happened.
    #[serde(default, with = "crate::date::roistat_option")]
    pub date: Option<OffsetDateTime>,
    /// The client's city.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub city: Option<String>,
    /// The client's country.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub country: Option<String>,
    /// The country's flag.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub country_icon: Option<String>,
    /// Whether this was the client's first visit.
    #[serde(default, with = "flag")]
    pub is_first_visit: bool,
    /// Whether the deal was created on this visit.
    #[serde(default, with = "flag")]
    pub is_order_visit: bool,
    /// The source, all levels: `VK → Products of the month - Kitchen`.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub marker: Option<String>,
    /// Each level of the source.
    #[serde(default, deserialize_with = "vec_or_null::deserialize")]
    pub marker_info: Vec<MarkerLevel>,
    /// The channel's icon.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub marker_icon: Option<String>,
    /// The page the client came from.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub referrer: Option<String>,
    /// The page the client landed on.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub landing_page: Option<String>,
    /// The domain.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub host: Option<String>,
    /// The client's OS.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub os_name: Option<String>,
    /// Its icon.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub os_icon: Option<String>,
    /// The client's browser.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub browser_name: Option<String>,
    /// Its icon.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub browser_icon: Option<String>,
}

/// One level of a visit's source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MarkerLevel {
    /// The level's marker (`vk4`).
    #[serde(default, deserialize_with = "string_or_empty")]
    pub marker: String,
    /// Its readable name (`VK`).
    #[serde(default, deserialize_with = "string_or_empty")]
    pub alias: String,
}

impl MarkerLevel {
    /// A level.
    pub fn new(marker: impl Into<String>, alias: impl Into<String>) -> Self {
        Self {
            marker: marker.into(),
            alias: alias.into(),
        }
    }
}

/// A product of a deal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Product {
    /// Product id.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub name: Option<String>,
    /// Price.
    #[serde(default, with = "f64_opt")]
    pub price: Option<f64>,
    /// Cost.
    #[serde(default, with = "f64_opt")]
    pub cost: Option<f64>,
    /// Brand.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub brand: Option<String>,
    /// Variant.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub variant: Option<String>,
    /// Category levels (the reference's table calls the key `category`, its example
    /// `categories`: both are read).
    #[serde(
        default,
        alias = "category",
        deserialize_with = "vec_or_null::deserialize"
    )]
    pub categories: Vec<ProductCategory>,
    /// Quantity.
    #[serde(default, with = "f64_opt")]
    pub quantity: Option<f64>,
    /// Additional fields, as sent.
    #[serde(default, deserialize_with = "any_fields")]
    pub fields: serde_json::Value,
}

/// One level of a product's category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductCategory {
    /// Nesting level (`"1"`).
    #[serde(default, deserialize_with = "string_or_empty")]
    pub level: String,
    /// The level's title.
    #[serde(default, deserialize_with = "string_or_empty")]
    pub value: String,
}

fn string_or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(string_opt::deserialize(d)?.unwrap_or_default())
}

/// Product fields are `[]` in the reference; keep whatever shape arrives.
fn any_fields<'de, D: serde::Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
    Ok(
        Option::<serde_json::Value>::deserialize(d)?
            .unwrap_or(serde_json::Value::Array(Vec::new())),
    )
}
