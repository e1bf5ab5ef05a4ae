//! API keys (spec §9.2): which key a request presents and whether this stage admits it.
//!
//! Keys are looked up by the SHA-256 of their value, so neither a hash-map probe nor a string comparison
//! depends on how much of a real key a guess shares (spec rss §2.5). Only keys that are enabled and in a usage
//! plan covering this stage are in the table: a missing, unknown, disabled or unbound key is the same 403.

use std::collections::HashMap;
use std::sync::Arc;

use ring::digest::{SHA256, digest};
use tollgate_model::ApiKeySource;

use super::throttle::{self, Bucket, QuotaCounter};
use crate::cx::RequestCx;
use crate::usage_plans::UsagePlans;

/// The header API Gateway reads keys from (source `HEADER`), matched case-insensitively.
pub(crate) const X_API_KEY: &str = "x-api-key";

/// `$context.identity.apiKey` and `apiKeyId`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct KeyIdentity {
    pub(crate) id: Arc<str>,
    pub(crate) value: Arc<str>,
}

/// Key values never reach logs through `Debug`.
impl std::fmt::Debug for KeyIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyIdentity")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A key this stage admits, with its plan's limits.
#[derive(Debug)]
pub(crate) struct BoundKey {
    pub(crate) identity: KeyIdentity,
    /// The plan's per-key throttle.
    pub(crate) plan_bucket: Option<Bucket>,
    /// The plan's per-method throttles on this stage, by method index (they replace `plan_bucket` there).
    pub(crate) method_buckets: Vec<(u32, Bucket)>,
    pub(crate) quota: Option<QuotaCounter>,
}

impl BoundKey {
    /// The plan bucket that applies to the method at `index`.
    pub(crate) fn bucket_for(&self, index: u32) -> Option<&Bucket> {
        self.method_buckets
            .iter()
            .find(|(method, _)| *method == index)
            .map(|(_, bucket)| bucket)
            .or(self.plan_bucket.as_ref())
    }
}

/// The keys of one stage.
#[derive(Default)]
pub(crate) struct KeyTable {
    source: ApiKeySource,
    keys: HashMap<[u8; 32], BoundKey>,
}

impl std::fmt::Debug for KeyTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTable")
            .field("source", &self.source)
            .field("keys", &self.keys.values().map(|k| &k.identity.id).collect::<Vec<_>>())
            .finish()
    }
}

fn fingerprint(value: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, value.as_bytes()).as_ref());
    out
}

impl KeyTable {
    /// The enabled keys of the plans that cover `stage`. `methods` are the deployment's (resource path,
    /// HTTP method) pairs by method index.
    pub(crate) fn compile(source: ApiKeySource, plans: &UsagePlans, stage: &str, methods: &[(&str, &str)]) -> KeyTable {
        let mut keys = HashMap::new();
        for plan in &plans.plans {
            let Some(plan_stage) = plan.stages.iter().find(|s| s.stage == stage) else {
                continue;
            };
            for key_id in &plan.keys {
                let Some(key) = plans.api_keys.iter().find(|k| &k.id == key_id && k.enabled) else {
                    continue;
                };
                let tag = format!("{}/{}", plan.id, key.id);
                let method_buckets = plan_stage
                    .method_throttles
                    .iter()
                    .filter_map(|t| {
                        let index = methods
                            .iter()
                            .position(|(path, method)| *path == t.resource_path && *method == t.http_method)?;
                        let bucket =
                            throttle::plan_method_bucket(&tag, stage, &t.resource_path, &t.http_method, t.throttle);
                        Some((u32::try_from(index).ok()?, bucket))
                    })
                    .collect();
                let bound = BoundKey {
                    identity: KeyIdentity {
                        id: key.id.as_str().into(),
                        value: key.value.as_str().into(),
                    },
                    plan_bucket: plan.throttle.map(|limit| throttle::plan_bucket(&tag, limit)),
                    method_buckets,
                    quota: plan.quota.map(|q| throttle::quota_counter(&tag, q)),
                };
                keys.insert(fingerprint(&key.value), bound);
            }
        }
        KeyTable { source, keys }
    }

    /// The key the request presents: the `x-api-key` header, or the authorizer's `usageIdentifierKey`.
    pub(crate) fn presented<'c>(&self, cx: &'c RequestCx<'_>) -> Option<&'c str> {
        match self.source {
            ApiKeySource::Authorizer => cx.usage.authorizer_key.as_deref(),
            _ => cx.headers.get(X_API_KEY).and_then(|v| v.to_str().ok()),
        }
    }

    /// The admitted key with this value.
    pub(crate) fn find(&self, value: &str) -> Option<&BoundKey> {
        if self.keys.is_empty() {
            return None;
        }
        self.keys.get(&fingerprint(value))
    }
}
