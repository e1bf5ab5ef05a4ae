//! `redis://HOST:PORT[/DB][?OPTIONS]`: where the shared store is and how it behaves when it cannot answer.
//!
//! The options ride in the URL's query so one flag (`tollgate serve --state URL`) says everything; they are
//! taken off before the rest goes to the `redis` crate, which reads the host, port, database, user and password.

use std::fmt;
use std::time::Duration;

/// What the store does when Redis cannot answer in time (down, restarting, too slow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Admit by per-node limits: each node keeps its own buckets and quota counters with the limits divided by
    /// [`RedisConfig::nodes`], and its own cache, until Redis is back (Envoy's and AWS's best-effort stance).
    Open,
    /// Refuse: every throttled or metered request is a 429 and nothing is cached until Redis is back.
    Closed,
}

/// The settings of a [`crate::RedisStore`].
#[derive(Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// The URL the `redis` crate connects to (the options taken off).
    pub(crate) url: String,
    /// The longest wait for one operation before [`RedisConfig::on_error`] applies.
    pub timeout: Duration,
    /// The pause between reconnection attempts while Redis is unreachable.
    pub reconnect_interval: Duration,
    /// Fail open (per-node limits) or closed (refuse).
    pub on_error: OnError,
    /// How many gateway nodes share the store: while failing open, each node enforces 1/`nodes` of every limit.
    pub nodes: u32,
    /// The first part of every key (`tollgate:NAME` by default, NAME set by the server to the API's id), so
    /// several gateways can share one Redis without sharing limits.
    pub prefix: Option<String>,
}

/// The default per-operation timeout: the upper end of the 20–50 ms budget proxies give their rate-limit
/// service (Envoy's global rate limit filter uses 20 ms); a loopback or same-zone Redis answers in well under 1.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(50);
/// The default pause between reconnection attempts.
pub const DEFAULT_RECONNECT_INTERVAL: Duration = Duration::from_secs(1);
/// Limits on the options, so a typo cannot make a request wait for minutes.
const MAX_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_NODES: u32 = 10_000;
const MAX_PREFIX: usize = 256;

/// A `--state` URL that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong, naming the option.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

fn error(message: impl Into<String>) -> ConfigError {
    ConfigError {
        message: message.into(),
    }
}

impl RedisConfig {
    /// Reads `redis://[USER:PASSWORD@]HOST[:PORT][/DB][?OPTIONS]` (or `redis+unix:///path/to/socket`) with
    /// the options `timeout=50ms`, `reconnect=1s`, `on-error=open|closed`, `nodes=N` and `prefix=NAME`.
    ///
    /// # Errors
    ///
    /// An unknown scheme (TLS `rediss://` is not built in), an address the `redis` crate does not accept, an
    /// unknown or malformed option.
    pub fn parse(text: &str) -> Result<RedisConfig, ConfigError> {
        let (url, query) = text.split_once('?').unwrap_or((text, ""));
        if url.starts_with("rediss://") {
            return Err(error(
                "rediss:// (TLS) is not supported: reach Redis over a private network or a local TLS tunnel",
            ));
        }
        if !(url.starts_with("redis://") || url.starts_with("redis+unix://") || url.starts_with("unix://")) {
            return Err(error(format!(
                "`{}` is not a Redis URL: expected redis://HOST:PORT[/DB]",
                redact(url)
            )));
        }
        // Checked now, so a bad address is a usage error at start rather than a warning per reconnect.
        redis::Client::open(url).map_err(|err| error(format!("`{}`: {err}", redact(url))))?;
        let mut config = RedisConfig {
            url: url.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            reconnect_interval: DEFAULT_RECONNECT_INTERVAL,
            on_error: OnError::Open,
            nodes: 1,
            prefix: None,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "timeout" => config.timeout = duration(name, value)?,
                "reconnect" => config.reconnect_interval = duration(name, value)?,
                "on-error" | "on_error" => {
                    config.on_error = match value {
                        "open" => OnError::Open,
                        "closed" => OnError::Closed,
                        _ => return Err(error(format!("on-error expects open or closed, got `{value}`"))),
                    };
                }
                "nodes" => {
                    config.nodes = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_NODES).contains(n))
                        .ok_or_else(|| error(format!("nodes expects a number from 1 to {MAX_NODES}, got `{value}`")))?;
                }
                "prefix" => config.prefix = Some(checked_prefix(value)?),
                _ => {
                    return Err(error(format!(
                        "unknown option `{name}` (known: timeout, reconnect, on-error, nodes, prefix)"
                    )));
                }
            }
        }
        Ok(config)
    }

    /// Sets the key prefix unless the URL named one.
    ///
    /// # Errors
    ///
    /// A prefix with braces (they would become the Redis Cluster hash tag of every key) or control characters.
    pub fn with_default_prefix(mut self, prefix: &str) -> Result<RedisConfig, ConfigError> {
        if self.prefix.is_none() {
            self.prefix = Some(checked_prefix(prefix)?);
        }
        Ok(self)
    }

    /// The URL without its password, for logs.
    pub fn display_url(&self) -> String {
        redact(&self.url)
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &self.display_url())
            .field("timeout", &self.timeout)
            .field("reconnect_interval", &self.reconnect_interval)
            .field("on_error", &self.on_error)
            .field("nodes", &self.nodes)
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn checked_prefix(value: &str) -> Result<String, ConfigError> {
    if value.is_empty() || value.len() > MAX_PREFIX {
        return Err(error(format!("prefix must be 1 to {MAX_PREFIX} bytes")));
    }
    if value
        .chars()
        .any(|c| c == '{' || c == '}' || c.is_control() || c == ' ')
    {
        return Err(error(format!(
            "prefix `{value}` may not contain braces, spaces or control characters"
        )));
    }
    Ok(value.to_owned())
}

fn duration(name: &str, value: &str) -> Result<Duration, ConfigError> {
    let (number, scale) = if let Some(ms) = value.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = value.strip_suffix('s') {
        (s, 1.0)
    } else {
        (value, 1.0)
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        // Checked conversion: a huge number is out of range, not a panic.
        .and_then(|v| Duration::try_from_secs_f64(v * scale).ok())
        .filter(|d| *d <= MAX_TIMEOUT)
        .ok_or_else(|| {
            error(format!(
                "{name} expects a duration like 50ms or 1s (at most 30s), got `{value}`"
            ))
        })
}

/// `redis://user:secret@host` → `redis://user:***@host`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split_once(':').map_or(credentials, |(user, _)| user);
            let hidden = if credentials.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let config = RedisConfig::parse("redis://127.0.0.1:6379/2").unwrap();
        assert_eq!(config.url, "redis://127.0.0.1:6379/2");
        assert_eq!(config.timeout, DEFAULT_TIMEOUT);
        assert_eq!(config.reconnect_interval, DEFAULT_RECONNECT_INTERVAL);
        assert_eq!(config.on_error, OnError::Open);
        assert_eq!(config.nodes, 1);
        assert_eq!(config.prefix, None);
        let named = config.with_default_prefix("tollgate:abc").unwrap();
        assert_eq!(named.prefix.as_deref(), Some("tollgate:abc"));
    }

    #[test]
    fn options() {
        let config = RedisConfig::parse(
            "redis://:pw@localhost:7000/1?timeout=20ms&reconnect=0.5s&on-error=closed&nodes=3&prefix=gw:eu",
        )
        .unwrap();
        assert_eq!(config.url, "redis://:pw@localhost:7000/1");
        assert_eq!(config.timeout, Duration::from_millis(20));
        assert_eq!(config.reconnect_interval, Duration::from_millis(500));
        let huge = format!("redis://h?timeout={}ms", "5".repeat(400));
        assert!(
            RedisConfig::parse(&huge).is_err(),
            "a duration past Duration's range is an error"
        );
        assert_eq!(config.on_error, OnError::Closed);
        assert_eq!(config.nodes, 3);
        assert_eq!(config.prefix.as_deref(), Some("gw:eu"));
        let kept = config.with_default_prefix("other").unwrap();
        assert_eq!(kept.prefix.as_deref(), Some("gw:eu"), "the URL's prefix wins");
        assert_eq!(kept.display_url(), "redis://:***@localhost:7000/1");
        assert!(!format!("{kept:?}").contains("pw"));
    }

    #[test]
    fn errors_name_the_problem() {
        let message = |text: &str| RedisConfig::parse(text).unwrap_err().message;
        assert!(message("rediss://h:6380").contains("TLS"));
        assert!(message("http://h").contains("not a Redis URL"));
        assert!(message("memcached://h").contains("not a Redis URL"));
        assert_eq!(
            message("redis://h?timeout=soon"),
            "timeout expects a duration like 50ms or 1s (at most 30s), got `soon`"
        );
        assert!(message("redis://h?timeout=0").contains("timeout expects"));
        assert!(message("redis://h?timeout=1h").contains("timeout expects"));
        assert_eq!(
            message("redis://h?on-error=maybe"),
            "on-error expects open or closed, got `maybe`"
        );
        assert!(message("redis://h?nodes=0").contains("nodes expects"));
        assert!(message("redis://h?prefix={x}").contains("braces"));
        assert!(message("redis://h?color=blue").contains("unknown option `color`"));
        assert!(message("redis://:secret@h?color=blue").contains("color"));
        assert!(!message("http://:secret@h").contains("secret"));
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("redis://u:p@h:1/0"), "redis://u:***@h:1/0");
        assert_eq!(redact("redis://h:1"), "redis://h:1");
        assert_eq!(redact("redis://u@h"), "redis://u@h");
    }
}
