//! Dates in Roistat's form: `2016-06-19T00:32:12+0000`.
//!
//! Roistat writes the offset without a colon, so these are not RFC 3339 strings and
//! `time`'s well-known formats refuse them. Reading also accepts RFC 3339 (custom-field
//! dates come with a colon offset: `2026-08-31T03:00:00+03:00`),
//! `YYYY-MM-DD HH:MM[:SS]` and `YYYY-MM-DD` (both UTC); writing always produces the
//! Roistat form in UTC.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::ValidationError;

/// Formats a date as Roistat does: `2016-06-19T00:32:12+0000`, converted to UTC.
///
/// ```
/// use time::macros::datetime;
/// assert_eq!(
///     roistat_types::date::format(&datetime!(2016-06-19 03:32:12 +03:00)),
///     "2016-06-19T00:32:12+0000"
/// );
/// ```
pub fn format(date: &OffsetDateTime) -> String {
    let d = date.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// Parses a date in any accepted form (see the module docs).
///
/// ```
/// let d = roistat_types::date::parse("2016-06-19T00:32:12+0000")?;
/// assert_eq!(d.unix_timestamp(), 1466296332);
/// assert_eq!(roistat_types::date::parse("2016-06-19")?.hour(), 0);
/// assert!(roistat_types::date::parse("19.06.2016").is_err());
/// # Ok::<(), roistat_types::ValidationError>(())
/// ```
pub fn parse(input: &str) -> Result<OffsetDateTime, ValidationError> {
    let s = input.trim();
    parse_fixed(s.as_bytes())
        .or_else(|| OffsetDateTime::parse(s, &Rfc3339).ok())
        .ok_or_else(|| ValidationError::InvalidDate {
            input: input.to_owned(),
        })
}

/// The fast path for the forms Roistat and people write, parsed by position.
fn parse_fixed(b: &[u8]) -> Option<OffsetDateTime> {
    let date = parse_ymd(b.get(0..10)?)?;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
    }
    // `T` (Roistat) or a space (`YYYY-MM-DD HH:MM[:SS]`).
    if rest[0] != b'T' && rest[0] != b' ' {
        return None;
    }
    let hour = two(rest.get(1..3)?)?;
    if *rest.get(3)? != b':' {
        return None;
    }
    let minute = two(rest.get(4..6)?)?;
    let (second, tail) = match rest.get(6) {
        Some(b':') => (two(rest.get(7..9)?)?, &rest[9..]),
        _ => (0, &rest[6..]),
    };
    let time = Time::from_hms(hour, minute, second).ok()?;
    let offset = match tail {
        [] | [b'Z'] => UtcOffset::UTC,
        [sign @ (b'+' | b'-'), h1, h2, m1, m2] => offset(*sign, &[*h1, *h2], &[*m1, *m2])?,
        // RFC 3339's colon offset, as in custom-field dates (`2026-08-31T03:00:00+03:00`).
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => offset(*sign, &[*h1, *h2], &[*m1, *m2])?,
        // Roistat's form never has fractions; RFC 3339 with fractions goes to the slow path.
        _ => return None,
    };
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

fn parse_ymd(b: &[u8]) -> Option<Date> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::from(two(&b[0..2])?) * 100 + i32::from(two(&b[2..4])?);
    let month = Month::try_from(two(&b[5..7])?).ok()?;
    Date::from_calendar_date(year, month, two(&b[8..10])?).ok()
}

fn offset(sign: u8, h: &[u8], m: &[u8]) -> Option<UtcOffset> {
    let (h, m) = (two(h)?, two(m)?);
    // Real offsets stay within a day; `time` would accept up to 25:59.
    if h > 23 || m > 59 {
        return None;
    }
    let (h, m) = (h as i8, m as i8);
    let (h, m) = if sign == b'-' { (-h, -m) } else { (h, m) };
    UtcOffset::from_hms(h, m, 0).ok()
}

fn two(b: &[u8]) -> Option<u8> {
    match b {
        [a @ b'0'..=b'9', c @ b'0'..=b'9'] => Some((a - b'0') * 10 + (c - b'0')),
        _ => None,
    }
}

struct DateVisitor;

impl Visitor<'_> for DateVisitor {
    type Value = Option<OffsetDateTime>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date such as 2016-06-19T00:32:12+0000")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        parse(v).map(Some).map_err(E::custom)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// `#[serde(with = "roistat_types::date::roistat")]` for a required `OffsetDateTime`.
pub mod roistat {
    use super::*;

    /// Writes the Roistat form.
    pub fn serialize<S: Serializer>(d: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(d))
    }

    /// Reads any accepted form; `null` or `""` is an error here.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        d.deserialize_any(DateVisitor)?
            .ok_or_else(|| de::Error::custom("missing date"))
    }
}

/// `#[serde(with = "roistat_types::date::roistat_option")]` for `Option<OffsetDateTime>`:
/// `null` and `""` read as `None`.
pub mod roistat_option {
    use super::*;

    /// Writes the Roistat form or `null`.
    pub fn serialize<S: Serializer>(d: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&format(d)),
            None => s.serialize_none(),
        }
    }

    /// Reads any accepted form, `null` or `""`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        d.deserialize_any(DateVisitor)
    }
}

/// `date_create` of an uploaded order: UNIX time, or `YYYY-MM-DD HH:MM` in UTC.
///
/// ```
/// use roistat_types::DateCreate;
/// use time::macros::datetime;
///
/// let unix = DateCreate::from(datetime!(2014-03-01 11:26:40 UTC));
/// assert_eq!(serde_json::to_string(&unix)?, r#""1393673200""#);
/// let minute = DateCreate::Minute(datetime!(2024-01-31 12:30));
/// assert_eq!(minute.to_string(), "2024-01-31 12:30");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateCreate {
    /// Seconds since the UNIX epoch, sent as a string (`"1393673200"`).
    Unix(i64),
    /// A UTC date and time to the minute, sent as `YYYY-MM-DD HH:MM`.
    Minute(PrimitiveDateTime),
}

impl DateCreate {
    /// The instant this stands for, in UTC.
    pub fn to_offset_date_time(self) -> Option<OffsetDateTime> {
        match self {
            Self::Unix(t) => OffsetDateTime::from_unix_timestamp(t).ok(),
            Self::Minute(p) => Some(p.assume_utc()),
        }
    }

    /// Parses UNIX seconds, `YYYY-MM-DD HH:MM`, or any form [`parse`] takes.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s
                .parse()
                .map(Self::Unix)
                .map_err(|_| ValidationError::InvalidDate {
                    input: input.to_owned(),
                });
        }
        // Exactly `YYYY-MM-DD HH:MM` keeps its form; any other date becomes UNIX time.
        if s.len() == 16
            && s.as_bytes().get(10) == Some(&b' ')
            && let Some(d) = parse_fixed(s.as_bytes())
        {
            return Ok(Self::Minute(PrimitiveDateTime::new(d.date(), d.time())));
        }
        parse(s).map(|d| Self::Unix(d.unix_timestamp()))
    }
}

impl From<OffsetDateTime> for DateCreate {
    fn from(d: OffsetDateTime) -> Self {
        Self::Unix(d.unix_timestamp())
    }
}

impl fmt::Display for DateCreate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix(t) => write!(f, "{t}"),
            Self::Minute(p) => write!(
                f,
                "{:04}-{:02}-{:02} {:02}:{:02}",
                p.year(),
                u8::from(p.month()),
                p.day(),
                p.hour(),
                p.minute()
            ),
        }
    }
}

impl Serialize for DateCreate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateCreate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DateCreate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("UNIX time or YYYY-MM-DD HH:MM")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateCreate, E> {
                DateCreate::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DateCreate, E> {
                i64::try_from(v)
                    .map(DateCreate::Unix)
                    .map_err(|_| E::custom("UNIX time out of range"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DateCreate, E> {
                Ok(DateCreate::Unix(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn reads_every_accepted_form() {
        let want = datetime!(2016-06-19 00:32:12 UTC);
        for s in [
            "2016-06-19T00:32:12+0000",
            "2016-06-19T03:32:12+0300",
            "2016-06-18T20:32:12-0400",
            "2016-06-19T00:32:12Z",
            "2016-06-19T00:32:12+00:00",
            "2016-06-19T03:32:12+03:00",
            "2016-06-18T21:32:12-03:00",
            "2016-06-18T22:02:12-0230",
            "2016-06-19T00:32:12.000+00:00",
            "2016-06-19 00:32:12",
            " 2016-06-19T00:32:12+0000 ",
        ] {
            assert_eq!(parse(s).unwrap(), want, "{s}");
        }
        assert_eq!(
            parse("2016-06-19 00:32").unwrap(),
            datetime!(2016-06-19 00:32 UTC)
        );
    }

    #[test]
    fn refuses_malformed_dates() {
        for s in [
            "",
            "2016-13-01",
            "2016-02-30",
            "2016-06-19T25:00:00+0000",
            "2016-06-19T00:32:12+00",
            "19.06.2016",
            "2016-06-19X00:32:12",
            "2016-06-19T00:32:12+2500",
            "2016-06-19T00:32:12+03:60",
            "2016-06-19T00:32:12+03-00",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn date_create_forms() {
        assert_eq!(
            DateCreate::parse("1393673200").unwrap(),
            DateCreate::Unix(1393673200)
        );
        assert_eq!(
            DateCreate::parse("2024-01-31 12:30").unwrap(),
            DateCreate::Minute(datetime!(2024-01-31 12:30))
        );
        assert_eq!(
            DateCreate::parse("2014-03-01T11:26:40+0000").unwrap(),
            DateCreate::Unix(1393673200)
        );
        let d: DateCreate = serde_json::from_str("1393673200").unwrap();
        assert_eq!(d, DateCreate::Unix(1393673200));
        assert!(DateCreate::parse("soon").is_err());
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(secs in -62_135_596_800i64..253_402_300_799i64, off in -86_399i32..86_399) {
            let off = UtcOffset::from_whole_seconds(off / 60 * 60).unwrap();
            let d = OffsetDateTime::from_unix_timestamp(secs).unwrap().to_offset(off);
            let text = format(&d);
            prop_assert_eq!(text.len(), 24);
            prop_assert_eq!(parse(&text).unwrap(), d);
        }

        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = parse(&s);
            let _ = DateCreate::parse(&s);
        }
    }
}
