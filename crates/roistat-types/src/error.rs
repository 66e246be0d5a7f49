//! The error envelope Roistat answers with, and its error codes.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $wire:literal,)*) => {
        /// An error code from Roistat's error envelope.
        ///
        /// Codes this SDK does not know decode into [`ErrorCode::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code this SDK does not know yet, as Roistat sent it.
            Other(String),
        }

        impl ErrorCode {
            /// Every code this SDK knows, in documentation order.
            pub const KNOWN: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as Roistat writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(s) => s,
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    /// The API key is wrong or missing.
    AuthenticationFailed => "authentication_failed",
    /// The key may not act on this project.
    AuthorizationFailed => "authorization_failed",
    /// The user has no access to the project or method.
    AccessDenied => "access_denied",
    /// The project's balance is exhausted.
    InsufficientFunds => "insufficient_funds",
    /// The option is not available for the project.
    OptionNotAvailable => "option_not_available",
    /// The option is not enabled for the project.
    OptionNotEnabled => "option_not_enabled",
    /// The option is not paid.
    OptionNotPaid => "option_not_paid",
    /// The CRM integration failed or is not set up for this method.
    IntegrationError => "integration_error",
    /// The project is frozen.
    ProjectFrozen => "project_frozen",
    /// The order (or other resource) does not exist.
    ResourceNotFound => "resource_not_found",
    /// The resource exists already.
    ResourceAlreadyExists => "resource_already_exists",
    /// The request body failed Roistat's validation.
    RequestDataValidationError => "request_data_validation_error",
    /// A rate limit was exceeded.
    RequestLimitError => "request_limit_error",
    /// The request is malformed.
    IncorrectRequest => "incorrect_request",
    /// Roistat could not say what went wrong.
    UnknownError => "unknown_error",
    /// Roistat failed internally.
    InternalError => "internal_error",
}

impl ErrorCode {
    /// The HTTP status Roistat uses for this code when asked with `Use-Http-Code: 1`.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::AuthenticationFailed => 401,
            Self::InsufficientFunds
            | Self::OptionNotAvailable
            | Self::OptionNotEnabled
            | Self::OptionNotPaid
            | Self::ProjectFrozen => 402,
            Self::AuthorizationFailed | Self::AccessDenied => 403,
            Self::ResourceNotFound => 404,
            Self::RequestLimitError => 429,
            Self::InternalError | Self::UnknownError => 500,
            Self::IncorrectRequest
            | Self::RequestDataValidationError
            | Self::ResourceAlreadyExists
            | Self::IntegrationError
            | Self::Other(_) => 400,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ErrorCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error code string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ErrorCode, E> {
                Ok(ErrorCode::from(v))
            }
        }
        d.deserialize_str(V)
    }
}

/// `{"status": "error", "error": CODE, "description": ..., "details": ...}` without
/// the `status` key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// The error code.
    pub error: ErrorCode,
    /// Roistat's human-readable text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Extra structured details, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl ApiErrorBody {
    /// An envelope with a code and a description.
    pub fn new(error: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            error,
            description: Some(description.into()),
            details: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_survive() {
        for code in ErrorCode::KNOWN {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(&serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
        assert_eq!(ErrorCode::KNOWN.len(), 16);
        let body: ApiErrorBody =
            serde_json::from_str(r#"{"error":"brand_new","description":"x","status":"error"}"#)
                .unwrap();
        assert_eq!(body.error, ErrorCode::Other("brand_new".into()));
        assert_eq!(body.error.http_status(), 400);
    }
}
