//! The CLI's failures, the one line each prints on stderr, and the exit codes.
//!
//! Exit codes are a contract for scripts: 0 success, 1 Roistat answered an error, 2 usage
//! or invalid input (or a local file problem), 3 network or timeout, 4 an answer that
//! could not be decoded, 130 interrupted by Ctrl-C.

use std::fmt;
use std::io;

use roistat_core::Error as SdkError;

use crate::output::text::{escape_line, escape_text};

/// Exit code: Roistat answered with an error.
pub const EXIT_API: i32 = 1;
/// Exit code: bad usage or input.
pub const EXIT_USAGE: i32 = 2;
/// Exit code: network failure or timeout.
pub const EXIT_NETWORK: i32 = 3;
/// Exit code: the answer could not be decoded.
pub const EXIT_DECODE: i32 = 4;
/// Exit code: stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Why the command failed.
#[derive(Debug)]
pub enum CliError {
    /// Bad usage or input, with what to do about it.
    Usage(String),
    /// The SDK failed (a Roistat error, the network, decoding...).
    Sdk(SdkError),
    /// A local file or stream could not be read or written.
    Io {
        /// What was being done, e.g. "reading orders.csv".
        context: String,
        /// The cause.
        source: io::Error,
    },
    /// Already reported on stderr (invalid import rows, a refused confirmation...):
    /// only the exit code is left to give.
    Reported(i32),
    /// Stopped by Ctrl-C; how far the work got was already said.
    Interrupted,
}

impl CliError {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    /// An I/O error with context.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        CliError::Io {
            context: context.into(),
            source,
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) | CliError::Io { .. } => EXIT_USAGE,
            CliError::Sdk(e) => sdk_exit_code(e),
            CliError::Reported(code) => *code,
            CliError::Interrupted => EXIT_INTERRUPTED,
        }
    }

    /// Whether this is stdout closing under us (`roistat ... | head`): not an error
    /// worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Maps the SDK's error to an exit code.
pub fn sdk_exit_code(e: &SdkError) -> i32 {
    match e {
        SdkError::Api(_) => EXIT_API,
        SdkError::InvalidInput(_) | SdkError::InvalidRequest { .. } | SdkError::Config { .. } => {
            EXIT_USAGE
        }
        SdkError::Transport { .. } | SdkError::Timeout { .. } | SdkError::RateLimited { .. } => {
            EXIT_NETWORK
        }
        SdkError::Decode { .. } | SdkError::UnexpectedResponse { .. } => EXIT_DECODE,
        SdkError::RetriesExhausted { last, .. } => sdk_exit_code(last),
        SdkError::Cancelled { .. } => EXIT_INTERRUPTED,
        // A variant added later: treat it as a Roistat-side failure.
        _ => EXIT_API,
    }
}

/// The text after `error: ` for an SDK failure: `CODE: description` for Roistat's own
/// errors, so scripts can grep the code.
pub fn describe_sdk(e: &SdkError) -> String {
    match e {
        SdkError::Api(api) => {
            let mut s = escape_line(api.code.as_str()).into_owned();
            match api.description.as_deref().filter(|d| !d.trim().is_empty()) {
                Some(d) => {
                    s.push_str(": ");
                    s.push_str(&escape_line(d.trim()));
                }
                None => s.push_str(": (no description)"),
            }
            if matches!(
                api.code,
                roistat_types::ErrorCode::AuthenticationFailed
                    | roistat_types::ErrorCode::AuthorizationFailed
            ) {
                s.push_str(" (check --api-key/ROISTAT_API_KEY and --project/ROISTAT_PROJECT)");
            }
            s
        }
        SdkError::RetriesExhausted { attempts, last } => {
            format!("{} (gave up after {attempts} attempts)", describe_sdk(last))
        }
        SdkError::Transport { .. } | SdkError::Timeout { .. } => {
            format!("network: {}", escape_line(&with_sources(e)))
        }
        SdkError::Cancelled { state } => match state {
            roistat_core::RequestState::MaybeProcessed => "interrupted: the request may have \
                been processed; check before running the command again"
                .to_owned(),
            _ => "interrupted before anything was sent: run the command again to retry".to_owned(),
        },
        SdkError::Decode { .. } | SdkError::UnexpectedResponse { .. } => {
            format!("undecodable answer: {}", escape_line(&e.to_string()))
        }
        other => escape_line(&other.to_string()).into_owned(),
    }
}

/// `e` and its causes, `: `-separated (the SDK's `Display` never repeats its source).
fn with_sources(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages quote file names, cells and server text: printed on a terminal, none
        // may carry a control sequence.
        match self {
            CliError::Usage(m) => f.write_str(&escape_text(m)),
            CliError::Sdk(e) => f.write_str(&describe_sdk(e)),
            CliError::Io { context, source } => {
                f.write_str(&escape_text(&format!("{context}: {source}")))
            }
            CliError::Reported(code) => write!(f, "failed (exit code {code})"),
            CliError::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl From<SdkError> for CliError {
    fn from(e: SdkError) -> Self {
        CliError::Sdk(e)
    }
}

/// Output errors: writing to stdout.
impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::io("writing the output", e)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::from(io::Error::from(e))
    }
}

impl From<csv::Error> for CliError {
    fn from(e: csv::Error) -> Self {
        let message = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(io) => CliError::from(io),
            _ => CliError::usage(format!("CSV: {message}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roistat_core::{ApiError, RequestState};
    use roistat_types::ErrorCode;

    #[test]
    fn codes() {
        let mut api = ApiError::new(ErrorCode::AccessDenied, http::StatusCode::OK);
        api.description = Some("No access".into());
        let e = SdkError::from(api);
        assert_eq!(sdk_exit_code(&e), 1);
        assert_eq!(describe_sdk(&e), "access_denied: No access");
        let t = SdkError::timeout(RequestState::MaybeProcessed);
        assert_eq!(sdk_exit_code(&t), 3);
        let wrapped = SdkError::RetriesExhausted {
            attempts: 3,
            last: Box::new(t),
        };
        assert_eq!(sdk_exit_code(&wrapped), 3);
        assert_eq!(sdk_exit_code(&SdkError::config("x")), 2);
        assert_eq!(CliError::Interrupted.exit_code(), 130);
        let cancelled = SdkError::Cancelled {
            state: RequestState::NotSent,
        };
        assert_eq!(CliError::from(cancelled).exit_code(), 130);
    }

    #[test]
    fn server_text_cannot_drive_the_terminal() {
        let mut api = ApiError::new(ErrorCode::Other("x".into()), http::StatusCode::OK);
        api.description = Some("bad\u{1b}[2J\nerror: forged line\u{9b}".into());
        let text = CliError::from(SdkError::from(api)).to_string();
        assert!(!text.contains('\u{1b}') && !text.contains('\n') && !text.contains('\u{9b}'));
        assert!(text.contains("\\u{1b}[2J\\nerror: forged line"), "{text}");
        let usage = CliError::usage("file.csv: line 2\u{7}: `\u{1b}]0;title` is not a number");
        assert!(!usage.to_string().contains(['\u{1b}', '\u{7}']));
        let decode = SdkError::Decode {
            path: "data[0].\u{1b}x".into(),
            message: "m".into(),
            http_status: http::StatusCode::OK,
            snippet: String::new(),
        };
        assert!(!CliError::from(decode).to_string().contains('\u{1b}'));
    }
}
