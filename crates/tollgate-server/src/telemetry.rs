//! Tracing setup: the only place a subscriber is installed. Diagnostics go to stderr; stdout carries the
//! listening URLs and the access log.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber. `--log-level` (any `RUST_LOG` directive) wins over `RUST_LOG`; the default is `info`.
pub(crate) fn init(level: Option<&str>) -> Result<(), String> {
    let directives = match level {
        Some(level) => level.to_owned(),
        None => std::env::var("RUST_LOG")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "info".to_owned()),
    };
    let filter = EnvFilter::try_new(&directives).map_err(|err| format!("bad log level `{directives}`: {err}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .compact()
        .try_init()
        .map_err(|err| err.to_string())
}
