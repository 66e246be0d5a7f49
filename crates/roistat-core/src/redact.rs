//! Taking the API key out of an error built from a server's answer.
//!
//! The key only ever goes into the `Api-key` header, but a server can send it back: a
//! proxy's error page or a debugging endpoint that reflects request headers, or an
//! error description quoting the request. The decoder puts the start of such a body
//! into the error ([`Error::Decode`], [`Error::UnexpectedResponse`]) and Roistat's
//! description and details into [`Error::Api`], without knowing the key.
//! [`redact_secret`] runs where the key is known (the call's [`Config`](crate::Config))
//! and replaces it with `***`.

use serde_json::Value;

use crate::config::ApiKey;
use crate::error::Error;

/// What the key is replaced with.
const MASK: &str = "***";

/// The shortest start of the key that is masked when a snippet's cut leaves only part
/// of it at the end (a shorter one says nothing about the key).
const MIN_PARTIAL: usize = 4;

/// `error` with every occurrence of `key` in its texts replaced by `***`: Roistat's
/// description and details, the decoder's path, message and body snippet, and the same
/// inside [`Error::RetriesExhausted`]. A snippet cut in the middle
/// of the key loses the part that is left. A transport error's source whose text holds
/// the key is dropped (it cannot be rewritten). The variant and every other field stay.
///
/// ```
/// use http::{HeaderMap, StatusCode};
/// use roistat_core::{ApiKey, decode_body, redact_secret};
/// use roistat_core::types::StatusList;
///
/// let key = ApiKey::new("SECRET-123")?;
/// let page = b"<html>502 Bad Gateway<br>Api-key: SECRET-123</html>";
/// let error = decode_body::<StatusList>(StatusCode::BAD_GATEWAY, &HeaderMap::new(), page)
///     .unwrap_err();
/// assert!(error.to_string().contains("SECRET-123"));
/// let error = redact_secret(error, &key);
/// assert!(!error.to_string().contains("SECRET-123"));
/// assert!(error.to_string().contains("Api-key: ***"));
/// # Ok::<(), roistat_core::Error>(())
/// ```
pub fn redact_secret(error: Error, key: &ApiKey) -> Error {
    redact(error, key.expose_secret())
}

fn redact(error: Error, key: &str) -> Error {
    if key.is_empty() {
        return error;
    }
    match error {
        Error::Api(mut api) => {
            if let Some(d) = api.description.as_mut() {
                mask(d, key);
            }
            if let Some(details) = api.details.as_mut() {
                mask_value(details, key);
            }
            Error::Api(api)
        }
        Error::Decode {
            mut path,
            mut message,
            http_status,
            mut snippet,
        } => {
            mask(&mut path, key);
            mask(&mut message, key);
            mask_snippet(&mut snippet, key);
            Error::Decode {
                path,
                message,
                http_status,
                snippet,
            }
        }
        Error::UnexpectedResponse {
            http_status,
            mut snippet,
            retry_after,
        } => {
            mask_snippet(&mut snippet, key);
            Error::UnexpectedResponse {
                http_status,
                snippet,
                retry_after,
            }
        }
        Error::Transport {
            kind,
            state,
            source,
        } => {
            let source = source.filter(|s| !s.to_string().contains(key));
            Error::Transport {
                kind,
                state,
                source,
            }
        }
        Error::InvalidRequest { mut message } => {
            mask(&mut message, key);
            Error::InvalidRequest { message }
        }
        Error::Config { mut message } => {
            mask(&mut message, key);
            Error::Config { message }
        }
        Error::RetriesExhausted { attempts, last } => Error::RetriesExhausted {
            attempts,
            last: Box::new(redact(*last, key)),
        },
        other => other,
    }
}

/// Replaces every whole occurrence of `key` in `text`.
fn mask(text: &mut String, key: &str) {
    if text.contains(key) {
        *text = text.replace(key, MASK);
    }
}

/// Masks the key in JSON strings and object keys, at any depth.
fn mask_value(value: &mut Value, key: &str) {
    match value {
        Value::String(s) => mask(s, key),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_value(v, key)),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains(key)) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (k.replace(key, MASK), v))
                    .collect();
            }
            map.values_mut().for_each(|v| mask_value(v, key));
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Masks whole occurrences, then a start of the key left at the end of a snippet that
/// was cut (the snippet then ends with `…`).
fn mask_snippet(snippet: &mut String, key: &str) {
    mask(snippet, key);
    let Some(body) = snippet.strip_suffix('…') else {
        return;
    };
    let partial = (MIN_PARTIAL.min(key.len())..key.len())
        .rev()
        .find(|&n| key.get(..n).is_some_and(|start| body.ends_with(start)));
    if let Some(n) = partial {
        let keep = body.len() - n;
        let mut out = String::with_capacity(keep + MASK.len() + '…'.len_utf8());
        out.push_str(body.get(..keep).unwrap_or_default());
        out.push_str(MASK);
        out.push('…');
        *snippet = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_keys_at_a_cut_are_masked_and_short_overlaps_are_not() {
        let key = "SECRET-KEY-1234";
        let mut s = "page: SECRET-K…".to_owned();
        mask_snippet(&mut s, key);
        assert_eq!(s, "page: ***…");
        // Three characters in common say nothing about the key.
        let mut s = "page: SEC…".to_owned();
        mask_snippet(&mut s, key);
        assert_eq!(s, "page: SEC…");
        // Not cut: nothing to guess.
        let mut s = "page: SECRET-K".to_owned();
        mask_snippet(&mut s, key);
        assert_eq!(s, "page: SECRET-K");
        let mut s = "a SECRET-KEY-1234 b SECRET-KEY-1234".to_owned();
        mask_snippet(&mut s, key);
        assert_eq!(s, "a *** b ***");
    }

    #[test]
    fn details_keys_and_values_at_any_depth() {
        let mut v = serde_json::json!({"K3Y!": {"x": ["a K3Y!", 1, null]}, "y": "K3Y!"});
        mask_value(&mut v, "K3Y!");
        assert_eq!(
            v,
            serde_json::json!({"***": {"x": ["a ***", 1, null]}, "y": "***"})
        );
    }
}
