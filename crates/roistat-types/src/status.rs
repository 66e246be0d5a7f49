//! The status dictionary: status types (groups), funnels, and dictionary entries.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::{StatusId, ValidationError};

/// The group a CRM status belongs to in Roistat.
///
/// Live projects list statuses outside the four groups: ids missing from the status
/// dictionary come with `type` absent, `null`, or a value Roistat does not document.
/// None of these fail a decode: absent and `null` read as [`StatusType::Ungrouped`]
/// (written back as `null`), any other value as [`StatusType::Other`] (written back as
/// sent). Neither has a [`funnel`](StatusType::funnel), and [`Status::validate`] refuses
/// both, since `set-statuses` only takes the four groups.
///
/// ```
/// use roistat_types::{Status, StatusType};
///
/// let s: Status = serde_json::from_str(r#"{"id": "deal_C49:WON", "name": "Won"}"#)?;
/// assert_eq!(s.r#type, StatusType::Ungrouped);
/// let s: Status = serde_json::from_str(r#"{"id": 4, "name": "Lead", "type": null}"#)?;
/// assert_eq!((s.id.as_str(), s.r#type.funnel()), ("4", None));
/// let s: Status = serde_json::from_str(r#"{"id": "lead_4", "type": "archived"}"#)?;
/// assert_eq!(s.r#type, StatusType::Other("archived".into()));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusType {
    /// "Not registered".
    Unused,
    /// "Processing" (in work).
    Progress,
    /// "Paid".
    Paid,
    /// "Rejected".
    Canceled,
    /// A group this SDK does not know yet, as Roistat sent it.
    Other(String),
    /// No group at all: `type` absent or `null` (seen on statuses missing from the
    /// project's dictionary).
    Ungrouped,
}

impl StatusType {
    /// The wire name: `unused`, `progress`, `paid`, `canceled`, an unknown group as
    /// sent, and `""` for [`StatusType::Ungrouped`].
    pub fn as_str(&self) -> &str {
        match self {
            Self::Ungrouped => "",
            Self::Unused => "unused",
            Self::Progress => "progress",
            Self::Paid => "paid",
            Self::Canceled => "canceled",
            Self::Other(s) => s,
        }
    }

    /// The funnel this group is counted in, for the order list's `status` filter
    /// (`unused` counts as in work).
    pub fn funnel(&self) -> Option<StatusFunnel> {
        match self {
            Self::Unused | Self::Progress => Some(StatusFunnel::InWork),
            Self::Paid => Some(StatusFunnel::Paid),
            Self::Canceled => Some(StatusFunnel::Canceled),
            Self::Other(_) | Self::Ungrouped => None,
        }
    }

    /// Whether this is one of the four documented groups.
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Other(_) | Self::Ungrouped)
    }

    /// Decodes leniently: the four groups with a few spellings seen in the wild,
    /// anything else kept as [`StatusType::Other`].
    fn from_wire(s: &str) -> Self {
        match s {
            "unused" => Self::Unused,
            "progress" | "in progress" | "in_progress" => Self::Progress,
            "paid" => Self::Paid,
            "canceled" | "cancelled" => Self::Canceled,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for StatusType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Strict: only the four groups; anything else is a [`ValidationError`].
impl FromStr for StatusType {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Self::from_wire(s.trim().to_ascii_lowercase().as_str()) {
            Self::Other(_) | Self::Ungrouped => Err(ValidationError::InvalidStatusType {
                input: s.to_owned(),
            }),
            known => Ok(known),
        }
    }
}

impl Serialize for StatusType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Ungrouped => s.serialize_none(),
            other => s.serialize_str(other.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for StatusType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StatusType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status type string or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusType, E> {
                Ok(StatusType::from_wire(v))
            }
            // A group sent as a number is outside the four: kept as text.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusType, E> {
                Ok(StatusType::Other(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusType, E> {
                Ok(StatusType::Other(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StatusType, E> {
                Ok(StatusType::Ungrouped)
            }
            fn visit_none<E: de::Error>(self) -> Result<StatusType, E> {
                Ok(StatusType::Ungrouped)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StatusType, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_any(V)
    }
}

/// The funnel value of the order list's `status` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusFunnel {
    /// `"0"`: statuses of the in-work funnel.
    InWork,
    /// `"1"`: statuses of the paid funnel.
    Paid,
    /// `"2"`: statuses of the canceled funnel (the reference's spelling, as in
    /// [`StatusType::Canceled`]).
    Canceled,
}

impl StatusFunnel {
    /// The value the API expects: `"0"`, `"1"` or `"2"`.
    pub fn as_wire(self) -> &'static str {
        match self {
            Self::InWork => "0",
            Self::Paid => "1",
            Self::Canceled => "2",
        }
    }

    /// A readable name: `in-work`, `paid`, `canceled`.
    pub fn name(self) -> &'static str {
        match self {
            Self::InWork => "in-work",
            Self::Paid => "paid",
            Self::Canceled => "canceled",
        }
    }

    /// Reads the wire value `"0"`, `"1"` or `"2"`.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "0" => Some(Self::InWork),
            "1" => Some(Self::Paid),
            "2" => Some(Self::Canceled),
            _ => None,
        }
    }
}

impl fmt::Display for StatusFunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Accepts `0`/`1`/`2`, `in-work`, `paid`, `canceled` (and a few spellings).
impl FromStr for StatusFunnel {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "0" | "in-work" | "in_work" | "inwork" | "work" | "progress" => Ok(Self::InWork),
            "1" | "paid" => Ok(Self::Paid),
            "2" | "canceled" | "cancelled" => Ok(Self::Canceled),
            _ => Err(ValidationError::InvalidStatusFunnel {
                input: s.to_owned(),
            }),
        }
    }
}

/// A status of the project's dictionary (`/integration/status/list`, `/set-statuses`),
/// and the `status` object of a listed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Status {
    /// The status id.
    pub id: StatusId,
    /// The human-readable name from the CRM.
    #[serde(default, deserialize_with = "name_or_null")]
    pub name: String,
    /// The group; [`StatusType::Ungrouped`] when `type` is absent or `null`.
    #[serde(rename = "type", default = "ungrouped")]
    pub r#type: StatusType,
}

impl Status {
    /// A dictionary entry.
    pub fn new(id: StatusId, name: impl Into<String>, r#type: StatusType) -> Self {
        Self {
            id,
            name: name.into(),
            r#type,
        }
    }

    /// Checks what Roistat would refuse: an empty id, a type outside the four groups.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.id.as_str().trim().is_empty() {
            return Err(ValidationError::EmptyId { kind: "status id" });
        }
        if !self.r#type.is_known() {
            return Err(ValidationError::InvalidStatusType {
                input: self.r#type.as_str().to_owned(),
            });
        }
        Ok(())
    }
}

fn ungrouped() -> StatusType {
    StatusType::Ungrouped
}

pub(crate) fn name_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(crate::lenient::string_opt::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_status_types_are_kept() {
        let t: StatusType = serde_json::from_str("\"archived\"").unwrap();
        assert_eq!(t, StatusType::Other("archived".into()));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"archived\"");
        assert!("archived".parse::<StatusType>().is_err());
        assert_eq!("Paid".parse::<StatusType>().unwrap(), StatusType::Paid);
        let c: StatusType = serde_json::from_str("\"cancelled\"").unwrap();
        assert_eq!(c, StatusType::Canceled);
        let n: StatusType = serde_json::from_str("7").unwrap();
        assert_eq!(n, StatusType::Other("7".into()));
    }

    #[test]
    fn missing_and_null_types_are_ungrouped() {
        for body in [
            r#"{"id":"lead_4","name":"Lead"}"#,
            r#"{"id":"lead_4","name":"Lead","type":null}"#,
        ] {
            let s: Status = serde_json::from_str(body).unwrap();
            assert_eq!(s.r#type, StatusType::Ungrouped, "{body}");
            assert_eq!(s.r#type.funnel(), None);
            assert!(!s.r#type.is_known());
            let back = serde_json::to_value(&s).unwrap();
            assert_eq!(back["type"], serde_json::Value::Null);
            assert_eq!(serde_json::from_value::<Status>(back).unwrap(), s);
        }
        assert!("".parse::<StatusType>().is_err());
        let s: Status =
            serde_json::from_str(r#"{"id":"deal_C49:WON","name":"Won","type":"paid"}"#).unwrap();
        assert_eq!(s.id, "deal_C49:WON");
        assert_eq!(s.r#type.funnel(), Some(StatusFunnel::Paid));
    }

    #[test]
    fn funnels() {
        assert_eq!("2".parse::<StatusFunnel>().unwrap(), StatusFunnel::Canceled);
        assert_eq!("in-work".parse::<StatusFunnel>().unwrap().as_wire(), "0");
        assert!("3".parse::<StatusFunnel>().is_err());
        assert_eq!(StatusType::Unused.funnel(), Some(StatusFunnel::InWork));
    }

    #[test]
    fn status_validation() {
        let ok = Status::new(StatusId::new("1").unwrap(), "New", StatusType::Progress);
        assert!(ok.validate().is_ok());
        let bad = Status::new(StatusId::new_unchecked(""), "New", StatusType::Progress);
        assert!(bad.validate().is_err());
        let other = Status::new(
            StatusId::new("1").unwrap(),
            "New",
            StatusType::Other("x".into()),
        );
        assert_eq!(
            other.validate(),
            Err(ValidationError::InvalidStatusType { input: "x".into() })
        );
        let none = Status::new(StatusId::new("1").unwrap(), "New", StatusType::Ungrouped);
        assert!(none.validate().is_err());
    }
}
