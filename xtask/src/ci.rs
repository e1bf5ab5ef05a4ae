//! `cargo xtask ci`: the one command CI runs (`.ci/run` calls it and nothing else).

use std::time::Instant;

use std::process::Stdio;

use crate::util::{cargo, run_command};

/// The cargo-deny release `deny.toml` is written for; a fresh CI machine builds it from crates.io once.
const CARGO_DENY_VERSION: &str = "0.20.2";

fn step(name: &str, f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    let started = Instant::now();
    eprintln!("==> {name}");
    let result = f();
    eprintln!("<== {name}: {:.1}s", started.elapsed().as_secs_f64());
    result
}

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    if let Some(arg) = args.first() {
        anyhow::bail!("`ci` takes no arguments, got `{arg}`");
    }
    step("fmt", || run_command(cargo().args(["fmt", "--all", "--", "--check"])))?;
    step("tidy", || crate::tidy::run(&[]))?;
    step("clippy", || {
        run_command(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))
    })?;
    step("test", || run_command(cargo().args(["test", "--workspace"])))?;
    step("deny", || {
        install_cargo_deny()?;
        run_command(cargo().args(["deny", "--log-level", "error", "check", "licenses", "bans", "sources"]))
    })?;
    Ok(())
}

/// A fresh machine has no cargo-deny: build the pinned release from crates.io (the advisory database is not
/// needed: only licenses, bans and sources are checked, all from Cargo.lock and crates.io metadata).
fn install_cargo_deny() -> anyhow::Result<()> {
    let installed = cargo()
        .args(["deny", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if installed {
        return Ok(());
    }
    run_command(cargo().args(["install", "--locked", "cargo-deny", "--version", CARGO_DENY_VERSION]))
}
