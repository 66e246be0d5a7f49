//! `cargo xtask release-check`: is the workspace ready to publish?
//!
//! Static checks first (a second), from `cargo metadata` and the root manifest:
//! - every publishable crate (a member without `publish = false`) has the workspace's
//!   version, and every internal `[workspace.dependencies]` entry requires exactly it;
//! - no publish cycle: the crates' versioned dependencies among themselves (normal,
//!   build, and dev-dependencies that carry a version, which packaging keeps) form no
//!   cycle, so there is an order in which each can be published;
//! - each has a description, license, repository, documentation, `rust-version`, a
//!   README that exists, names the crate and states the `rust-version`, at most 5 valid
//!   keywords and at most 5 crates.io categories;
//! - `CHANGELOG.md` has an `[Unreleased]` section and an entry for the version.
//!
//! Then, if those pass, the slow ones:
//! - `cargo package --workspace --exclude <each unpublishable member>` (with
//!   verification unless `--no-verify`: each packaged crate is built against the
//!   others' packages, in dependency order);
//! - `cargo doc --workspace --no-deps` with `RUSTDOCFLAGS=-D warnings`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

/// Every category slug crates.io accepts (its `src/boot/categories.toml`).
const CATEGORY_SLUGS: &[&str] = &[
    "algorithms",
    "api-bindings",
    "asynchronous",
    "authentication",
    "caching",
    "command-line-interface",
    "command-line-utilities",
    "compression",
    "computer-vision",
    "concurrency",
    "config",
    "cryptography",
    "cryptography::cryptocurrencies",
    "data-structures",
    "database",
    "database-implementations",
    "date-and-time",
    "development-tools",
    "development-tools::build-utils",
    "development-tools::cargo-plugins",
    "development-tools::debugging",
    "development-tools::ffi",
    "development-tools::procedural-macro-helpers",
    "development-tools::profiling",
    "development-tools::testing",
    "email",
    "embedded",
    "emulators",
    "encoding",
    "external-ffi-bindings",
    "filesystem",
    "game-development",
    "game-engines",
    "games",
    "graphics",
    "gui",
    "hardware-support",
    "internationalization",
    "localization",
    "mathematics",
    "memory-management",
    "multimedia",
    "multimedia::audio",
    "multimedia::encoding",
    "multimedia::images",
    "multimedia::video",
    "network-programming",
    "no-std",
    "os",
    "os::linux-apis",
    "os::macos-apis",
    "os::unix-apis",
    "os::windows-apis",
    "parser-implementations",
    "parsing",
    "rendering",
    "rendering::data-formats",
    "rendering::engine",
    "rendering::graphics-api",
    "rust-patterns",
    "science",
    "science::robotics",
    "simulation",
    "template-engine",
    "text-editors",
    "text-processing",
    "value-formatting",
    "visualization",
    "wasm",
    "web-programming",
    "web-programming::http-client",
    "web-programming::http-server",
    "web-programming::websocket",
];

/// crates.io's limits on keywords and categories.
const MAX_KEYWORDS: usize = 5;
const MAX_CATEGORIES: usize = 5;
const MAX_KEYWORD_LEN: usize = 20;

/// What a dependency is for; packaging drops dev-dependencies without a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    Normal,
    Dev,
    Build,
}

/// A dependency of a workspace member on another member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalDep {
    pub name: String,
    /// The version requirement as cargo reports it (`^0.1.0`; `*` when only a path).
    pub req: String,
    pub kind: DepKind,
}

/// The parts of a workspace member that publishing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub version: String,
    pub publish: bool,
    pub manifest_dir: PathBuf,
    pub description: Option<String>,
    pub license: Option<String>,
    pub repository: Option<String>,
    pub documentation: Option<String>,
    pub readme: Option<String>,
    pub rust_version: Option<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub internal_deps: Vec<InternalDep>,
}

/// The workspace's members from `cargo metadata --format-version 1 --no-deps`.
pub fn members_from_metadata(metadata: &Value) -> Result<Vec<Member>, String> {
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no `packages` array")?;
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let text = |p: &Value, key: &str| p[key].as_str().map(str::to_string);
    let list = |p: &Value, key: &str| -> Vec<String> {
        p[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    packages
        .iter()
        .map(|p| {
            let name = text(p, "name").ok_or("cargo metadata: a package without a name")?;
            let manifest = text(p, "manifest_path")
                .ok_or_else(|| format!("cargo metadata: {name} has no manifest_path"))?;
            let internal_deps = p["dependencies"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter(|d| d["name"].as_str().is_some_and(|n| names.contains(n)))
                .map(|d| InternalDep {
                    name: text(d, "name").unwrap_or_default(),
                    req: text(d, "req").unwrap_or_else(|| "*".into()),
                    kind: match d["kind"].as_str() {
                        Some("dev") => DepKind::Dev,
                        Some("build") => DepKind::Build,
                        _ => DepKind::Normal,
                    },
                })
                .collect();
            Ok(Member {
                version: text(p, "version").unwrap_or_default(),
                // `null` means any registry; `[]` is `publish = false`.
                publish: p["publish"].as_array().is_none_or(|a| !a.is_empty()),
                manifest_dir: Path::new(&manifest)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
                description: text(p, "description"),
                license: text(p, "license"),
                repository: text(p, "repository"),
                documentation: text(p, "documentation"),
                readme: text(p, "readme"),
                rust_version: text(p, "rust_version"),
                keywords: list(p, "keywords"),
                categories: list(p, "categories"),
                internal_deps,
                name,
            })
        })
        .collect()
}

/// The tables of a TOML manifest as `(header, lines)`, e.g. `("workspace.package",
/// [...])`; the lines before the first header are under `""`. Enough for the root
/// manifest's simple `key = value` lines (not a general TOML parser).
fn tables(manifest: &str) -> Vec<(String, Vec<&str>)> {
    let mut out = vec![(String::new(), Vec::new())];
    for line in manifest.lines() {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            out.push((
                header.trim_matches(['[', ']']).trim().to_string(),
                Vec::new(),
            ));
        } else if !trimmed.is_empty()
            && !trimmed.starts_with('#')
            && let Some((_, lines)) = out.last_mut()
        {
            lines.push(trimmed);
        }
    }
    out
}

/// `key = "value"` in `line` (a whole line or one entry of an inline table).
fn string_value(line: &str, key: &str) -> Option<String> {
    let rest = line.trim().strip_prefix(key)?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start().strip_prefix('"')?;
    rest.split_once('"').map(|(v, _)| v.to_string())
}

/// `[workspace.package] version` of the root manifest.
pub fn workspace_version(root_manifest: &str) -> Option<String> {
    tables(root_manifest)
        .into_iter()
        .find(|(h, _)| h == "workspace.package")?
        .1
        .iter()
        .find_map(|l| string_value(l, "version"))
}

/// The `version` requirement of each `[workspace.dependencies]` entry whose name is in
/// `members` (`None`: the entry has no version, so packaging would refuse it).
pub fn workspace_dep_versions(
    root_manifest: &str,
    members: &BTreeSet<String>,
) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    for (header, lines) in tables(root_manifest) {
        if header != "workspace.dependencies" {
            continue;
        }
        for line in lines {
            let Some((name, value)) = line.split_once('=') else {
                continue;
            };
            let name = name.trim().trim_matches('"');
            if !members.contains(name) {
                continue;
            }
            let value = value.trim();
            let version = match value.strip_prefix('{') {
                Some(inner) => inner
                    .trim_end_matches('}')
                    .split(',')
                    .find_map(|entry| string_value(entry, "version")),
                None => value
                    .strip_prefix('"')
                    .and_then(|v| v.split_once('"'))
                    .map(|(v, _)| v.to_string()),
            };
            out.insert(name.to_string(), version);
        }
    }
    out
}

/// Whether a version requirement asks for exactly `version` (`0.1.0`, `^0.1.0`,
/// `=0.1.0`): a requirement that lags or leads the crates' version is a mistake even
/// where semver would accept it.
pub fn req_pins(req: &str, version: &str) -> bool {
    req.trim().trim_start_matches(['^', '=']).trim() == version
}

/// Crate versions against the workspace version, and internal requirements against
/// both (`[workspace.dependencies]` and each member's resolved dependencies).
pub fn check_versions(
    workspace_version: &str,
    members: &[Member],
    workspace_deps: &BTreeMap<String, Option<String>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let publishable: BTreeSet<&str> = members
        .iter()
        .filter(|m| m.publish)
        .map(|m| m.name.as_str())
        .collect();
    for m in members.iter().filter(|m| m.publish) {
        if m.version != workspace_version {
            problems.push(format!(
                "{}: version {} is not the workspace version {workspace_version}",
                m.name, m.version
            ));
        }
        for d in &m.internal_deps {
            let path_only_dev = d.kind == DepKind::Dev && d.req.trim() == "*";
            if path_only_dev {
                continue; // packaging strips it
            }
            if !publishable.contains(d.name.as_str()) && d.kind != DepKind::Dev {
                problems.push(format!(
                    "{}: depends on {}, which is not published",
                    m.name, d.name
                ));
            } else if !req_pins(&d.req, workspace_version) {
                problems.push(format!(
                    "{}: requires {} {} instead of {workspace_version}",
                    m.name, d.name, d.req
                ));
            }
        }
    }
    for (name, version) in workspace_deps {
        match version {
            Some(v) if req_pins(v, workspace_version) => {}
            Some(v) => problems.push(format!(
                "[workspace.dependencies] {name} = \"{v}\" is not the workspace version {workspace_version}"
            )),
            None if publishable.contains(name.as_str()) => problems.push(format!(
                "[workspace.dependencies] {name} has no version: it cannot be published as a dependency"
            )),
            None => {}
        }
    }
    problems
}

/// A cycle among the publishable crates' dependencies that packaging keeps (normal,
/// build, and dev-dependencies with a version), as `a -> b -> a`; `None` if there is
/// an order in which every crate can be published after its dependencies.
pub fn publish_cycle(members: &[Member]) -> Option<String> {
    let publishable: BTreeSet<&str> = members
        .iter()
        .filter(|m| m.publish)
        .map(|m| m.name.as_str())
        .collect();
    let edges: BTreeMap<&str, Vec<&str>> = members
        .iter()
        .filter(|m| m.publish)
        .map(|m| {
            let to = m
                .internal_deps
                .iter()
                .filter(|d| !(d.kind == DepKind::Dev && d.req.trim() == "*"))
                .map(|d| d.name.as_str())
                .filter(|n| publishable.contains(n))
                .collect();
            (m.name.as_str(), to)
        })
        .collect();
    // Depth-first search with the path on a stack; a node on the path seen again closes
    // a cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit<'a>(
        node: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<String> {
        marks.insert(node, Mark::OnPath);
        path.push(node);
        for &next in edges.get(node).map(Vec::as_slice).unwrap_or_default() {
            match marks.get(next).copied().unwrap_or(Mark::New) {
                Mark::OnPath => {
                    let start = path.iter().position(|n| *n == next).unwrap_or(0);
                    let mut cycle: Vec<&str> = path[start..].to_vec();
                    cycle.push(next);
                    return Some(cycle.join(" -> "));
                }
                Mark::New => {
                    if let Some(c) = visit(next, edges, marks, path) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(node, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for &node in edges.keys() {
        if marks.get(node).copied().unwrap_or(Mark::New) == Mark::New
            && let Some(c) = visit(node, &edges, &mut marks, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// crates.io's rule for a keyword: ASCII letters, digits, `_`, `-` or `+`, starting with
/// a letter or digit, at most 20 characters.
pub fn valid_keyword(keyword: &str) -> bool {
    keyword.len() <= MAX_KEYWORD_LEN
        && keyword
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && keyword
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
}

/// The metadata crates.io and docs.rs show: present and valid. `readme_text` is the
/// README's content (`None`: the file is missing).
pub fn check_metadata(member: &Member, readme_text: Option<&str>) -> Vec<String> {
    let name = &member.name;
    let mut problems = Vec::new();
    let fields = [
        ("description", &member.description),
        ("license", &member.license),
        ("repository", &member.repository),
        ("documentation", &member.documentation),
        ("rust-version", &member.rust_version),
        ("readme", &member.readme),
    ];
    for (field, value) in fields {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            problems.push(format!("{name}: no `{field}` in Cargo.toml"));
        }
    }
    if member.keywords.is_empty() {
        problems.push(format!("{name}: no keywords"));
    }
    if member.keywords.len() > MAX_KEYWORDS {
        problems.push(format!(
            "{name}: {} keywords (crates.io takes at most {MAX_KEYWORDS})",
            member.keywords.len()
        ));
    }
    for k in member.keywords.iter().filter(|k| !valid_keyword(k)) {
        problems.push(format!("{name}: keyword {k:?} is not valid on crates.io"));
    }
    if member.categories.is_empty() {
        problems.push(format!("{name}: no categories"));
    }
    if member.categories.len() > MAX_CATEGORIES {
        problems.push(format!(
            "{name}: {} categories (crates.io takes at most {MAX_CATEGORIES})",
            member.categories.len()
        ));
    }
    for c in member
        .categories
        .iter()
        .filter(|c| !CATEGORY_SLUGS.contains(&c.as_str()))
    {
        problems.push(format!("{name}: {c:?} is not a crates.io category slug"));
    }
    if member.readme.is_some() {
        match readme_text {
            None => problems.push(format!(
                "{name}: README {} not found",
                member.readme.as_deref().unwrap_or_default()
            )),
            Some(text) => {
                let title = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                if !title.starts_with('#') || !title.contains(name.as_str()) {
                    problems.push(format!(
                        "{name}: the README's first line should be a heading naming the crate, found {title:?}"
                    ));
                }
                if let Some(msrv) = &member.rust_version
                    && !text.contains(msrv.as_str())
                {
                    problems.push(format!(
                        "{name}: the README does not state the minimum supported Rust version {msrv}"
                    ));
                }
            }
        }
    }
    problems
}

/// A Keep a Changelog file: an `## [Unreleased]` section and an `## [VERSION]` entry.
pub fn check_changelog(changelog: Option<&str>, version: &str) -> Vec<String> {
    let Some(text) = changelog else {
        return vec!["CHANGELOG.md not found at the workspace root".into()];
    };
    let headings: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("## ["))
        .filter_map(|l| l.split_once(']').map(|(v, _)| v))
        .collect();
    let mut problems = Vec::new();
    if !headings
        .iter()
        .any(|h| h.eq_ignore_ascii_case("unreleased"))
    {
        problems.push("CHANGELOG.md: no `## [Unreleased]` section".into());
    }
    if !headings.contains(&version) {
        problems.push(format!("CHANGELOG.md: no `## [{version}]` entry"));
    }
    problems
}

const USAGE: &str = "usage: cargo xtask release-check [--no-verify] [--allow-dirty]";

/// Runs every check; `Err` lists what failed.
pub fn run(args: &[String], root: &Path) -> Result<(), String> {
    let mut verify = true;
    let mut allow_dirty = false;
    for a in args {
        match a.as_str() {
            "--no-verify" => verify = false,
            "--allow-dirty" => allow_dirty = true,
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    let started = Instant::now();

    eprintln!("== static checks (versions, publish order, metadata, READMEs, changelog)");
    let (version, members, problems) = static_checks(root)?;
    let publishable: Vec<&str> = members
        .iter()
        .filter(|m| m.publish)
        .map(|m| m.name.as_str())
        .collect();
    if !problems.is_empty() {
        return Err(format!(
            "release-check failed (static checks; packaging and docs not run):\n- {}",
            problems.join("\n- ")
        ));
    }
    eprintln!(
        "ok: version {version} for {} ({:.1} s)",
        publishable.join(", "),
        started.elapsed().as_secs_f64()
    );

    let mut package = vec!["package", "--workspace"];
    for m in members.iter().filter(|m| !m.publish) {
        package.extend(["--exclude", m.name.as_str()]);
    }
    if !verify {
        package.push("--no-verify");
    }
    if allow_dirty {
        package.push("--allow-dirty");
    }
    let step = Instant::now();
    eprintln!("== cargo {}", package.join(" "));
    cargo_status(root, &package, &[])?;
    eprintln!("ok ({:.0} s)", step.elapsed().as_secs_f64());

    let step = Instant::now();
    eprintln!("== RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps");
    cargo_status(
        root,
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    eprintln!("ok ({:.0} s)", step.elapsed().as_secs_f64());

    println!(
        "release-check passed for {version}: {} ({:.0} s)",
        publishable.join(", "),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The static checks of the workspace at `root`: its version, its members, and the
/// problems found (empty: ready to package).
pub fn static_checks(root: &Path) -> Result<(String, Vec<Member>, Vec<String>), String> {
    let metadata = cargo_output(root, &["metadata", "--format-version", "1", "--no-deps"])?;
    let metadata: Value =
        serde_json::from_str(&metadata).map_err(|e| format!("cargo metadata: {e}"))?;
    let members = members_from_metadata(&metadata)?;
    let root_manifest = read(&root.join("Cargo.toml"))
        .ok_or_else(|| format!("cannot read {}", root.join("Cargo.toml").display()))?;
    let version = workspace_version(&root_manifest)
        .ok_or("the root Cargo.toml has no [workspace.package] version")?;
    let names: BTreeSet<String> = members.iter().map(|m| m.name.clone()).collect();
    let workspace_deps = workspace_dep_versions(&root_manifest, &names);

    let mut problems = check_versions(&version, &members, &workspace_deps);
    if let Some(cycle) = publish_cycle(&members) {
        problems.push(format!("publish cycle: {cycle}"));
    }
    for m in members.iter().filter(|m| m.publish) {
        let readme = m
            .readme
            .as_deref()
            .and_then(|r| read(&m.manifest_dir.join(r)));
        problems.extend(check_metadata(m, readme.as_deref()));
    }
    problems.extend(check_changelog(
        read(&root.join("CHANGELOG.md")).as_deref(),
        &version,
    ));
    Ok((version, members, problems))
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn cargo_command(root: &Path, args: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(args).current_dir(root);
    cmd
}

/// Runs cargo with its output on the terminal; `Err` if it fails.
fn cargo_status(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let mut cmd = cargo_command(root, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cargo {}: {e}", args.join(" ")))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed: {status}", args.join(" ")))
    }
}

/// Runs cargo and returns its stdout; `Err` with its stderr if it fails.
fn cargo_output(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = cargo_command(root, args)
        .output()
        .map_err(|e| format!("cargo {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "cargo {} failed: {}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("cargo {}: {e}", args.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT_MANIFEST: &str = r#"
[workspace]
members = ["a", "b"]

[workspace.package]
version = "0.3.1"
rust-version = "1.88"
keywords = ["x"]

[workspace.dependencies]
# internal
alpha = { path = "crates/alpha", version = "0.3.1" }
beta = { version = "0.3.0", path = "crates/beta" }
gamma = { path = "crates/gamma" }
serde = { version = "1.0.219", features = ["derive"] }
"#;

    fn dep(name: &str, req: &str, kind: DepKind) -> InternalDep {
        InternalDep {
            name: name.into(),
            req: req.into(),
            kind,
        }
    }

    fn member(name: &str, deps: Vec<InternalDep>) -> Member {
        Member {
            name: name.into(),
            version: "0.3.1".into(),
            publish: true,
            manifest_dir: PathBuf::from(format!("crates/{name}")),
            description: Some("d".into()),
            license: Some("MIT".into()),
            repository: Some("https://example.org/r".into()),
            documentation: Some(format!("https://docs.rs/{name}")),
            readme: Some("README.md".into()),
            rust_version: Some("1.88".into()),
            keywords: vec!["roistat".into()],
            categories: vec!["api-bindings".into()],
            internal_deps: deps,
        }
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_workspace_version_is_read_from_workspace_package_not_rust_version() {
        assert_eq!(workspace_version(ROOT_MANIFEST).as_deref(), Some("0.3.1"));
        assert_eq!(workspace_version("[workspace]\nmembers = []\n"), None);
        // `rust-version` comes first here and must not be taken for `version`.
        let swapped = "[workspace.package]\nrust-version = \"1.88\"\nversion = \"2.0.0\"\n";
        assert_eq!(workspace_version(swapped).as_deref(), Some("2.0.0"));
    }

    #[test]
    fn internal_workspace_dependencies_and_their_versions_are_found() {
        let deps = workspace_dep_versions(ROOT_MANIFEST, &names(&["alpha", "beta", "gamma"]));
        assert_eq!(deps["alpha"].as_deref(), Some("0.3.1"));
        assert_eq!(deps["beta"].as_deref(), Some("0.3.0"));
        assert_eq!(deps["gamma"], None);
        assert!(!deps.contains_key("serde"), "{deps:?}");
    }

    #[test]
    fn a_requirement_pins_only_the_exact_version() {
        assert!(req_pins("^0.3.1", "0.3.1"));
        assert!(req_pins("=0.3.1", "0.3.1"));
        assert!(req_pins("0.3.1", "0.3.1"));
        assert!(!req_pins("^0.3.0", "0.3.1"));
        assert!(!req_pins("*", "0.3.1"));
        assert!(!req_pins("^0.3", "0.3.1"));
    }

    #[test]
    fn version_disagreements_are_each_reported() {
        let mut b = member("beta", vec![dep("alpha", "^0.3.0", DepKind::Normal)]);
        b.version = "0.3.0".into();
        let members = vec![member("alpha", vec![]), b];
        let ws = workspace_dep_versions(ROOT_MANIFEST, &names(&["alpha", "beta", "gamma"]));
        let problems = check_versions("0.3.1", &members, &ws);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("beta: version 0.3.0 is not"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("beta: requires alpha ^0.3.0"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("[workspace.dependencies] beta = \"0.3.0\""))
        );
        // gamma is not a member here, so its missing version does not matter.
        assert_eq!(problems.len(), 3, "{problems:#?}");
    }

    #[test]
    fn agreeing_versions_and_a_path_only_dev_dependency_pass() {
        let members = vec![
            member("alpha", vec![dep("beta", "*", DepKind::Dev)]),
            member("beta", vec![dep("alpha", "^0.3.1", DepKind::Normal)]),
        ];
        let ws = BTreeMap::from([
            ("alpha".to_string(), Some("0.3.1".to_string())),
            ("beta".to_string(), Some("0.3.1".to_string())),
        ]);
        assert_eq!(check_versions("0.3.1", &members, &ws), Vec::<String>::new());
    }

    #[test]
    fn a_published_crate_may_not_depend_on_an_unpublished_one() {
        let mut tools = member("tools", vec![]);
        tools.publish = false;
        let members = vec![
            member("alpha", vec![dep("tools", "^0.3.1", DepKind::Normal)]),
            tools,
        ];
        let problems = check_versions("0.3.1", &members, &BTreeMap::new());
        assert_eq!(
            problems,
            ["alpha: depends on tools, which is not published"]
        );
    }

    #[test]
    fn a_versioned_dev_dependency_back_is_a_publish_cycle() {
        // The bug this check exists for: types dev-depends on mock (with a version),
        // mock depends on types.
        let members = vec![
            member("types", vec![dep("mock", "^0.3.1", DepKind::Dev)]),
            member("mock", vec![dep("types", "^0.3.1", DepKind::Normal)]),
        ];
        let cycle = publish_cycle(&members).expect("a cycle");
        assert!(
            cycle == "mock -> types -> mock" || cycle == "types -> mock -> types",
            "{cycle}"
        );
    }

    #[test]
    fn path_only_dev_dependencies_and_unpublished_crates_make_no_cycle() {
        let mut tests = member("tests", vec![dep("core", "^0.3.1", DepKind::Dev)]);
        tests.publish = false;
        let members = vec![
            member("types", vec![dep("mock", "*", DepKind::Dev)]),
            member("mock", vec![dep("types", "^0.3.1", DepKind::Normal)]),
            member(
                "core",
                vec![
                    dep("types", "^0.3.1", DepKind::Normal),
                    dep("tests", "^0.3.1", DepKind::Dev),
                ],
            ),
            member("cli", vec![dep("core", "^0.3.1", DepKind::Normal)]),
            tests,
        ];
        assert_eq!(publish_cycle(&members), None);
    }

    #[test]
    fn a_long_cycle_is_named_in_order() {
        let members = vec![
            member("a", vec![dep("b", "^0.3.1", DepKind::Normal)]),
            member("b", vec![dep("c", "^0.3.1", DepKind::Build)]),
            member("c", vec![dep("a", "^0.3.1", DepKind::Dev)]),
        ];
        assert_eq!(publish_cycle(&members).as_deref(), Some("a -> b -> c -> a"));
    }

    #[test]
    fn keywords_follow_crates_io_rules() {
        for ok in [
            "roistat",
            "api-client",
            "sans-io",
            "c++",
            "x_1",
            "a2345678901234567890",
        ] {
            assert!(valid_keyword(ok), "{ok}");
        }
        for bad in ["", "-lead", "two words", "ключ", "a23456789012345678901"] {
            assert!(!valid_keyword(bad), "{bad}");
        }
    }

    #[test]
    fn complete_metadata_passes() {
        let m = member("alpha", vec![]);
        assert_eq!(
            check_metadata(&m, Some("# alpha\n\nText. Rust 1.88 or newer.\n")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn missing_and_invalid_metadata_is_each_reported() {
        let mut m = member("alpha", vec![]);
        m.description = None;
        m.documentation = Some(" ".into());
        m.keywords = ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec();
        m.categories = vec!["web-programming::http-client".into(), "http".into()];
        let problems = check_metadata(&m, Some("Some text\n"));
        let expect = [
            "does not state the minimum supported Rust version 1.88",
            "no `description`",
            "no `documentation`",
            "6 keywords",
            "\"http\" is not a crates.io category slug",
            "first line should be a heading",
        ];
        for e in expect {
            assert!(problems.iter().any(|p| p.contains(e)), "{e}: {problems:#?}");
        }
        assert_eq!(problems.len(), expect.len(), "{problems:#?}");
    }

    #[test]
    fn a_missing_readme_file_is_reported() {
        let problems = check_metadata(&member("alpha", vec![]), None);
        assert_eq!(problems, ["alpha: README README.md not found"]);
        let mut m = member("alpha", vec![]);
        m.readme = None;
        assert_eq!(
            check_metadata(&m, None),
            ["alpha: no `readme` in Cargo.toml"]
        );
    }

    #[test]
    fn the_changelog_needs_unreleased_and_the_version() {
        let good = "# Changelog\n\n## [Unreleased]\n\n## [0.3.1] - 2026-11-29\n### Added\n";
        assert_eq!(check_changelog(Some(good), "0.3.1"), Vec::<String>::new());
        assert_eq!(
            check_changelog(Some(good), "0.4.0"),
            ["CHANGELOG.md: no `## [0.4.0]` entry"]
        );
        // A version mentioned only in prose or a link does not count.
        let prose = "## [Unreleased]\nSince 0.3.1 ...\n[0.3.1]: https://example.org\n";
        assert_eq!(
            check_changelog(Some(prose), "0.3.1"),
            ["CHANGELOG.md: no `## [0.3.1]` entry"]
        );
        assert_eq!(check_changelog(Some("## [0.3.1]\n"), "0.3.1").len(), 1);
        assert_eq!(check_changelog(None, "0.3.1").len(), 1);
    }

    #[test]
    fn this_workspace_passes_the_static_checks() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask is one level below the root");
        let (version, members, problems) = static_checks(root).unwrap();
        assert_eq!(problems, Vec::<String>::new());
        assert!(!version.is_empty());
        let publishable: Vec<&str> = members
            .iter()
            .filter(|m| m.publish)
            .map(|m| m.name.as_str())
            .collect();
        for name in [
            "roistat-types",
            "roistat-core",
            "roistat-mock",
            "roistat-cli",
        ] {
            assert!(publishable.contains(&name), "{name}: {publishable:?}");
        }
        for name in ["xtask", "roistat-tests"] {
            assert!(!publishable.contains(&name), "{name} must not be published");
        }
    }

    #[test]
    fn members_are_read_from_cargo_metadata() {
        let metadata = serde_json::json!({
            "packages": [
                {
                    "name": "alpha", "version": "0.3.1", "publish": null,
                    "manifest_path": "/ws/crates/alpha/Cargo.toml",
                    "description": "A", "license": "MIT", "repository": "https://r",
                    "documentation": "https://docs.rs/alpha", "readme": "README.md",
                    "rust_version": "1.88", "keywords": ["k"], "categories": ["api-bindings"],
                    "dependencies": [
                        {"name": "beta", "req": "*", "kind": "dev"},
                        {"name": "serde", "req": "^1", "kind": null}
                    ]
                },
                {
                    "name": "beta", "version": "0.3.1", "publish": [],
                    "manifest_path": "/ws/beta/Cargo.toml",
                    "dependencies": [{"name": "alpha", "req": "^0.3.1", "kind": null}]
                }
            ]
        });
        let members = members_from_metadata(&metadata).unwrap();
        assert_eq!(members.len(), 2);
        let alpha = &members[0];
        assert!(alpha.publish);
        assert_eq!(alpha.manifest_dir, PathBuf::from("/ws/crates/alpha"));
        assert_eq!(alpha.internal_deps, [dep("beta", "*", DepKind::Dev)]);
        assert_eq!(alpha.categories, ["api-bindings"]);
        let beta = &members[1];
        assert!(!beta.publish);
        assert_eq!(beta.description, None);
        assert_eq!(
            beta.internal_deps,
            [dep("alpha", "^0.3.1", DepKind::Normal)]
        );
    }
}
