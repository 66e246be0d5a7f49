//! The status dictionary: status types (groups), funnels, and dictionary entries.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::{StatusId, ValidationError};

/// The group a CRM status belongs to in Roistat.
///
/// Unknown groups decode into [`StatusType::Other`] rather than failing, so a new group
/// on Roistat's side does not break an export.
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
}

impl StatusType {
    /// The wire name: `unused`, `progress`, `paid`, `canceled`.
    pub fn as_str(&self) -> &str {
        match self {
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
            Self::Other(_) => None,
        }
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
            Self::Other(_) => Err(ValidationError::InvalidStatusType {
                input: s.to_owned(),
            }),
            known => Ok(known),
        }
    }
}

impl Serialize for StatusType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StatusType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StatusType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status type string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusType, E> {
                Ok(StatusType::from_wire(v))
            }
        }
        d.deserialize_str(V)
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
    /// The group.
    #[serde(rename = "type")]
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
        if let StatusType::Other(t) = &self.r#type {
            return Err(ValidationError::InvalidStatusType { input: t.clone() });
        }
        Ok(())
    }
}

fn name_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
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
    }

    #[test]
    fn funnels() {
        assert_eq!(
            "2".parse::<StatusFunnel>().unwrap(),
            StatusFunnel::Canceled
        );
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
    }
}
