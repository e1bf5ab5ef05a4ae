//! Issue 8's request phases that use the [`StateStore`](crate::state::StateStore): API keys and usage plans,
//! throttling, response caching. Compiled with the deployment ([`compile`]); run by `pipeline.rs` after the
//! authorizer, in API Gateway's order (spec §0):
//!
//! ```text
//! authorize → usage_plan (API key → throttles: plan, stage method, account → quota) → validate
//!           → cache_lookup → integration → cache_store
//! ```
//!
//! Spec §0 leaves the throttle's place unknown; it runs with the usage plan, before validation, so a request
//! that is refused for its limits never reaches the validator, the cache or the backend. A request refused
//! by any limit consumes none: tokens taken from earlier buckets are given back, and the quota is counted
//! last.

pub(crate) mod api_key;
pub(crate) mod authorizer;
pub(crate) mod cache;
pub(crate) mod throttle;

use std::sync::Arc;

use tollgate_model::{Diagnostic, RestApi, Stage};

use crate::cx::RequestCx;
use crate::deployment::CompiledMethod;
use crate::error::GatewayError;
use crate::gateway::Inner;
use crate::usage_plans::UsagePlans;

pub(crate) use cache::{CacheLookup, MethodCache, lookup as cache_lookup, store as cache_store};

/// What a deployment knows about keys, plans and limits of its stage.
#[derive(Debug, Default)]
pub(crate) struct StageUsage {
    pub(crate) keys: api_key::KeyTable,
    pub(crate) account: Option<throttle::Bucket>,
}

/// What a method needs from its stage's settings.
#[derive(Debug, Default)]
pub(crate) struct MethodUsage {
    /// The method's index in the deployment (plan per-method throttles are looked up by it).
    pub(crate) index: u32,
    /// `apiKeyRequired`.
    pub(crate) api_key_required: bool,
    /// The stage's method throttle (`throttlingRateLimit` / `throttlingBurstLimit`, own or `*/*`).
    pub(crate) stage_bucket: Option<throttle::Bucket>,
    pub(crate) cache: Option<Arc<MethodCache>>,
}

/// One request's usage-plan and cache state.
#[derive(Debug, Default)]
pub(crate) struct RequestUsage {
    /// The `usageIdentifierKey` a Lambda authorizer returned; the API key when the API's
    /// `x-amazon-apigateway-api-key-source` is `AUTHORIZER`. Set by the authorize phase.
    pub(crate) authorizer_key: Option<String>,
    /// Whether the caller is authorized to invalidate cache entries (`execute-api:InvalidateCache`). Set by
    /// the authorize phase when it can tell (IAM); false otherwise.
    pub(crate) may_invalidate_cache: bool,
    /// The key the request was admitted with: `$context.identity.apiKey` and `apiKeyId`.
    pub(crate) api_key: Option<api_key::KeyIdentity>,
    /// What the cache did, for the log.
    pub(crate) cache: Option<cache::CacheStatus>,
}

/// Compiles the stage's keys, plans and limits, and each method's share of them. `methods` are the
/// deployment's compiled methods in `api`'s resource and method order. Returns warnings located in `api`.
pub(crate) fn compile(
    api: &RestApi,
    stage: &Stage,
    plans: Option<&UsagePlans>,
    deployment_id: &str,
    methods: &mut [CompiledMethod],
) -> (StageUsage, Vec<Diagnostic>) {
    let default_plans = UsagePlans::default();
    let plans = plans.unwrap_or(&default_plans);
    let mut diagnostics = Vec::new();
    let pairs = api
        .resources
        .iter()
        .flat_map(|resource| resource.methods.iter().map(move |method| (resource, method)));
    let mut index = Vec::new();
    for ((resource, method), compiled) in pairs.zip(methods.iter_mut()) {
        let http_method = method.http_method.as_str();
        let settings = stage.method_settings_for(&resource.path, http_method);
        compiled.usage = MethodUsage {
            index: u32::try_from(index.len()).unwrap_or(u32::MAX),
            api_key_required: method.api_key_required,
            stage_bucket: throttle::stage_bucket(&stage.name, &resource.path, http_method, &settings),
            cache: cache::compile_method(
                api,
                stage,
                plans,
                deployment_id,
                (resource, method),
                &settings,
                &mut diagnostics,
            ),
        };
        index.push((resource.path.as_str(), http_method));
    }
    let usage = StageUsage {
        keys: api_key::KeyTable::compile(api.api_key_source, plans, &stage.name, &index),
        account: plans.account_throttle.map(throttle::account_bucket),
    };
    (usage, diagnostics)
}

/// Phase: API key and usage plan (spec §0 step 4), with the throttles. A method that requires a key gets it
/// from its source and must find it admitted on this stage (403 `INVALID_API_KEY`); then the plan's bucket
/// (per method, else per key), the stage's method bucket and the account's bucket each give a token (429
/// `THROTTLED`); then the plan's quota counts the request (429 `QUOTA_EXCEEDED`).
pub(crate) async fn usage_plan(inner: &Inner, cx: &mut RequestCx<'_>) -> Result<(), GatewayError> {
    let (Some(deployment), Some(route)) = (cx.deployment, cx.method_route) else {
        return Ok(());
    };
    let (stage, method) = (&deployment.usage, &route.usage);
    let key = if method.api_key_required {
        let Some(key) = stage.keys.presented(cx).and_then(|value| stage.keys.find(value)) else {
            tracing::debug!(request_id = %cx.ids.request_id, "missing, unknown or disabled API key");
            return Err(GatewayError::InvalidApiKey);
        };
        cx.usage.api_key = Some(key.identity.clone());
        Some(key)
    } else {
        None
    };
    let buckets = [
        key.and_then(|k| k.bucket_for(method.index)),
        method.stage_bucket.as_ref(),
        stage.account.as_ref(),
    ];
    let now = inner.options.clock.now();
    throttle::admit(&*inner.options.state, buckets, key, now).await
}
