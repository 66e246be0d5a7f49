//! The shared body of the decoder targets: any bytes, with HTTP 200 and with 500, must
//! decode or fail with a decoding error, never panic.

use http::{HeaderMap, StatusCode};
use roistat_core::{Error, decode_body};
use serde::de::DeserializeOwned;

pub fn check<T: DeserializeOwned>(data: &[u8]) {
    for status in [StatusCode::OK, StatusCode::INTERNAL_SERVER_ERROR] {
        if let Err(e) = decode_body::<T>(status, &HeaderMap::new(), data) {
            assert!(
                matches!(
                    e,
                    Error::Api(_) | Error::Decode { .. } | Error::UnexpectedResponse { .. }
                ),
                "not a decoding error: {e:?}"
            );
            let _ = e.to_string();
        }
    }
}
