//! `tollgate validate`: load an API exactly as `serve` would and report every problem at once.

use std::process::ExitCode;

use crate::api;
use crate::cli::ApiArgs;

/// Prints every problem (stderr) and a one-line verdict (stdout); exit 1 on any error, 0 otherwise.
pub(crate) fn run(args: &ApiArgs) -> ExitCode {
    let file = api::display_name(args);
    let mut args = args.clone();
    if let Err(message) = crate::jwks::fetch_urls(&mut args.jwks) {
        eprintln!("{message}");
        eprintln!("{file}: 1 error, 0 warnings");
        return ExitCode::FAILURE;
    }
    let args = &args;
    match api::load(args) {
        Ok(compiled) => {
            eprint!("{}", compiled.warnings);
            println!(
                "{file}: valid for stage {} ({})",
                args.stage,
                api::plural(compiled.warning_count, "warning")
            );
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprint!("{}", report.text);
            eprintln!("{}", report.summary(&file));
            ExitCode::FAILURE
        }
    }
}
