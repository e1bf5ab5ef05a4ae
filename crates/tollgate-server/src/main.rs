//! The `tollgate` binary: `serve`, `validate` and `render`.
//!
//! The only crate that reads the command line and environment, sets up tracing, handles signals and uses anyhow.

use std::process::ExitCode;

const USAGE: &str = "\
usage: tollgate <command> [args]

commands:
";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(command) = args.next() else {
        eprint!("{USAGE}");
        return ExitCode::from(64);
    };
    match command.to_string_lossy().as_ref() {
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprint!("tollgate: unknown command `{other}`\n{USAGE}");
            ExitCode::from(64)
        }
    }
}
