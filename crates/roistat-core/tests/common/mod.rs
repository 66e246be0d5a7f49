//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use roistat_core::types::ProjectId;
use roistat_core::{ApiKey, Config};

/// A key that must never show up in any output.
pub const KEY: &str = "SECRET-KEY-4a7b9e";

pub fn config() -> Config {
    Config::new(ProjectId::new(12345), ApiKey::new(KEY).unwrap())
}

pub fn config_http_code() -> Config {
    Config::builder(ProjectId::new(12345), ApiKey::new(KEY).unwrap())
        .use_http_code(true)
        .build()
        .unwrap()
}

/// `fixtures/` at the workspace root.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

pub fn fixture(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Indents compact JSON without reordering keys (a `Value` round trip would sort them).
pub fn pretty_json(bytes: &[u8]) -> String {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut out = String::new();
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// Method, URI, headers (sorted, key redacted, version masked) and the pretty body.
pub fn render(request: &http::Request<Vec<u8>>) -> String {
    let mut s = format!("{} {}\n", request.method(), request.uri());
    let mut headers: Vec<_> = request.headers().iter().collect();
    headers.sort_by_key(|(name, _)| name.as_str());
    for (name, value) in headers {
        let value = if name == "api-key" {
            assert!(
                value.is_sensitive(),
                "the Api-key header must be marked sensitive"
            );
            assert_eq!(value.to_str().unwrap(), KEY);
            "[redacted]".to_owned()
        } else {
            value
                .to_str()
                .unwrap()
                .replace(env!("CARGO_PKG_VERSION"), "<version>")
        };
        s.push_str(&format!("{name}: {value}\n"));
    }
    s.push('\n');
    if request.body().is_empty() {
        s.push_str("(no body)\n");
    } else {
        s.push_str(&pretty_json(request.body()));
        s.push('\n');
    }
    s
}
