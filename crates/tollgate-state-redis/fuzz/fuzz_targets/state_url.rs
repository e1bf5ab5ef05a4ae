//! `--state redis://…` URLs: any input parses or is refused without panicking; a refusal never shows the
//! password, and whatever parses keeps its options within their bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use tollgate_state_redis::RedisConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match RedisConfig::parse(text) {
        Err(err) => {
            let _ = err.to_string();
        }
        Ok(config) => {
            assert!(config.timeout > Duration::ZERO && config.timeout <= Duration::from_secs(30), "{config:?}");
            assert!(config.reconnect_interval <= Duration::from_secs(30), "{config:?}");
            assert!((1..=10_000).contains(&config.nodes), "{config:?}");
            if let Some(prefix) = &config.prefix {
                assert!(!prefix.contains('{') && !prefix.contains('}'), "{config:?}");
            }
            let _ = config.display_url();
            let _ = config.with_default_prefix("tollgate:api");
        }
    }
});
