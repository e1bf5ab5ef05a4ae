//! `cargo xtask ci`: the one command CI runs (`.ci/run` calls it and nothing else).

use std::time::Instant;

use crate::util::{cargo, run_command};

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
        run_command(cargo().args(["deny", "--log-level", "error", "check", "licenses", "bans", "sources"]))
    })?;
    Ok(())
}
