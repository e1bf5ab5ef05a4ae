//! `cargo xtask ci`: the one command CI runs (`.ci/run` calls it and nothing else).

use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::util::{cargo, run_command, workspace_root};

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
    let _clients = RuntimeClients::install_in_background();
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

/// The Lambda runtime clients the end-to-end tests run (awslambdaric from PyPI, aws-lambda-ric from npm, whose
/// native part takes minutes to build on a cold machine), installed while fmt, clippy and the build run. The
/// tests call the same install scripts, which wait on the scripts' lock for this install and then find it done;
/// if the background install fails, the tests' own call fails with the script's message. Its output goes to
/// `target/lambda-runtime-clients.log`.
struct RuntimeClients {
    child: Option<Child>,
}

impl RuntimeClients {
    fn install_in_background() -> RuntimeClients {
        let root = workspace_root();
        let scripts = root.join("crates/tollgate-lambda-host/tests/functions");
        let log_path = root.join("target/lambda-runtime-clients.log");
        let _ = std::fs::create_dir_all(root.join("target"));
        let child = std::fs::File::create(&log_path).ok().and_then(|log| {
            let err = log.try_clone().ok()?;
            let mut cmd = Command::new("sh");
            cmd.arg("-c")
                .arg("\"$1/python/setup-awslambdaric\"; \"$1/node/setup-aws-lambda-ric\"")
                .arg("sh")
                .arg(&scripts)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(err);
            // Its own process group, so stopping it stops npm and the compilers it started.
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            cmd.spawn().ok()
        });
        if child.is_some() {
            eprintln!(
                "==> installing the Lambda runtime clients in the background ({})",
                log_path.display()
            );
        }
        RuntimeClients { child }
    }
}

impl Drop for RuntimeClients {
    /// Stops the install if CI ends first (a failed step), by its process group; reaps it either way.
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        if matches!(child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(format!("-{}", child.id()))
                .status();
        }
        let _ = child.wait();
    }
}
