//! Custom (additional) fields of an order: names mapped to mixed-type values.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// Custom fields as Roistat sends them: `{"Manager": "John Doe", "roistat": 4336465,
/// "status_name": null}`.
///
/// Values keep their JSON type (strings, integers, null mix freely); the typed
/// accessors convert where that is unambiguous, and [`CustomFields::decode`] maps the
/// whole set into a struct of your own. PHP's empty object, `[]`, decodes as empty.
///
/// ```
/// use roistat_types::CustomFields;
///
/// let fields: CustomFields = serde_json::from_str(
///     r#"{"Manager": "John Doe", "roistat": 4336465, "Deposit": "1500.50"}"#,
/// )?;
/// assert_eq!(fields.get_str("Manager"), Some("John Doe"));
/// assert_eq!(fields.get_i64("roistat"), Some(4336465));
/// assert_eq!(fields.get_f64("Deposit"), Some(1500.5));
///
/// #[derive(serde::Deserialize)]
/// struct Mine {
///     #[serde(rename = "Manager")]
///     manager: String,
/// }
/// let mine: Mine = fields.decode()?;
/// assert_eq!(mine.manager, "John Doe");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomFields(BTreeMap<String, Value>);

impl CustomFields {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// The raw JSON value of a field.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A field's text: a string as is, a number formatted; `None` for null or absent.
    pub fn get_string(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A field that is a JSON string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.0.get(name)?.as_str()
    }

    /// A field that is an integer, or a string holding one.
    pub fn get_i64(&self, name: &str) -> Option<i64> {
        match self.0.get(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A field that is a number, or a string holding one.
    pub fn get_f64(&self, name: &str) -> Option<f64> {
        match self.0.get(name)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok().filter(|x: &f64| x.is_finite()),
            _ => None,
        }
    }

    /// A field holding a date in any form [`date::parse`](crate::date::parse) reads:
    /// Roistat's `2016-06-19T00:32:12+0000`, RFC 3339 with a colon offset as custom-field
    /// dates come (`2026-08-31T03:00:00+03:00`, Moscow time), `YYYY-MM-DD[ HH:MM[:SS]]`
    /// (UTC). The offset is kept; `None` for other values, null or absent.
    ///
    /// ```
    /// use roistat_types::CustomFields;
    ///
    /// let fields: CustomFields =
    ///     serde_json::from_str(r#"{"Deadline": "2026-08-31T03:00:00+03:00"}"#)?;
    /// let deadline = fields.get_date("Deadline").unwrap();
    /// assert_eq!(deadline.unix_timestamp(), 1_788_134_400);
    /// assert_eq!(deadline.offset().whole_hours(), 3);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn get_date(&self, name: &str) -> Option<time::OffsetDateTime> {
        crate::date::parse(self.0.get(name)?.as_str()?).ok()
    }

    /// Whether the field is present with the value `null`.
    pub fn is_null(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(Value::Null))
    }

    /// Sets a field.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.0.insert(name.into(), value.into())
    }

    /// Removes a field.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
    }

    /// The fields in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The field names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Decodes the fields into a type of your own (field names as serde keys).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        // Clones the values: this runs only when asked, never on the decoding path.
        let map: serde_json::Map<String, Value> =
            self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        T::deserialize(Value::Object(map))
    }

    /// The underlying map.
    pub fn as_map(&self) -> &BTreeMap<String, Value> {
        &self.0
    }
}

impl From<BTreeMap<String, Value>> for CustomFields {
    fn from(m: BTreeMap<String, Value>) -> Self {
        Self(m)
    }
}

impl FromIterator<(String, Value)> for CustomFields {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a CustomFields {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::collections::btree_map::Iter<'a, String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for CustomFields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for CustomFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = CustomFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of custom fields (or [] for none)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CustomFields, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.insert(k, v);
        }
        Ok(CustomFields(out))
    }

    /// PHP encodes an empty associative array as `[]`, and a list as an array: keep the
    /// values under their positions ("0", "1", ...).
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CustomFields, A::Error> {
        let mut out = BTreeMap::new();
        let mut i = 0usize;
        while let Some(v) = seq.next_element::<Value>()? {
            out.insert(i.to_string(), v);
            i += 1;
        }
        Ok(CustomFields(out))
    }

    fn visit_unit<E: de::Error>(self) -> Result<CustomFields, E> {
        Ok(CustomFields::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<CustomFields, E> {
        Ok(CustomFields::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_array_and_null_are_empty() {
        for s in ["[]", "null", "{}"] {
            let f: CustomFields = serde_json::from_str(s).unwrap();
            assert!(f.is_empty(), "{s}");
        }
    }

    #[test]
    fn accessors() {
        let f: CustomFields =
            serde_json::from_str(r#"{"a":"12","b":7,"c":null,"d":"x","e":1.5}"#).unwrap();
        assert_eq!(f.get_i64("a"), Some(12));
        assert_eq!(f.get_i64("b"), Some(7));
        assert_eq!(f.get_i64("d"), None);
        assert!(f.is_null("c"));
        assert!(!f.is_null("zz"));
        assert_eq!(f.get_string("b").as_deref(), Some("7"));
        assert_eq!(f.get_f64("e"), Some(1.5));
        assert_eq!(f.get_date("a"), None);
        assert_eq!(f.names().collect::<Vec<_>>(), ["a", "b", "c", "d", "e"]);
        assert!(
            f.decode::<std::collections::HashMap<String, String>>()
                .is_err()
        );
    }
}
