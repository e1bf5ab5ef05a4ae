//! Resolved credentials per role, refreshed shortly before they expire, one refresh at a time per role.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;

/// Credentials are refreshed this long before they expire.
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// At most this many roles are cached; past it, entries that need a refresh anyway are dropped.
const MAX_ENTRIES: usize = 256;

/// Resolved credentials per role (`None` = the default chain), each refreshed by one task at a time.
#[derive(Debug, Default)]
pub(crate) struct CredentialCache {
    entries: Mutex<HashMap<Option<Arc<str>>, Arc<Entry>>>,
}

#[derive(Debug, Default)]
struct Entry {
    current: Mutex<Option<Credentials>>,
    refresh: tokio::sync::Mutex<()>,
}

impl Entry {
    fn fresh(&self, now: SystemTime) -> Option<Credentials> {
        let current = self.current.lock().ok()?;
        current.as_ref().filter(|c| is_fresh(c, now)).cloned()
    }
}

fn is_fresh(credentials: &Credentials, now: SystemTime) -> bool {
    credentials.expiry().is_none_or(|expiry| expiry > now + REFRESH_MARGIN)
}

impl CredentialCache {
    /// The cached credentials for `role`, or new ones from `fetch` when there are none or they near expiry.
    pub(crate) async fn get<F, Fut, E>(&self, role: Option<&str>, now: SystemTime, fetch: F) -> Result<Credentials, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, E>>,
    {
        let entry = self.entry(role, now);
        if let Some(credentials) = entry.fresh(now) {
            return Ok(credentials);
        }
        let _refreshing = entry.refresh.lock().await;
        if let Some(credentials) = entry.fresh(now) {
            return Ok(credentials);
        }
        let credentials = fetch().await?;
        if let Ok(mut current) = entry.current.lock() {
            *current = Some(credentials.clone());
        }
        Ok(credentials)
    }

    fn entry(&self, role: Option<&str>, now: SystemTime) -> Arc<Entry> {
        let Ok(mut entries) = self.entries.lock() else {
            // A poisoned map only means another thread panicked mid-insert; work uncached rather than fail.
            return Arc::default();
        };
        if let Some(entry) = entries.get(&role.map(Arc::from)) {
            return entry.clone();
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, entry| entry.fresh(now).is_some());
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.entry(role.map(Arc::from)).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn expiring(key: &str, at: SystemTime) -> Credentials {
        Credentials::new(key, "secret", Some("token".to_owned()), Some(at), "test")
    }

    #[tokio::test]
    async fn caches_until_the_refresh_margin() {
        let cache = CredentialCache::default();
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let fetches = AtomicUsize::new(0);
        let fetch = |key: &'static str| {
            let fetches = &fetches;
            move || async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(expiring(key, start + Duration::from_secs(3600)))
            }
        };
        let role = Some("arn:aws:iam::123456789012:role/r");
        let first = cache.get(role, start, fetch("A")).await.unwrap();
        let again = cache
            .get(role, start + Duration::from_secs(3600 - 301), fetch("B"))
            .await
            .unwrap();
        assert_eq!((first.access_key_id(), again.access_key_id()), ("A", "A"));
        // Inside the margin: refreshed.
        let renewed = cache
            .get(role, start + Duration::from_secs(3600 - 299), fetch("C"))
            .await
            .unwrap();
        assert_eq!(renewed.access_key_id(), "C");
        // Another key has its own entry; credentials without expiry never refresh.
        let base = cache
            .get(None, start, || async {
                Ok::<_, ()>(Credentials::new("D", "s", None, None, "test"))
            })
            .await
            .unwrap();
        let later = cache
            .get(None, start + Duration::from_secs(86_400 * 365), fetch("E"))
            .await
            .unwrap();
        assert_eq!((base.access_key_id(), later.access_key_id()), ("D", "D"));
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_is_not_cached() {
        let cache = CredentialCache::default();
        let now = SystemTime::UNIX_EPOCH;
        let failed = cache
            .get(None, now, || async { Err::<Credentials, _>("sts down") })
            .await;
        assert_eq!(failed.unwrap_err(), "sts down");
        let ok = cache
            .get(None, now, || async {
                Ok::<_, &str>(Credentials::new("K", "s", None, None, "t"))
            })
            .await;
        assert_eq!(ok.unwrap().access_key_id(), "K");
    }
}
