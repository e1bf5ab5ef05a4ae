//! `cargo xtask conformance [--filter X]`: runs the gateway conformance suite (a normal test of
//! tollgate-runtime) and writes `docs/conformance.md` (pass / known divergence / fail per case, by feature).

use anyhow::bail;

use crate::util::{cargo, run_command, workspace_root};

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let mut filter = String::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--filter" => match args.next() {
                Some(value) => filter = value.clone(),
                None => bail!("`--filter` needs a value"),
            },
            other => bail!("unknown argument `{other}`; usage: cargo xtask conformance [--filter X]"),
        }
    }
    let report = workspace_root().join("docs/conformance.md");
    let mut cmd = cargo();
    cmd.args([
        "test",
        "-p",
        "tollgate-runtime",
        "--test",
        "conformance",
        "--",
        "--nocapture",
    ]);
    cmd.env("TOLLGATE_CONFORMANCE_REPORT", &report);
    if !filter.is_empty() {
        cmd.env("TOLLGATE_CONFORMANCE_FILTER", &filter);
    }
    let result = run_command(&mut cmd);
    if report.is_file() {
        eprintln!("wrote {}", report.display());
    }
    result
}
