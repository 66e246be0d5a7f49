//! Uploading deals: `POST /project/add-orders`.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::lenient::{self, u64_lenient};
use crate::{DateCreate, MAX_FIELD_LEN, OrderId, StatusId, ValidationError};

/// A deal to upload.
///
/// Prices travel as strings (`"222"`), as in the reference; decoding accepts numbers too.
///
/// ```
/// use roistat_types::{NewOrder, OrderId, StatusId};
///
/// let order = NewOrder::new(OrderId::new("1")?)
///     .name("New order")
///     .status(StatusId::new("0")?)
///     .price(222.0)
///     .field("Manager", "John Doe");
/// order.validate()?;
/// assert_eq!(
///     serde_json::to_string(&order).unwrap(),
///     r#"{"id":"1","name":"New order","status":"0","price":"222","fields":{"Manager":"John Doe"}}"#
/// );
/// # Ok::<(), roistat_types::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewOrder {
    /// The deal's id in the CRM; uploads upsert by it.
    pub id: OrderId,
    /// A human-readable name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string_opt::deserialize"
    )]
    pub name: Option<String>,
    /// When the deal was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_create: Option<DateCreate>,
    /// A status id from the project's dictionary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusId>,
    /// The visit number (the `roistat` cookie).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::string_opt::deserialize"
    )]
    pub roistat: Option<String>,
    /// The deal value (revenue).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "price")]
    pub price: Option<f64>,
    /// The first cost.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "price")]
    pub cost: Option<f64>,
    /// Custom fields, at most [`MAX_FIELD_LEN`] characters each.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "fields"
    )]
    pub fields: BTreeMap<String, String>,
}

impl NewOrder {
    /// A deal with only its id.
    pub fn new(id: OrderId) -> Self {
        Self {
            id,
            name: None,
            date_create: None,
            status: None,
            roistat: None,
            price: None,
            cost: None,
            fields: BTreeMap::new(),
        }
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the creation date.
    pub fn date_create(mut self, date: impl Into<DateCreate>) -> Self {
        self.date_create = Some(date.into());
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: StatusId) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the visit number.
    pub fn roistat(mut self, visit: impl Into<String>) -> Self {
        self.roistat = Some(visit.into());
        self
    }

    /// Sets the deal value.
    pub fn price(mut self, price: f64) -> Self {
        self.price = Some(price);
        self
    }

    /// Sets the first cost.
    pub fn cost(mut self, cost: f64) -> Self {
        self.cost = Some(cost);
        self
    }

    /// Sets a custom field.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// Checks what Roistat would refuse or cut: an empty id or one over
    /// [`MAX_ID_LEN`](crate::MAX_ID_LEN) bytes, a custom field longer than
    /// [`MAX_FIELD_LEN`] characters, a price that is not a finite number.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.id.validate()?;
        for (field, value) in &self.fields {
            let len = value.chars().count();
            if len > MAX_FIELD_LEN {
                return Err(ValidationError::FieldTooLong {
                    field: field.clone(),
                    len,
                    max: MAX_FIELD_LEN,
                });
            }
        }
        for (field, v) in [("price", self.price), ("cost", self.cost)] {
            if let Some(x) = v.filter(|x| !x.is_finite()) {
                return Err(ValidationError::InvalidNumber {
                    field: field.into(),
                    input: x.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// Prices go out as strings, come in as strings or numbers.
mod price {
    use super::*;

    pub(super) fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(x) => s.serialize_str(&lenient::number_to_string(*x)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        lenient::f64_opt::deserialize(d)
    }
}

/// Field values are strings on the wire; numbers and booleans are accepted and kept as
/// text, `null` values are dropped, and `[]` is an empty set.
fn fields<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw = crate::CustomFields::deserialize(d)?;
    let mut out = BTreeMap::new();
    for (k, v) in raw.iter() {
        match v {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => {
                out.insert(k.to_owned(), s.clone());
            }
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {
                out.insert(k.to_owned(), v.to_string());
            }
            _ => {
                return Err(de::Error::custom(format_args!(
                    "custom field `{k}` must be a string, got {v}"
                )));
            }
        }
    }
    Ok(out)
}

/// What Roistat did with an upload.
///
/// `uploaded: 0` with `skipped_by_waiting_visit_info: 1` is normal: the visit is not
/// known yet and the deal is processed later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AddOrdersReport {
    /// Deals imported.
    #[serde(default, deserialize_with = "u64_lenient::deserialize")]
    pub uploaded: u64,
    /// Deals processed.
    #[serde(default, deserialize_with = "u64_lenient::deserialize")]
    pub processed: u64,
    /// Deals skipped because of their status.
    #[serde(default, deserialize_with = "u64_lenient::deserialize")]
    pub skipped_by_status: u64,
    /// Deals waiting for their visit to be known.
    #[serde(default, deserialize_with = "u64_lenient::deserialize")]
    pub skipped_by_waiting_visit_info: u64,
    /// Deals skipped by an internal error.
    #[serde(default, deserialize_with = "u64_lenient::deserialize")]
    pub skipped_by_internal_error: u64,
    /// Deals identical to what Roistat has.
    #[serde(default, deserialize_with = "u64_lenient::deserialize")]
    pub skipped_because_not_changed: u64,
    /// Fields skipped for their format (also seen as `skipped_by_invalid_format`).
    #[serde(
        default,
        alias = "skipped_by_invalid_format",
        deserialize_with = "u64_lenient::deserialize"
    )]
    pub skipped_fields_by_invalid_format: u64,
    /// Deals saved.
    #[serde(default, deserialize_with = "u64_lenient::deserialize")]
    pub saved: u64,
    /// A comment, usually empty.
    #[serde(default, deserialize_with = "comment")]
    pub comment: String,
}

impl AddOrdersReport {
    /// How many orders Roistat did not save, all reasons together (see
    /// [`skipped`](Self::skipped)); orders identical to what Roistat has
    /// (`skipped_because_not_changed`) are not counted: nothing was lost.
    pub fn skipped_total(&self) -> u64 {
        SkipReason::ALL
            .iter()
            .fold(0u64, |sum, r| sum.saturating_add(self.skipped_by(*r)))
    }

    /// The counter of one reason.
    pub fn skipped_by(&self, reason: SkipReason) -> u64 {
        match reason {
            SkipReason::Status => self.skipped_by_status,
            SkipReason::WaitingVisitInfo => self.skipped_by_waiting_visit_info,
            SkipReason::InternalError => self.skipped_by_internal_error,
            SkipReason::InvalidFormat => self.skipped_fields_by_invalid_format,
        }
    }

    /// Each reason with a non-zero count, in [`SkipReason::ALL`] order.
    ///
    /// ```
    /// use roistat_types::{AddOrdersReport, SkipReason};
    ///
    /// let report: AddOrdersReport = serde_json::from_str(
    ///     r#"{"uploaded": 2, "saved": 0, "skipped_by_status": 2, "skipped_by_invalid_format": "1"}"#,
    /// )?;
    /// assert_eq!(report.skipped_total(), 3);
    /// let reasons: Vec<_> = report.skipped().collect();
    /// assert_eq!(reasons, [(SkipReason::Status, 2), (SkipReason::InvalidFormat, 1)]);
    /// for (reason, count) in report.skipped() {
    ///     eprintln!("{count} not saved: {reason}");
    /// }
    /// assert!(SkipReason::Status.to_string().contains("status dictionary"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn skipped(&self) -> impl Iterator<Item = (SkipReason, u64)> + '_ {
        SkipReason::ALL
            .into_iter()
            .map(|r| (r, self.skipped_by(r)))
            .filter(|(_, n)| *n > 0)
    }

    /// Adds another batch's counters to these (comments are joined).
    pub fn accumulate(&mut self, other: &AddOrdersReport) {
        self.uploaded += other.uploaded;
        self.processed += other.processed;
        self.skipped_by_status += other.skipped_by_status;
        self.skipped_by_waiting_visit_info += other.skipped_by_waiting_visit_info;
        self.skipped_by_internal_error += other.skipped_by_internal_error;
        self.skipped_because_not_changed += other.skipped_because_not_changed;
        self.skipped_fields_by_invalid_format += other.skipped_fields_by_invalid_format;
        self.saved += other.saved;
        if !other.comment.is_empty() {
            if !self.comment.is_empty() {
                self.comment.push_str("; ");
            }
            self.comment.push_str(&other.comment);
        }
    }
}

/// Why Roistat did not save orders of an upload: the `skipped_*` counters of
/// [`AddOrdersReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// `skipped_by_status`: the order's status id is not in the project's dictionary.
    Status,
    /// `skipped_by_waiting_visit_info`: the visit is not known yet; Roistat processes the
    /// order later.
    WaitingVisitInfo,
    /// `skipped_by_internal_error`: Roistat failed.
    InternalError,
    /// `skipped_fields_by_invalid_format` (also sent as `skipped_by_invalid_format`): a
    /// field's value was in a format Roistat refuses.
    InvalidFormat,
}

impl SkipReason {
    /// Every reason, in the order [`AddOrdersReport::skipped`] lists them.
    pub const ALL: [SkipReason; 4] = [
        Self::Status,
        Self::WaitingVisitInfo,
        Self::InternalError,
        Self::InvalidFormat,
    ];

    /// The counter's name in Roistat's answer.
    pub fn counter(self) -> &'static str {
        match self {
            Self::Status => "skipped_by_status",
            Self::WaitingVisitInfo => "skipped_by_waiting_visit_info",
            Self::InternalError => "skipped_by_internal_error",
            Self::InvalidFormat => "skipped_fields_by_invalid_format",
        }
    }

    /// What it means and what to do, in words (also the `Display` form).
    pub fn description(self) -> &'static str {
        match self {
            Self::Status => {
                "status id not in the status dictionary (add it with set-statuses, e.g. \
                 `roistat statuses upsert`, then upload again)"
            }
            Self::WaitingVisitInfo => {
                "waiting for visit info (the visit is not known yet; Roistat saves the order \
                 later, nothing to do)"
            }
            Self::InternalError => "internal error at Roistat (upload these orders again)",
            Self::InvalidFormat => {
                "invalid field format (check dates, prices and custom fields, then upload \
                 again)"
            }
        }
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description())
    }
}

fn comment<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(lenient::string_opt::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_limit_is_enforced() {
        let ok = NewOrder::new(OrderId::new("1").unwrap()).field("a", "é".repeat(1000));
        assert!(ok.validate().is_ok());
        let bad = ok.clone().field("b", "x".repeat(1001));
        assert_eq!(
            bad.validate(),
            Err(ValidationError::FieldTooLong {
                field: "b".into(),
                len: 1001,
                max: 1000
            })
        );
        let nan = NewOrder::new(OrderId::new("1").unwrap()).price(f64::NAN);
        assert!(nan.validate().is_err());
    }

    #[test]
    fn decodes_loose_uploads() {
        let o: NewOrder = serde_json::from_str(
            r#"{"id":2,"price":333,"cost":"222.5","fields":{"a":1,"b":null,"c":"x"},"date_create":"1393673200"}"#,
        )
        .unwrap();
        assert_eq!(o.id.as_str(), "2");
        assert_eq!(o.price, Some(333.0));
        assert_eq!(o.cost, Some(222.5));
        assert_eq!(o.fields.len(), 2);
        assert_eq!(o.date_create, Some(DateCreate::Unix(1393673200)));
        let back = serde_json::to_value(&o).unwrap();
        assert_eq!(back["price"], "333");
        assert_eq!(back["cost"], "222.5");
    }

    #[test]
    fn report_alias_and_accumulate() {
        let mut a: AddOrdersReport = serde_json::from_str(
            r#"{"uploaded":"2","skipped_by_invalid_format":1,"comment":null}"#,
        )
        .unwrap();
        assert_eq!(a.skipped_fields_by_invalid_format, 1);
        let b = AddOrdersReport {
            uploaded: 3,
            comment: "x".into(),
            ..Default::default()
        };
        a.accumulate(&b);
        assert_eq!(a.uploaded, 5);
        assert_eq!(a.comment, "x");
    }

    #[test]
    fn skip_counters_at_a_glance() {
        let clean = AddOrdersReport {
            uploaded: 3,
            saved: 2,
            skipped_because_not_changed: 1,
            ..Default::default()
        };
        assert_eq!(clean.skipped_total(), 0);
        assert_eq!(clean.skipped().count(), 0);
        for spelling in [
            "skipped_fields_by_invalid_format",
            "skipped_by_invalid_format",
        ] {
            let r: AddOrdersReport = serde_json::from_str(&format!(
                r#"{{"skipped_by_status":"2","skipped_by_waiting_visit_info":1,
                    "skipped_by_internal_error":4,"{spelling}":8}}"#
            ))
            .unwrap();
            assert_eq!(r.skipped_total(), 15, "{spelling}");
            let all: Vec<_> = r.skipped().collect();
            assert_eq!(
                all,
                [
                    (SkipReason::Status, 2),
                    (SkipReason::WaitingVisitInfo, 1),
                    (SkipReason::InternalError, 4),
                    (SkipReason::InvalidFormat, 8),
                ]
            );
            for (reason, n) in all {
                assert_eq!(r.skipped_by(reason), n);
                let v = serde_json::to_value(&r).unwrap();
                assert_eq!(v[reason.counter()], n, "{reason:?}");
            }
        }
        let huge = AddOrdersReport {
            skipped_by_status: u64::MAX,
            skipped_by_internal_error: 1,
            ..Default::default()
        };
        assert_eq!(huge.skipped_total(), u64::MAX);
        assert!(SkipReason::Status.to_string().contains("statuses upsert"));
    }
}
