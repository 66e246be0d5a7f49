//! `cargo xtask fuzz --seconds N [--target NAME]`: runs every cargo-fuzz target under
//! `fuzz/` for N seconds each (nightly toolchain and cargo-fuzz are installed first if
//! missing), seeded with the fixtures, and prints the executions and findings of each.
//!
//! A crash leaves its input under `fuzz/artifacts/TARGET/`; turn it into a regression
//! fixture (a file under `fixtures/` that the decode tests and the mutated-fixture
//! property tests then read) once the bug is fixed.

use std::path::Path;
use std::process::{Command, Stdio};

pub fn run(args: &[String], root: &Path) -> Result<(), String> {
    let mut seconds: u64 = 60;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("`--seconds` needs a number")?;
            }
            "--target" => only = Some(it.next().ok_or("`--target` needs a name")?.clone()),
            other => {
                return Err(format!(
                    "unknown option `{other}` (usage: cargo xtask fuzz --seconds N [--target NAME])"
                ));
            }
        }
    }
    ensure_nightly()?;
    ensure_cargo_fuzz()?;

    let fuzz_dir = root.join("fuzz");
    let listed = output(
        Command::new("cargo")
            .args(["+nightly", "fuzz", "list"])
            .current_dir(&fuzz_dir),
    )?;
    let targets: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .filter(|t| only.as_deref().is_none_or(|o| o == *t))
        .collect();
    if targets.is_empty() {
        return Err("no fuzz target matched".into());
    }

    let mut failed = Vec::new();
    let mut summary = Vec::new();
    for target in &targets {
        eprintln!("== fuzzing {target} for {seconds} s");
        let corpus = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let seeds = seed_dir(root, target);
        let mut cmd = Command::new("cargo");
        cmd.args(["+nightly", "fuzz", "run", "-O", target])
            .arg(&corpus)
            .args(seeds.iter().map(|p| root.join(p)))
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-print_final_stats=1",
                "-max_len=65536",
            ])
            .current_dir(&fuzz_dir)
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped());
        let out = cmd
            .output()
            .map_err(|e| format!("cargo fuzz run {target}: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        let runs = stat(&log, "stat::number_of_executed_units:");
        let crashed = !out.status.success();
        let artifact = log
            .lines()
            .find(|l| l.contains("Test unit written to"))
            .map(str::to_owned);
        summary.push(format!(
            "{target}: {} executions in {seconds} s, {}",
            runs.map_or("?".into(), |r| r.to_string()),
            if crashed {
                format!(
                    "FINDING ({})",
                    artifact.as_deref().unwrap_or("see the log above")
                )
            } else {
                "no findings".into()
            }
        ));
        if crashed {
            // Show the end of the log: the panic and the input.
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            for l in tail.into_iter().rev() {
                eprintln!("{l}");
            }
            failed.push(*target);
        }
    }
    println!();
    println!("fuzz summary:");
    for s in &summary {
        println!("{s}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("findings in: {}", failed.join(", ")))
    }
}

/// Fixture directories that seed a target's corpus (only the ones that exist).
fn seed_dir(root: &Path, target: &str) -> Vec<&'static str> {
    let dirs: &[&str] = if target == "filter_text" {
        &["fuzz/seeds/filter_text"]
    } else {
        &["fixtures/reference", "fixtures/variants"]
    };
    dirs.iter()
        .copied()
        .filter(|d| root.join(d).is_dir())
        .collect()
}

/// The value after `key` in libFuzzer's final stats.
fn stat(log: &str, key: &str) -> Option<u64> {
    log.lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .and_then(|v| v.trim().parse().ok())
}

fn output(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("{cmd:?} exited with {}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn ensure_nightly() -> Result<(), String> {
    let list = output(Command::new("rustup").args(["toolchain", "list"]))
        .map_err(|e| format!("rustup is needed to fuzz (nightly toolchain): {e}"))?;
    if list.lines().any(|l| l.starts_with("nightly")) {
        return Ok(());
    }
    eprintln!("== installing the nightly toolchain (cargo-fuzz needs it)");
    let status = Command::new("rustup")
        .args(["toolchain", "install", "nightly", "--profile", "minimal"])
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(
            "could not install the nightly toolchain (`rustup toolchain install nightly \
             --profile minimal` failed: offline?); cargo-fuzz needs nightly for \
             -Zsanitizer, so the fuzz targets cannot run here"
                .into(),
        )
    }
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(());
    }
    eprintln!("== installing cargo-fuzz (cargo install cargo-fuzz --locked)");
    let status = Command::new("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(
            "could not install cargo-fuzz (`cargo install cargo-fuzz --locked` failed: \
             is crates.io reachable?)"
                .into(),
        )
    }
}
