//! `cargo xtask <command>`: the project's automation, in Rust, with nothing to install.

use std::process::ExitCode;

mod bench;
mod ci;
mod codegen;
mod conformance;
mod load;
mod tidy;
mod util;
mod velocity;

const USAGE: &str = "\
usage: cargo xtask <command> [args]

commands:
  bench        criterion suites with named baselines, Velocity ratios, instruction counts (see --help)
  ci           everything CI checks: fmt, tidy, clippy, tests, cargo-deny
  codegen      regenerate files derived from data files (`--check`: fail when stale)
  conformance  run the gateway conformance suite, write docs/conformance.md [--filter X]
  load         the gateway next to a bare backend and nginx under wrk, as ratios (never in CI; see --help)
  tidy         workspace rules: dependency direction, READMEs, lints
  velocity     render VTL with the real Apache Velocity 1.7 (needs Java): render, golden, bench
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(command) = args.next() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest: Vec<String> = args.collect();
    let result = match command.as_str() {
        "bench" => bench::run(&rest),
        "ci" => ci::run(&rest),
        "codegen" => codegen::run(&rest),
        "conformance" => conformance::run(&rest),
        "load" => load::run(&rest),
        "tidy" => tidy::run(&rest),
        "velocity" => velocity::run(&rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(anyhow::format_err!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask {command}: {err:#}");
            ExitCode::FAILURE
        }
    }
}
