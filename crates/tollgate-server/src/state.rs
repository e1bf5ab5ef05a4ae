//! `--state embedded|redis://…`: where throttle buckets, quota counters and cached responses live. The URL is
//! checked while the command line is read (`serve` and `validate` alike), so a typo is a usage error at start.

use std::sync::Arc;

use tollgate_runtime::{EmbeddedStore, StateStore};
use tollgate_state_redis::{RedisConfig, RedisStore};

/// What `--state` asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum StateChoice {
    /// In process (the default): exact for one node.
    #[default]
    Embedded,
    /// A Redis shared by several gateway nodes (crates/tollgate-state-redis/README.md).
    Redis(RedisConfig),
}

impl StateChoice {
    /// `embedded`, or a `redis://` / `redis+unix://` URL with its options.
    pub(crate) fn parse(text: &str) -> Result<StateChoice, String> {
        if text == "embedded" {
            return Ok(StateChoice::Embedded);
        }
        if !text.contains("://") {
            return Err(format!(
                "--state expects `embedded` or redis://HOST[:PORT][/DB][?OPTIONS], got `{text}`"
            ));
        }
        RedisConfig::parse(text)
            .map(StateChoice::Redis)
            .map_err(|err| format!("--state: {err}"))
    }

    /// The store to serve with. A Redis that does not answer yet is no reason not to start: the store keeps
    /// reconnecting in the background and applies its on-error policy meanwhile.
    pub(crate) async fn open(&self, api_id: &str) -> Result<Arc<dyn StateStore>, String> {
        let config = match self {
            StateChoice::Embedded => return Ok(Arc::new(EmbeddedStore::new())),
            StateChoice::Redis(config) => config.clone(),
        };
        // Gateways serving different APIs on one Redis keep their keys apart.
        let config = config
            .with_default_prefix(&format!("tollgate:{api_id}"))
            .map_err(|err| format!("--state: {err}"))?;
        let store = RedisStore::new(config).map_err(|err| format!("--state: {err}"))?;
        let config = store.config();
        match store.connect().await {
            Ok(()) => tracing::info!(
                url = %config.display_url(),
                prefix = config.prefix.as_deref().unwrap_or_default(),
                nodes = config.nodes,
                on_error = ?config.on_error,
                "shared state in Redis"
            ),
            Err(err) => tracing::warn!(
                url = %config.display_url(),
                error = %err,
                on_error = ?config.on_error,
                "Redis is not reachable yet: applying the on-error policy and reconnecting in the background"
            ),
        }
        Ok(Arc::new(store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices() {
        assert_eq!(StateChoice::parse("embedded").unwrap(), StateChoice::Embedded);
        let StateChoice::Redis(config) = StateChoice::parse("redis://127.0.0.1:6379/0?nodes=3").unwrap() else {
            panic!("a Redis URL");
        };
        assert_eq!(config.nodes, 3);
        assert_eq!(
            StateChoice::parse("memory").unwrap_err(),
            "--state expects `embedded` or redis://HOST[:PORT][/DB][?OPTIONS], got `memory`"
        );
        assert_eq!(
            StateChoice::parse("redis://h?timeout=soon").unwrap_err(),
            "--state: timeout expects a duration like 50ms or 1s (at most 30s), got `soon`"
        );
        let secret = StateChoice::parse("http://user:secret@h").unwrap_err();
        assert!(
            secret.contains("not a Redis URL") && !secret.contains("secret"),
            "{secret}"
        );
    }
}
