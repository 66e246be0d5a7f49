//! Error answers as Roistat sends them: HTTP 200 with an error envelope, or with
//! `Use-Http-Code: 1` the HTTP status that matches the code.

use roistat_types::ErrorCode;
use serde::Serialize;

/// An error the mock answers with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub code: ErrorCode,
    pub description: String,
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> ApiError {
        ApiError {
            code,
            description: description.into(),
            details: None,
        }
    }

    pub fn incorrect(description: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::IncorrectRequest, description)
    }

    pub fn validation(description: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::RequestDataValidationError, description)
    }

    pub fn not_found(description: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::ResourceNotFound, description)
    }

    /// The HTTP status to send: 200 unless the client asked for real statuses.
    pub fn http_status(&self, use_http_code: bool) -> u16 {
        if use_http_code {
            self.code.http_status()
        } else {
            200
        }
    }

    /// The envelope `{"status":"error","error":...,"description":...,"details":...}`.
    pub fn write_body(&self, out: &mut Vec<u8>) {
        #[derive(Serialize)]
        struct Envelope<'a> {
            status: &'static str,
            error: &'a str,
            description: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            details: Option<&'a serde_json::Value>,
        }
        let env = Envelope {
            status: "error",
            error: self.code.as_str(),
            description: &self.description,
            details: self.details.as_ref(),
        };
        // Serializing plain strings into a Vec cannot fail.
        let _ = serde_json::to_writer(out, &env);
    }
}
