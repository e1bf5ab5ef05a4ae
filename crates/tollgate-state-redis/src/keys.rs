//! The Redis key layout: `PREFIX:` + the runtime's key without its `tg:` prefix.
//!
//! | what | runtime key | Redis key(s) (prefix `tollgate:API`) |
//! | --- | --- | --- |
//! | account bucket | `tg:account:rate` | `tollgate:API:account:rate` (hash `t`, `at`) |
//! | stage method bucket | `tg:stage:dev:rate:/pets/GET` | `tollgate:API:stage:dev:rate:/pets/GET` |
//! | plan bucket | `tg:plan:{basic/alice}:rate` | `tollgate:API:plan:{basic/alice}:rate` |
//! | quota | `tg:plan:{basic/alice}:quota` | `…:plan:{basic/alice}:quota:w:WINDOW_START` (counter), `…:quota:first` |
//! | cache entry | `tg:cache:dev:DEPLOYMENT:/pets:GET\|q=1` | `tollgate:API:cache:dev:DEPLOYMENT:/pets:GET\|q=1` |
//! | cache generation | (partition `dev`) | `tollgate:API:cachegen:dev` |
//!
//! The runtime puts an API key's plan in a Redis Cluster hash tag (`{basic/alice}`) and escapes braces
//! everywhere else; the prefix may not contain braces, so that tag stays the first one and every key of one
//! API key lands in one slot. The quota script touches two keys: when the runtime's key has no tag, one is
//! added around it so both stay in one slot.

use tollgate_runtime::state::StateKey;

/// Builds Redis keys from runtime keys.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    /// `PREFIX:`.
    prefix: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Keys {
        Keys {
            prefix: format!("{prefix}:"),
        }
    }

    /// The Redis key of a bucket or cache entry.
    pub(crate) fn of(&self, key: &StateKey) -> String {
        let rest = strip(key.as_str());
        let mut out = String::with_capacity(self.prefix.len() + rest.len());
        out.push_str(&self.prefix);
        out.push_str(rest);
        out
    }

    /// The quota's counter for the window starting at `window_start`, and the key holding the first window
    /// counted (the one `Quota::offset` applies to); both in one hash slot.
    pub(crate) fn quota(&self, key: &StateKey, window_start: u64) -> (String, String) {
        let rest = strip(key.as_str());
        let base = if has_hash_tag(rest) {
            format!("{}{rest}", self.prefix)
        } else {
            format!("{}{{{rest}}}", self.prefix)
        };
        (format!("{base}:w:{window_start}"), format!("{base}:first"))
    }

    /// The generation counter of a cache partition (bumped by a flush).
    pub(crate) fn cache_generation(&self, partition: &str) -> String {
        let mut out = format!("{}cachegen:", self.prefix);
        for c in partition.chars() {
            match c {
                '{' => out.push_str("%7B"),
                '}' => out.push_str("%7D"),
                '%' => out.push_str("%25"),
                c => out.push(c),
            }
        }
        out
    }
}

fn strip(key: &str) -> &str {
    key.strip_prefix("tg:").unwrap_or(key)
}

/// Redis Cluster's rule: the text between the first `{` and the first `}` after it, if not empty.
pub(crate) fn has_hash_tag(key: &str) -> bool {
    let Some(open) = key.find('{') else { return false };
    let after = key.get(open + 1..).unwrap_or("");
    after.find('}').is_some_and(|close| close > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let keys = Keys::new("tollgate:abc");
        assert_eq!(keys.of(&StateKey::new("tg:account:rate")), "tollgate:abc:account:rate");
        assert_eq!(
            keys.of(&StateKey::new("tg:plan:{basic/alice}:rate")),
            "tollgate:abc:plan:{basic/alice}:rate"
        );
        assert_eq!(
            keys.quota(&StateKey::new("tg:plan:{basic/alice}:quota"), 1_700_000_000),
            (
                "tollgate:abc:plan:{basic/alice}:quota:w:1700000000".to_owned(),
                "tollgate:abc:plan:{basic/alice}:quota:first".to_owned()
            )
        );
        assert_eq!(
            keys.quota(&StateKey::new("custom:quota"), 7),
            (
                "tollgate:abc:{custom:quota}:w:7".to_owned(),
                "tollgate:abc:{custom:quota}:first".to_owned()
            ),
            "a key without a hash tag gets one, so both keys share a slot"
        );
        assert_eq!(keys.cache_generation("dev"), "tollgate:abc:cachegen:dev");
        assert_eq!(keys.cache_generation("a{b}%"), "tollgate:abc:cachegen:a%7Bb%7D%25");
    }

    #[test]
    fn hash_tags_follow_redis_cluster() {
        assert!(has_hash_tag("a:{x}:b"));
        assert!(!has_hash_tag("a:{}:b"), "an empty tag hashes the whole key");
        assert!(!has_hash_tag("a:{x"));
        assert!(!has_hash_tag("a:}x{"));
        assert!(has_hash_tag("a:}{x}"));
        assert!(!has_hash_tag("plain"));
    }
}
