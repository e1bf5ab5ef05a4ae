//! Throttles and quotas (spec §9.2, §9.3): the buckets a request must pass, in AWS's precedence order —
//! usage plan (per method, else per key), stage method (own settings, else `*/*`), account — then the plan's
//! quota. Bucket keys are fixed at compile time; the store does the counting.

use std::time::SystemTime;

use tollgate_model::MethodSettings;

use super::api_key::BoundKey;
use crate::error::GatewayError;
use crate::state::{AdmitOutcome, AdmitRequest, Quota, StateKey, StateStore, Throttle, admit_one_by_one};
use crate::usage_plans::{ACCOUNT_DEFAULT_THROTTLE, QuotaConfig, QuotaPeriod};

/// A token bucket: its key in the store and its settings.
#[derive(Clone, Debug)]
pub(crate) struct Bucket {
    pub(crate) key: StateKey,
    pub(crate) limit: Throttle,
}

/// A usage plan's quota for one key.
#[derive(Clone, Debug)]
pub(crate) struct QuotaCounter {
    pub(crate) key: StateKey,
    pub(crate) quota: Quota,
    pub(crate) period: QuotaPeriod,
}

/// Resource paths carry `{param}`; braces would be read as Redis Cluster hash tags, so they are escaped.
fn escaped(path: &str) -> String {
    path.replace('%', "%25").replace('{', "%7B").replace('}', "%7D")
}

pub(crate) fn account_bucket(limit: Throttle) -> Bucket {
    Bucket {
        key: StateKey::new("tg:account:rate"),
        limit,
    }
}

/// The stage's throttle for a method, when the stage sets one (its own entry or `*/*`); a half-set throttle
/// takes the other half from the account defaults, as AWS's console shows it.
pub(crate) fn stage_bucket(stage: &str, path: &str, method: &str, settings: &MethodSettings) -> Option<Bucket> {
    if settings.throttling_rate_limit.is_none() && settings.throttling_burst_limit.is_none() {
        return None;
    }
    Some(Bucket {
        key: StateKey::new(format!("tg:stage:{stage}:rate:{}/{method}", escaped(path))),
        limit: Throttle {
            rate_limit: settings
                .throttling_rate_limit
                .unwrap_or(ACCOUNT_DEFAULT_THROTTLE.rate_limit),
            burst_limit: settings
                .throttling_burst_limit
                .unwrap_or(ACCOUNT_DEFAULT_THROTTLE.burst_limit),
        },
    })
}

/// `tag` is `plan/key`: the Redis Cluster hash tag every key of one API key's plan shares.
pub(crate) fn plan_bucket(tag: &str, limit: Throttle) -> Bucket {
    Bucket {
        key: StateKey::new(format!("tg:plan:{{{tag}}}:rate")),
        limit,
    }
}

pub(crate) fn plan_method_bucket(tag: &str, stage: &str, path: &str, method: &str, limit: Throttle) -> Bucket {
    Bucket {
        key: StateKey::new(format!("tg:plan:{{{tag}}}:rate:{stage}:{}/{method}", escaped(path))),
        limit,
    }
}

pub(crate) fn quota_counter(tag: &str, config: QuotaConfig) -> QuotaCounter {
    QuotaCounter {
        key: StateKey::new(format!("tg:plan:{{{tag}}}:quota")),
        quota: config.quota,
        period: config.period,
    }
}

/// Admits the request against its buckets (in order) and its API key's quota: in one step where the store
/// offers it ([`StateStore::admit_at_once`]), else one by one ([`admit_one_by_one`]). A store error lets the
/// request through (fail open).
pub(crate) async fn admit(
    store: &dyn StateStore,
    buckets: [Option<&Bucket>; 3],
    key: Option<&BoundKey>,
    now: SystemTime,
) -> Result<(), GatewayError> {
    let request = AdmitRequest {
        buckets: buckets.map(|bucket| bucket.map(|b| (&b.key, b.limit))),
        quota: key
            .and_then(|k| k.quota.as_ref())
            .map(|counter| (&counter.key, counter.quota, counter.period.window(now))),
    };
    let outcome = match store.admit_at_once(request, now) {
        Some(admitting) => admitting.await.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "throttles and quota unavailable; admitting");
            AdmitOutcome::Admitted
        }),
        None => admit_one_by_one(store, request, now).await,
    };
    match outcome {
        AdmitOutcome::Admitted => Ok(()),
        AdmitOutcome::Throttled => Err(GatewayError::Throttled),
        AdmitOutcome::QuotaExceeded => Err(GatewayError::QuotaExceeded),
    }
}
