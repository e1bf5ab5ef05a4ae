//! The `tollgate` binary: `serve`, `validate` and `render`.
//!
//! The only crate that reads the command line and environment, sets up tracing, handles signals and uses anyhow.

use std::process::ExitCode;

mod cli;
mod edge;

const USAGE: &str = "\
usage: tollgate <command> [args]

commands:
  serve API_FILE      serve an API at http://127.0.0.1:3000/dev/... (see `tollgate serve --help`)
  validate API_FILE   check an API definition and report every problem with file:line:col
  help                this text (also -h, --help); `tollgate --version` prints the version
";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(command) = args.next() else {
        eprint!("{USAGE}");
        return ExitCode::from(64);
    };
    let _rest: Vec<_> = args.collect();
    match command.to_string_lossy().as_ref() {
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        "--version" | "-V" | "version" => {
            println!("tollgate {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        other => {
            eprint!("tollgate: unknown command `{other}`\n{USAGE}");
            ExitCode::from(64)
        }
    }
}
