//! The `tollgate` binary: `serve`, `validate`, `render` and `runtime`.
//!
//! The only crate that reads the command line and environment, sets up tracing, handles signals and uses anyhow.
//! Exit codes: 0 success, 1 failure (an invalid API file, a port in use, …), 64 usage error (EX_USAGE).

use std::ffi::OsString;
use std::process::ExitCode;

mod access_log;
mod admin;
mod api;
mod aws;
mod cli;
mod edge;
mod functions;
mod jwks;
mod reload;
mod render;
mod runtime;
mod serve;
mod state;
mod telemetry;
mod usage_plans;
mod validate;

const USAGE: &str = "\
usage: tollgate <command> [args]

commands:
  serve API_FILE      serve an API at http://127.0.0.1:3000/dev/... (see `tollgate serve --help`)
  validate API_FILE   check an API definition and report every problem with file:line:col
  render TEMPLATE     render a mapping template for a recorded request (see `tollgate render --help`)
  runtime node|python HANDLER
                      run a Lambda handler on Tollgate's own runtime client (see `tollgate runtime --help`)
  help                this text (also -h, --help); `tollgate --version` prints the version
";

const EX_USAGE: u8 = 64;

/// The request path allocates small, short-lived blocks (header values, template output, JSON values) from
/// several threads; mimalloc's thread-local free lists serve those with a fraction of glibc malloc's
/// instructions (measured in docs/performance.md, "Allocator").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(command) = args.next() else {
        eprint!("{USAGE}");
        return ExitCode::from(EX_USAGE);
    };
    let rest: Vec<OsString> = args.collect();
    match command.to_string_lossy().as_ref() {
        "serve" => match cli::parse_serve(rest) {
            Ok(cli::Parsed::Run(args)) => serve::run(args),
            Ok(cli::Parsed::Help) => help(cli::SERVE_USAGE),
            Err(err) => usage_error(&err),
        },
        "validate" => match cli::parse_validate(rest) {
            Ok(cli::Parsed::Run(args)) => validate::run(&args),
            Ok(cli::Parsed::Help) => help(cli::VALIDATE_USAGE),
            Err(err) => usage_error(&err),
        },
        "render" => render::run(rest),
        "runtime" => match runtime::parse(rest) {
            Ok(Some(args)) => runtime::run(&args),
            Ok(None) => help(runtime::RUNTIME_USAGE),
            Err(err) => usage_error(&err),
        },
        "help" | "--help" | "-h" => help(USAGE),
        "--version" | "-V" | "version" => {
            println!("tollgate {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        other => {
            eprint!("tollgate: unknown command `{other}`\n{USAGE}");
            ExitCode::from(EX_USAGE)
        }
    }
}

fn help(text: &str) -> ExitCode {
    print!("{text}");
    ExitCode::SUCCESS
}

fn usage_error(err: &cli::UsageError) -> ExitCode {
    eprint!("tollgate: {}\n\n{}", err.message, err.usage);
    ExitCode::from(EX_USAGE)
}
