//! Shared by the integration tests: a fake server and a way to run the built binary
//! against it, with output captured in a form insta can snapshot.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;

pub use roistat_mock::MockServer;

/// The key every test server accepts; asserted absent from every output.
pub const KEY: &str = "test-secret-key-4f1c9a";

/// A server with the documented examples plus `n` generated orders (seed 7).
pub fn server(n: usize) -> MockServer {
    MockServer::builder()
        .api_key(KEY)
        .project(4242)
        .orders(n)
        .seed(7)
        .start()
        .expect("start the mock")
}

/// The built `roistat` with a clean environment (no ROISTAT_* from the developer's shell).
pub fn bin() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_roistat"));
    for var in [
        "ROISTAT_PROJECT",
        "ROISTAT_API_KEY",
        "ROISTAT_BASE_URL",
        "RUST_LOG",
        "ROISTAT_CLI_REPORT_PEAK_RSS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `roistat --base-url .. --project .. --api-key .. ARGS`.
pub fn roistat(server: &MockServer, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.arg("--base-url")
        .arg(server.base_url())
        .arg("--project")
        .arg(server.project().to_string())
        .arg("--api-key")
        .arg(server.api_key())
        .args(args);
    cmd
}

/// What a run did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one text for a snapshot.
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` to completion; checks the API key appears nowhere in the output.
pub fn run(mut cmd: assert_cmd::Command) -> Run {
    let out: Output = cmd.output().expect("run roistat");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    };
    assert!(
        !run.stdout.contains(KEY) && !run.stderr.contains(KEY),
        "the API key was printed"
    );
    run
}

/// Runs `roistat ARGS` against `server`.
pub fn run_on(server: &MockServer, args: &[&str]) -> Run {
    run(roistat(server, args))
}

/// Writes `content` to a temporary file named `name` and returns its path.
pub fn temp_file(name: &str, content: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("roistat-cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// The path as a `&str` argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}
