//! Identifier newtypes, so an order id cannot be passed where a status id belongs.
//!
//! Roistat's ids are strings on the wire (`"95101"`, `"deal_WON"`), though some
//! integrations send plain numbers: decoding accepts both. Ids built by the caller are
//! validated (non-empty, at most [`MAX_ID_LEN`] bytes); ids decoded from Roistat are
//! taken as they come.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::ValidationError;

/// The longest id accepted, in bytes. Order ids travel in URL paths
/// (`/project/orders/{id}/info`), percent-encoded to up to three times their length, and
/// HTTP libraries refuse a URI over 64 KiB; no CRM id comes near this.
pub const MAX_ID_LEN: usize = 4096;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Builds a ", $kind, ", refusing an empty or whitespace-only one and one over [`MAX_ID_LEN`] bytes.")]
            pub fn new(id: impl Into<String>) -> Result<Self, ValidationError> {
                let id = Self(id.into());
                id.validate()?;
                Ok(id)
            }

            #[doc = concat!("Checks what [`new`](Self::new) checks, for a ", $kind, " made with [`new_unchecked`](Self::new_unchecked) or decoded.")]
            pub fn validate(&self) -> Result<(), ValidationError> {
                if self.0.trim().is_empty() {
                    Err(ValidationError::EmptyId { kind: $kind })
                } else if self.0.len() > MAX_ID_LEN {
                    Err(ValidationError::IdTooLong {
                        kind: $kind,
                        len: self.0.len(),
                        max: MAX_ID_LEN,
                    })
                } else {
                    Ok(())
                }
            }

            #[doc = concat!("Wraps a ", $kind, " without validation (for data decoded from Roistat).")]
            pub fn new_unchecked(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as Roistat sends it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The inner string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(IdVisitor).map(Self)
            }
        }
    };
}

string_id!(
    /// A deal's id in the CRM (and in Roistat): `"95101"`, `"order_12345"`.
    OrderId,
    "order id"
);
string_id!(
    /// A status id of the project's dictionary: `"1"`, `"deal_WON"`.
    StatusId,
    "status id"
);
string_id!(
    /// A Roistat visit number: `"4336465"`.
    VisitId,
    "visit id"
);
string_id!(
    /// A Roistat client id: `"78173"`.
    ClientId,
    "client id"
);

/// Accepts a string or an integer, as Roistat's ids come in both forms.
struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id as a string or an integer")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A Roistat project number, sent as `?project=N` on every call.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProjectId(u64);

impl ProjectId {
    /// Wraps a project number.
    pub const fn new(id: u64) -> Self {
        Self(id)
    }

    /// The number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProjectId({})", self.0)
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u64> for ProjectId {
    fn from(id: u64) -> Self {
        Self(id)
    }
}

impl FromStr for ProjectId {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err(ValidationError::InvalidProjectId {
                input: s.to_owned(),
            }),
        }
    }
}

impl Serialize for ProjectId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for ProjectId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::lenient::u64_lenient::deserialize(d).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_ids_are_refused() {
        assert_eq!(
            OrderId::new("  "),
            Err(ValidationError::EmptyId { kind: "order id" })
        );
        assert!("".parse::<StatusId>().is_err());
        assert_eq!(OrderId::new("95101").unwrap().as_str(), "95101");
    }

    #[test]
    fn ids_over_the_limit_are_refused() {
        let longest = "1".repeat(MAX_ID_LEN);
        assert!(OrderId::new(longest.clone()).is_ok());
        let e = OrderId::new(format!("{longest}1")).unwrap_err();
        assert_eq!(
            e,
            ValidationError::IdTooLong {
                kind: "order id",
                len: MAX_ID_LEN + 1,
                max: MAX_ID_LEN
            }
        );
        assert!(!e.to_string().contains(&longest), "the id is not repeated");
        assert!(
            StatusId::new_unchecked("x".repeat(70_000))
                .validate()
                .is_err()
        );
        assert!(StatusId::new_unchecked(" ").validate().is_err());
    }

    #[test]
    fn ids_decode_from_strings_and_numbers() {
        let a: OrderId = serde_json::from_str("\"95101\"").unwrap();
        let b: OrderId = serde_json::from_str("95101").unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"95101\"");
        assert!(serde_json::from_str::<OrderId>("[1]").is_err());
    }

    #[test]
    fn project_ids_parse() {
        assert_eq!("12345".parse::<ProjectId>().unwrap().get(), 12345);
        assert!("0".parse::<ProjectId>().is_err());
        assert!("abc".parse::<ProjectId>().is_err());
        let p: ProjectId = serde_json::from_str("\"12\"").unwrap();
        assert_eq!(p, ProjectId::new(12));
    }
}
