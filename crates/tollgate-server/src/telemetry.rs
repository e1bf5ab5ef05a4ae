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
        .map_err(|err| err.to_string())?;
    // A panic inside a request is caught and answered with a 500 (`edge::service`); report it as one log event
    // with its place, in the same stream as everything else, instead of the default hook's free text.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        tracing::error!(%location, "panic: {message}");
    }));
    Ok(())
}
