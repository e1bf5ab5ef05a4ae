//! API keys, usage plans and stage settings: the API Gateway resources that are not part of an OpenAPI
//! definition, read from their own file (`tollgate serve API --usage-plans FILE`, docs/usage-plans.md).
//!
//! The file uses the field names of AWS's REST API (`aws apigateway get-usage-plans`, `get-api-keys`,
//! `get-stage`), so exported resources paste in: `apiKeys`, `usagePlans` (each with its keys), `stages` (method
//! settings and the cache cluster) and `account` (the account-level throttle). [`UsagePlans::parse`] checks the
//! file on its own and [`UsagePlans::check`] against the API; both report at `file:line:col`.
//! [`UsagePlans::apply_to_stage`] gives the model's [`Stage`] its method settings, and
//! `CompileOptions::usage_plans` hands the rest to [`crate::Deployment::compile`].

mod parse;
mod window;

use std::collections::BTreeMap;

use tollgate_model::{Diagnostic, MethodSettings, RestApi, SourceFile, Span, Stage};

use crate::state::{Quota, Throttle};
pub(crate) use window::QuotaPeriod;

/// AWS's account-level throttle per Region when none is configured: 10,000 requests per second, burst 5,000
/// (DG/api-gateway-request-throttling.html, DG/limits.html).
pub const ACCOUNT_DEFAULT_THROTTLE: Throttle = Throttle {
    rate_limit: 10_000.0,
    burst_limit: 5_000,
};

/// The API keys, usage plans and stage settings of a usage-plans file.
#[derive(Clone, Debug)]
pub struct UsagePlans {
    source: SourceFile,
    pub(crate) account_throttle: Option<Throttle>,
    pub(crate) api_keys: Vec<ApiKeyConfig>,
    pub(crate) plans: Vec<PlanConfig>,
    pub(crate) stages: Vec<StageConfig>,
}

impl Default for UsagePlans {
    /// No keys, no plans, no stage settings; AWS's account throttle.
    fn default() -> UsagePlans {
        UsagePlans {
            source: SourceFile::new("(none)", ""),
            account_throttle: Some(ACCOUNT_DEFAULT_THROTTLE),
            api_keys: Vec::new(),
            plans: Vec::new(),
            stages: Vec::new(),
        }
    }
}

/// An API key (AWS `ApiKey`).
#[derive(Clone)]
pub(crate) struct ApiKeyConfig {
    pub(crate) id: String,
    pub(crate) value: String,
    pub(crate) enabled: bool,
    pub(crate) span: Span,
}

/// Key values never reach logs through `Debug`.
impl std::fmt::Debug for ApiKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyConfig")
            .field("id", &self.id)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// A usage plan (AWS `UsagePlan`) with its keys (AWS `UsagePlanKey`).
#[derive(Clone, Debug)]
pub(crate) struct PlanConfig {
    pub(crate) id: String,
    pub(crate) throttle: Option<Throttle>,
    pub(crate) quota: Option<QuotaConfig>,
    pub(crate) stages: Vec<PlanStage>,
    /// Ids of the plan's API keys.
    pub(crate) keys: Vec<String>,
}

/// `QuotaSettings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QuotaConfig {
    pub(crate) quota: Quota,
    pub(crate) period: QuotaPeriod,
}

/// An `apiStages` entry: the stage the plan covers and its per-method throttles.
#[derive(Clone, Debug)]
pub(crate) struct PlanStage {
    pub(crate) stage: String,
    pub(crate) method_throttles: Vec<MethodThrottle>,
}

/// `"/pets/GET": {rateLimit, burstLimit}` in an `apiStages[].throttle` map.
#[derive(Clone, Debug)]
pub(crate) struct MethodThrottle {
    pub(crate) resource_path: String,
    pub(crate) http_method: String,
    pub(crate) throttle: Throttle,
    pub(crate) span: Span,
}

/// A stage's settings (AWS `Stage`).
#[derive(Clone, Debug)]
pub(crate) struct StageConfig {
    pub(crate) name: String,
    /// `cacheClusterEnabled`.
    pub(crate) cache_enabled: bool,
    /// `cacheClusterSize` in bytes: the stage cache's budget.
    pub(crate) cache_bytes: u64,
    /// `methodSettings`, keyed `/path/METHOD` or `*/*`, each merged over `*/*` as AWS does.
    pub(crate) method_settings: BTreeMap<String, MethodSettings>,
    /// Method-specific entries that set `cachingEnabled` themselves (AWS caches methods other than GET only
    /// through such an override).
    pub(crate) explicit_caching: Vec<String>,
    /// Where each method-specific entry is, for [`UsagePlans::check`].
    pub(crate) method_spans: Vec<(String, String, Span)>,
}

impl UsagePlans {
    /// Reads a usage-plans file (YAML or JSON). Every problem comes back at once, each located; warnings do
    /// not prevent a result.
    pub fn parse(file_name: &str, bytes: &[u8]) -> (Option<UsagePlans>, Vec<Diagnostic>) {
        parse::parse(file_name, bytes)
    }

    /// The file the plans were read from (for rendering diagnostics).
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// Checks the file's references into `api`: every per-method throttle and method setting must name a
    /// method the API has (AWS refuses the update otherwise). Located in the usage-plans file.
    pub fn check(&self, api: &RestApi) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let mut check = |path: &str, method: &str, span: Span, what: &str| {
            let found = api
                .resource_by_path(path)
                .is_some_and(|r| r.methods.iter().any(|m| m.http_method.as_str() == method));
            if !found {
                problems.push(
                    Diagnostic::error(
                        &self.source,
                        span,
                        format!("{what} names {method} {path}, which the API does not have"),
                    )
                    .with_note("methods are the API's resource paths and HTTP methods, e.g. /pets/{petId}/GET"),
                );
            }
        };
        for stage in &self.stages {
            for (path, method, span) in &stage.method_spans {
                check(path, method, *span, "a method setting");
            }
        }
        for plan in &self.plans {
            for stage in &plan.stages {
                for throttle in &stage.method_throttles {
                    check(
                        &throttle.resource_path,
                        &throttle.http_method,
                        throttle.span,
                        "a usage-plan throttle",
                    );
                }
            }
        }
        problems.sort_by_key(|d| d.span.start);
        problems
    }

    /// Gives `stage` the method settings the file has for it (none: left as it is).
    pub fn apply_to_stage(&self, stage: &mut Stage) {
        if let Some(config) = self.stage(&stage.name) {
            stage.method_settings = config.method_settings.clone();
        }
    }

    pub(crate) fn stage(&self, name: &str) -> Option<&StageConfig> {
        self.stages.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests;
