//! The `tollgate` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("tollgate: no command yet");
    ExitCode::from(64)
}
