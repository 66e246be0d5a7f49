//! Response decoding: bytes in, the typed output or a typed [`Error`] out.
//!
//! Roistat marks every answer with a top-level `"status"`: `"success"` or `"error"`
//! (with `error`, `description`, `details`), and by default sends errors with HTTP 200.
//! The body is therefore authoritative, whatever the HTTP status.
//!
//! The hot path decodes once: the output type is deserialized straight from the slice
//! (`serde_json::from_slice`-style, no `Value` intermediate, no path tracking) through a
//! thin wrapper that notes the value of the top-level `status` key on the way by. Only
//! when that says `"error"`, or the typed decode fails, is the body read again: for the
//! error envelope, or with `serde_path_to_error` for the JSON path of the failure.
//!
//! A row of the order list that does not fit the model does not fail the decode: the
//! models isolate it (see [`OrderList`](roistat_types::OrderList)) and deliver it with
//! its issues. [`decode_with`] and [`DecodeOptions::strict`] turn such a row back into
//! an [`Error::Decode`] for callers who prefer to fail fast.
//!
//! ```
//! use http::{HeaderMap, StatusCode};
//! use roistat_core::{decode, Error};
//! use roistat_core::endpoints::ListStatuses;
//! use roistat_core::types::ErrorCode;
//!
//! let ok = decode(&ListStatuses::new(), StatusCode::OK, &HeaderMap::new(),
//!     br#"{"data":[{"id":"1","name":"New","type":"progress"}],"total":1,"status":"success"}"#)?;
//! assert_eq!(ok.data[0].name, "New");
//!
//! let err = decode(&ListStatuses::new(), StatusCode::OK, &HeaderMap::new(),
//!     br#"{"status":"error","error":"access_denied","description":"No access"}"#).unwrap_err();
//! assert_eq!(err.api_code(), Some(&ErrorCode::AccessDenied));
//! # Ok::<(), Error>(())
//! ```

use std::fmt;

use http::{HeaderMap, Response, StatusCode};
use roistat_types::{ApiErrorBody, ErrorCode};
use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    Visitor,
};

use crate::endpoint::Endpoint;
use crate::error::{ApiError, Error};
use crate::retry::RetryAfter;

/// The most bytes of a body kept in an error.
pub const SNIPPET_LEN: usize = 512;

/// How to decode an answer.
///
/// By default an odd row of the order list is delivered with its
/// [`decode_issues`](roistat_types::Order::decode_issues) and does not fail its page;
/// [`DecodeOptions::strict`] fails the whole answer instead, with the row's JSON path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Fail with [`Error::Decode`] when any part of the output decoded only in part.
    pub strict: bool,
}

impl DecodeOptions {
    /// Fail fast: any row that decodes only in part fails the answer.
    pub fn strict() -> Self {
        Self { strict: true }
    }
}

/// Decodes the answer to `endpoint` (see the [module docs](self)); odd rows of a page
/// are delivered with their issues ([`decode_with`] with the default options).
pub fn decode<E: Endpoint + ?Sized>(
    endpoint: &E,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<E::Output, Error> {
    decode_with(endpoint, status, headers, body, &DecodeOptions::default())
}

/// [`decode`] with options: in strict mode, an output the endpoint reports as decoded
/// only in part ([`Endpoint::first_decode_issue`]) is an [`Error::Decode`] with the full
/// JSON path.
///
/// ```
/// use http::{HeaderMap, StatusCode};
/// use roistat_core::{DecodeOptions, Error, decode_with};
/// use roistat_core::endpoints::ListOrders;
///
/// let body = br#"{"data":[{"id":"1"},{"id":"2","status":{"id":[7]}}],"total":2,"status":"success"}"#;
/// let (list, headers) = (ListOrders::all(), HeaderMap::new());
/// let page = decode_with(&list, StatusCode::OK, &headers, body, &DecodeOptions::default())?;
/// assert_eq!(page.data[1].decode_issues[0].path, "status.id");
///
/// let err = decode_with(&list, StatusCode::OK, &headers, body, &DecodeOptions::strict())
///     .unwrap_err();
/// assert!(matches!(&err, Error::Decode { path, .. } if path == "data[1].status.id"));
/// # Ok::<(), Error>(())
/// ```
pub fn decode_with<E: Endpoint + ?Sized>(
    endpoint: &E,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    options: &DecodeOptions,
) -> Result<E::Output, Error> {
    let output = decode_body::<E::Output>(status, headers, body)?;
    if options.strict
        && let Some((path, message)) = endpoint.first_decode_issue(&output)
    {
        return Err(Error::Decode {
            path,
            message,
            http_status: status,
            snippet: snippet(body),
        });
    }
    Ok(output)
}

/// [`decode`] for a whole `http::Response`.
pub fn decode_response<E: Endpoint + ?Sized>(
    endpoint: &E,
    response: &Response<Vec<u8>>,
) -> Result<E::Output, Error> {
    decode(
        endpoint,
        response.status(),
        response.headers(),
        response.body(),
    )
}

/// Decodes a Roistat answer into any type (the output of an [`Endpoint`] you wrote
/// yourself, or a different model of a known one). Top-level object keys are handed to
/// `T` as strings.
pub fn decode_body<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Error> {
    let retry_after = RetryAfter::from_headers(headers);
    // PHP servers sometimes prepend a UTF-8 byte order mark.
    let json = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let first = json.iter().find(|b| !b.is_ascii_whitespace());
    if !matches!(first, Some(b'{' | b'[')) {
        return Err(unexpected(status, body, retry_after));
    }

    let mut seen = Seen::Absent;
    let result = {
        let mut de = serde_json::Deserializer::from_slice(json);
        let sniff = Sniff {
            inner: &mut de,
            seen: &mut seen,
        };
        T::deserialize(sniff).and_then(|v| de.end().map(|()| v))
    };

    match (seen, result) {
        (Seen::Error, _) => Err(api_error(status, json, retry_after)),
        (Seen::Success, Ok(v)) => Ok(v),
        (_, Ok(v)) if status.is_success() => Ok(v),
        (_, Ok(_)) => Err(unexpected(status, body, retry_after)),
        (_, Err(e)) => {
            // The typed decode may have stopped before reaching `status`.
            if peek_status(json) == Seen::Error {
                Err(api_error(status, json, retry_after))
            } else if status.is_success() {
                let (path, message) = failure_path::<T>(json, &e);
                Err(Error::Decode {
                    path,
                    message,
                    http_status: status,
                    snippet: snippet(body),
                })
            } else {
                Err(unexpected(status, body, retry_after))
            }
        }
    }
}

/// Where a failed decode failed. Tracking the path costs an allocation per object key,
/// so the hot path does not; this second pass, on failure only, does.
fn failure_path<T: DeserializeOwned>(json: &[u8], first: &serde_json::Error) -> (String, String) {
    let mut de = serde_json::Deserializer::from_slice(json);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => (e.path().to_string(), e.inner().to_string()),
        // The value decoded: the failure was after it (trailing characters).
        Ok(_) => (".".to_owned(), first.to_string()),
    }
}

/// The start of `body` as text: at most [`SNIPPET_LEN`] bytes, cut on a character
/// boundary, invalid UTF-8 replaced.
pub fn snippet(body: &[u8]) -> String {
    if body.len() <= SNIPPET_LEN {
        return String::from_utf8_lossy(body).into_owned();
    }
    let mut end = SNIPPET_LEN;
    // Step back over UTF-8 continuation bytes (at most 3 for valid text).
    while end > SNIPPET_LEN - 4 && body.get(end).is_some_and(|b| b & 0xC0 == 0x80) {
        end -= 1;
    }
    let head = body.get(..end).unwrap_or_default();
    let mut s = String::from_utf8_lossy(head).into_owned();
    s.push('…');
    s
}

fn unexpected(status: StatusCode, body: &[u8], retry_after: Option<RetryAfter>) -> Error {
    Error::UnexpectedResponse {
        http_status: status,
        snippet: snippet(body),
        retry_after,
    }
}

fn api_error(status: StatusCode, json: &[u8], retry_after: Option<RetryAfter>) -> Error {
    let (code, description, details) = match serde_json::from_slice::<ApiErrorBody>(json) {
        Ok(body) => (body.error, body.description, body.details),
        // `status: "error"` without a readable code is still Roistat saying no.
        Err(_) => (
            ErrorCode::UnknownError,
            Some("error envelope without a readable error code".to_owned()),
            None,
        ),
    };
    Error::from(ApiError {
        code,
        description,
        details,
        http_status: status,
        retry_after,
    })
}

/// What the top-level `status` key said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Absent,
    Success,
    Error,
    Other,
}

impl Seen {
    fn of(value: &serde_json::Value) -> Self {
        match value.as_str() {
            Some("success") => Seen::Success,
            Some("error") => Seen::Error,
            _ => Seen::Other,
        }
    }
}

/// The second look, for the failure path only: just the `status` key.
fn peek_status(json: &[u8]) -> Seen {
    #[derive(Deserialize)]
    struct Peek {
        #[serde(default)]
        status: Option<serde_json::Value>,
    }
    match serde_json::from_slice::<Peek>(json) {
        Ok(Peek { status: Some(v) }) => Seen::of(&v),
        _ => Seen::Absent,
    }
}

/// A deserializer that forwards everything to `inner` and, if the top level is an
/// object, records the value of its `status` key in `seen`.
struct Sniff<'s, D> {
    inner: D,
    seen: &'s mut Seen,
}

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
                self.inner.$method($($arg,)* visitor)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Sniff<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(SniffVisitor {
            inner: visitor,
            seen: self.seen,
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(SniffVisitor {
            inner: visitor,
            seen: self.seen,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(
            name,
            fields,
            SniffVisitor {
                inner: visitor,
                seen: self.seen,
            },
        )
    }

    forward_deserialize! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16();
        deserialize_u32(); deserialize_u64(); deserialize_u128(); deserialize_f32();
        deserialize_f64(); deserialize_char(); deserialize_str(); deserialize_string();
        deserialize_bytes(); deserialize_byte_buf(); deserialize_option(); deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq(); deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier(); deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// Forwards every visit; wraps the top-level map.
struct SniffVisitor<'s, V> {
    inner: V,
    seen: &'s mut Seen,
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                self.inner.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for SniffVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool(bool); visit_i8(i8); visit_i16(i16); visit_i32(i32); visit_i64(i64);
        visit_i128(i128); visit_u8(u8); visit_u16(u16); visit_u32(u32); visit_u64(u64);
        visit_u128(u128); visit_f32(f32); visit_f64(f64); visit_char(char);
        visit_str(&str); visit_borrowed_str(&'de str); visit_string(String);
        visit_bytes(&[u8]); visit_borrowed_bytes(&'de [u8]); visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
        self.inner.visit_some(d)
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
        self.inner.visit_newtype_struct(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_seq(seq)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(data)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(SniffMap {
            inner: map,
            seen: self.seen,
            at_status: false,
        })
    }
}

/// The top-level map: reads each key itself (to spot `status`), hands it on as a string.
struct SniffMap<'s, A> {
    inner: A,
    seen: &'s mut Seen,
    at_status: bool,
}

/// A map key as read from the input.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for SniffMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.inner.next_key_seed(KeySeed)? else {
            return Ok(None);
        };
        match key {
            Key::Borrowed(k) => {
                self.at_status = k == "status";
                seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some)
            }
            Key::Owned(k) => {
                self.at_status = k == "status";
                seed.deserialize(StringDeserializer::new(k)).map(Some)
            }
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        if !std::mem::take(&mut self.at_status) {
            return self.inner.next_value_seed(seed);
        }
        // `status` is a short string: reading it as a Value costs one small allocation.
        let value: serde_json::Value = self.inner.next_value()?;
        *self.seen = Seen::of(&value);
        seed.deserialize(value).map_err(de::Error::custom)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::ListOrders;
    use roistat_types::{OrderList, StatusList, Success};

    fn ok<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, Error> {
        decode_body::<T>(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
        )
    }

    #[test]
    fn success_decodes_once_and_status_is_seen() {
        let list: StatusList = ok(
            200,
            r#"{"data":[{"id":"1","name":"A","type":"paid"}],"total":"1","status":"success"}"#,
        )
        .unwrap();
        assert_eq!(list.total, 1);
    }

    #[test]
    fn error_envelope_wins_even_when_the_output_would_decode() {
        let e = ok::<Success>(
            200,
            r#"{"status":"error","error":"resource_not_found","description":"Order not found","details":{"id":"x"}}"#,
        )
        .unwrap_err();
        let Error::Api(api) = &e else { panic!("{e:?}") };
        assert_eq!(api.code, ErrorCode::ResourceNotFound);
        assert_eq!(api.http_status, StatusCode::OK);
        assert_eq!(api.description.as_deref(), Some("Order not found"));
        assert_eq!(api.details, Some(serde_json::json!({"id": "x"})));
    }

    #[test]
    fn error_envelope_after_a_failing_field() {
        // The typed decode fails on `data` before it reaches `status`.
        let e = ok::<OrderList>(
            429,
            r#"{"data":5,"error":"request_limit_error","status":"error"}"#,
        )
        .unwrap_err();
        assert_eq!(e.api_code(), Some(&ErrorCode::RequestLimitError));
        assert_eq!(e.http_status(), Some(StatusCode::TOO_MANY_REQUESTS));
        let e = ok::<OrderList>(200, r#"{"status":"error","data":5}"#).unwrap_err();
        assert_eq!(e.api_code(), Some(&ErrorCode::UnknownError));
    }

    const ODD_ROW: &str = r#"{"data":[{"id":"1"},{"id":"2","creation_date":"yesterday"}],"total":2,"status":"success"}"#;

    #[test]
    fn decode_errors_carry_the_json_path() {
        let e = ok::<StatusList>(
            200,
            r#"{"data":[{"id":"1"},{"id":"2","name":{"a":1}}],"total":2,"status":"success"}"#,
        )
        .unwrap_err();
        let Error::Decode {
            path,
            message,
            http_status,
            snippet,
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(path, "data[1].name");
        assert!(message.contains("map"), "{message}");
        assert_eq!(*http_status, StatusCode::OK);
        assert!(snippet.starts_with("{\"data\""));
    }

    #[test]
    fn an_odd_row_does_not_fail_its_page() {
        let page = decode(
            &ListOrders::all(),
            StatusCode::OK,
            &HeaderMap::new(),
            ODD_ROW.as_bytes(),
        )
        .unwrap();
        assert_eq!(page.data.len(), 2);
        assert!(!page.data[0].is_partial());
        let issue = &page.data[1].decode_issues[0];
        assert_eq!(issue.path, "creation_date");
        assert_eq!(issue.raw, "yesterday");
    }

    #[test]
    fn strict_mode_fails_fast_with_the_full_path() {
        let e = decode_with(
            &ListOrders::all(),
            StatusCode::OK,
            &HeaderMap::new(),
            ODD_ROW.as_bytes(),
            &DecodeOptions::strict(),
        )
        .unwrap_err();
        let Error::Decode {
            path,
            message,
            http_status,
            snippet,
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(path, "data[1].creation_date");
        assert!(message.contains("yesterday"), "{message}");
        assert_eq!(*http_status, StatusCode::OK);
        assert_eq!(snippet, ODD_ROW);
        assert!(e.to_string().contains("data[1].creation_date"), "{e}");
        // Through a reference too (the blanket impl forwards the override).
        let list = ListOrders::all();
        let by_ref = &list;
        assert!(
            decode_with(
                &by_ref,
                StatusCode::OK,
                &HeaderMap::new(),
                ODD_ROW.as_bytes(),
                &DecodeOptions::strict()
            )
            .is_err()
        );
        // A clean page passes strict mode; an error envelope is still an API error.
        let clean = r#"{"data":[{"id":"1"}],"total":1,"status":"success"}"#;
        let strict = DecodeOptions::strict();
        let headers = HeaderMap::new();
        assert!(decode_with(&list, StatusCode::OK, &headers, clean.as_bytes(), &strict).is_ok());
        let err = br#"{"status":"error","error":"access_denied"}"#;
        let e = decode_with(&list, StatusCode::OK, &headers, err, &strict).unwrap_err();
        assert_eq!(e.api_code(), Some(&ErrorCode::AccessDenied));
        assert!(!DecodeOptions::default().strict);
    }

    #[test]
    fn trailing_garbage_and_truncation_are_decode_errors() {
        assert!(matches!(
            ok::<Success>(200, r#"{"status":"success"} x"#),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            ok::<OrderList>(200, r#"{"data":[{"id":"1"#),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn non_json_and_empty_bodies() {
        for (status, body) in [
            (502, "<html>Bad Gateway</html>"),
            (200, ""),
            (200, "  \n"),
            (204, ""),
        ] {
            let e = ok::<Success>(status, body).unwrap_err();
            let Error::UnexpectedResponse {
                http_status,
                snippet,
                ..
            } = &e
            else {
                panic!("{e:?}")
            };
            assert_eq!(http_status.as_u16(), status);
            assert_eq!(snippet, body);
        }
    }

    #[test]
    fn non_2xx_json_without_envelope_is_unexpected() {
        let e = ok::<Success>(503, r#"{"message":"maintenance"}"#).unwrap_err();
        assert!(matches!(e, Error::UnexpectedResponse { .. }), "{e:?}");
        // An explicit success is believed whatever the status.
        assert!(ok::<Success>(500, r#"{"status":"success"}"#).is_ok());
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend_from_slice(br#"{"status":"success"}"#);
        assert!(decode_body::<Success>(StatusCode::OK, &HeaderMap::new(), &body).is_ok());
    }

    #[test]
    fn retry_after_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "30".parse().unwrap());
        let e = decode_body::<Success>(
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            br#"{"status":"error","error":"request_limit_error"}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.retry_after(),
            Some(RetryAfter::Delay(std::time::Duration::from_secs(30)))
        );
    }

    #[test]
    fn snippets_are_bounded_and_utf8_safe() {
        let body = "ж".repeat(600); // 2 bytes each
        let s = snippet(body.as_bytes());
        assert!(s.len() <= SNIPPET_LEN + '…'.len_utf8());
        assert!(!s.contains('\u{FFFD}'));
        let mut odd = vec![b'a'];
        odd.extend_from_slice("€".repeat(300).as_bytes()); // 3 bytes each, offset by 1
        let s = snippet(&odd);
        assert!(!s.contains('\u{FFFD}'));
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"\xff\xfe"), "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn non_string_status_and_top_level_arrays() {
        assert!(ok::<Success>(200, r#"{"status":1}"#).is_ok());
        let v: Vec<u32> = ok(200, "[1,2,3]").unwrap();
        assert_eq!(v, [1, 2, 3]);
        let e = ok::<Vec<u32>>(200, r#"[1,"x"]"#).unwrap_err();
        assert!(
            matches!(&e, Error::Decode { path, .. } if path == "[1]"),
            "{e:?}"
        );
    }
}
