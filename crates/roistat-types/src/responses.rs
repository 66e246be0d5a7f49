//! The small answers and request bodies: external URL, status list, custom field names,
//! status update, and the bare success answer.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::lenient::u64_lenient;
use crate::{Status, StatusId};

/// `GET /project/orders/{orderId}/external-url`: the deal's page in the CRM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExternalUrl {
    /// The URL (`externalUrl` on the wire).
    #[serde(rename = "externalUrl")]
    pub external_url: String,
}

/// `POST /project/integration/status/list`: the project's status dictionary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusList {
    /// The statuses.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null::deserialize")]
    pub data: Vec<Status>,
    /// How many there are (a string in the reference's table, a number in its example).
    #[serde(default, deserialize_with = "u64_lenient::deserialize")]
    pub total: u64,
}

/// `POST /project/analytics/order-custom-fields`: the names of the deals' custom fields.
///
/// Arrives as an array of names, and has been seen as an object keyed `"0"`, `"1"`, ...:
/// both decode, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomFieldNames {
    /// The names.
    #[serde(default, deserialize_with = "names")]
    pub fields: Vec<String>,
}

fn names<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of field names or an object of them")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            // Keys "0", "1", ... give the order; non-numeric keys keep arrival order after them.
            let mut keyed: Vec<(u64, usize, String)> = Vec::new();
            let mut i = 0usize;
            while let Some((k, v)) = map.next_entry::<String, String>()? {
                keyed.push((k.parse().unwrap_or(u64::MAX), i, v));
                i += 1;
            }
            keyed.sort_by_key(|(n, i, _)| (*n, *i));
            Ok(keyed.into_iter().map(|(_, _, v)| v).collect())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V)
}

/// The body of `POST /project/integration/order/{orderId}/status/update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateOrderStatusRequest {
    /// The new status id.
    pub status_id: StatusId,
}

impl UpdateOrderStatusRequest {
    /// A status update.
    pub fn new(status_id: StatusId) -> Self {
        Self { status_id }
    }
}

/// The bare `{"status": "success"}` answer of set-statuses, status update and delete.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Success {}
