//! `cargo xtask tidy`: the workspace rules that a compiler does not check.
//!
//! * Dependencies point one way (docs/ARCHITECTURE.md): each crate may depend only on the internal crates listed
//!   in `ALLOWED_EDGES`, and the leaf crates never on the serving or AWS stacks.
//! * Every crate has a README.md and inherits the workspace lints.
//!
//! The same checks run as a plain `#[test]`, so `cargo test` catches a violation too.

use std::fs;
use std::path::Path;

use anyhow::{Context, bail};

use crate::util::workspace_root;

/// Internal crate → the internal crates it may depend on (normal dependencies; dev-dependencies are free).
const ALLOWED_EDGES: &[(&str, &[&str])] = &[
    ("tollgate-vtl", &[]),
    ("tollgate-lambda-event", &[]),
    ("tollgate-model", &[]),
    ("tollgate-aws", &[]),
    ("tollgate-http1", &[]),
    ("tollgate-lambda-host", &["tollgate-http1"]),
    ("tollgate-auth", &[]),
    ("tollgate-mapping", &["tollgate-vtl"]),
    ("tollgate-state-redis", &["tollgate-runtime"]),
    (
        "tollgate-runtime",
        &[
            "tollgate-vtl",
            "tollgate-mapping",
            "tollgate-lambda-event",
            "tollgate-model",
            "tollgate-aws",
            "tollgate-auth",
            "tollgate-http1",
        ],
    ),
    (
        "tollgate-server",
        &[
            "tollgate-vtl",
            "tollgate-mapping",
            "tollgate-lambda-event",
            "tollgate-model",
            "tollgate-aws",
            "tollgate-runtime",
            "tollgate-lambda-host",
            "tollgate-http1",
            "tollgate-auth",
            "tollgate-state-redis",
        ],
    ),
];

/// Crates that must stay pure: no async runtime, no HTTP stack, no AWS SDK, no anyhow.
const PURE_CRATES: &[&str] = &[
    "tollgate-http1",
    "tollgate-vtl",
    "tollgate-mapping",
    "tollgate-lambda-event",
    "tollgate-model",
    "tollgate-auth",
];
const IMPURE_DEPENDENCIES: &[&str] = &["tokio", "hyper", "hyper-util", "http", "anyhow"];

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    if let Some(arg) = args.first() {
        bail!("`tidy` takes no arguments, got `{arg}`");
    }
    let problems = check(&workspace_root())?;
    if problems.is_empty() {
        return Ok(());
    }
    bail!("{} problem(s):\n  {}", problems.len(), problems.join("\n  "))
}

fn check(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    let crates_dir = root.join("crates");
    let mut names: Vec<String> = fs::read_dir(&crates_dir)
        .with_context(|| format!("reading {}", crates_dir.display()))?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let dir = crates_dir.join(name);
        let manifest =
            fs::read_to_string(dir.join("Cargo.toml")).with_context(|| format!("reading crates/{name}/Cargo.toml"))?;
        if !dir.join("README.md").is_file() {
            problems.push(format!("crates/{name} has no README.md"));
        }
        if !manifest.contains("[lints]\nworkspace = true") {
            problems.push(format!("crates/{name}/Cargo.toml does not inherit the workspace lints"));
        }
        let deps = normal_dependencies(&manifest);
        let Some((_, allowed)) = ALLOWED_EDGES.iter().find(|(krate, _)| krate == name) else {
            problems.push(format!(
                "crates/{name} is not in xtask/src/tidy.rs ALLOWED_EDGES: decide where it sits in the graph"
            ));
            continue;
        };
        for dep in deps.iter().filter(|dep| dep.starts_with("tollgate-")) {
            if !allowed.contains(&dep.as_str()) {
                problems.push(format!(
                    "{name} depends on {dep}, an edge docs/ARCHITECTURE.md does not allow"
                ));
            }
        }
        if PURE_CRATES.contains(&name.as_str()) {
            for dep in &deps {
                if IMPURE_DEPENDENCIES.contains(&dep.as_str()) || dep.starts_with("aws-") {
                    problems.push(format!("{name} must stay pure but depends on {dep}"));
                }
            }
        }
    }
    Ok(problems)
}

/// The package names under `[dependencies]` (and target-specific dependency tables) of a member manifest.
fn normal_dependencies(manifest: &str) -> Vec<String> {
    let mut in_deps = false;
    let mut deps = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]" || (line.starts_with("[target.") && line.ends_with(".dependencies]"));
            continue;
        }
        if !in_deps || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = line.split(['=', '.', ' ']).next().unwrap_or("").trim();
        let package = package_rename(line).unwrap_or(key);
        if !package.is_empty() {
            deps.push(package.to_owned());
        }
    }
    deps
}

/// `foo = { package = "bar", .. }` depends on `bar`.
fn package_rename(line: &str) -> Option<&str> {
    let rest = &line[line.find("package")? + "package".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start().strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_is_tidy() {
        let problems = check(&workspace_root()).unwrap();
        assert!(problems.is_empty(), "cargo xtask tidy:\n  {}", problems.join("\n  "));
    }

    #[test]
    fn reads_dependency_tables() {
        let manifest = "[package]\nname = \"x\"\n\n[dependencies]\ntollgate-vtl.workspace = true\n\
                        serde = { workspace = true }\nyaml = { package = \"serde_norway\", version = \"1\" }\n\n\
                        [dev-dependencies]\ntokio.workspace = true\n";
        assert_eq!(normal_dependencies(manifest), ["tollgate-vtl", "serde", "serde_norway"]);
    }
}
