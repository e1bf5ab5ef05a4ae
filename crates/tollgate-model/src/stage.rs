//! Stages: what the server adds to a model to serve it (name, stage variables, method settings).
//!
//! Stages do not come from the definition file: the server builds them from its command line or
//! configuration. [`Stage::validate`] applies AWS's limits.

use std::collections::BTreeMap;

/// A deployment stage.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Stage {
    /// The stage name, the first path segment of invoke URLs (`prod` in `/prod/pets`).
    pub name: String,
    /// Stage variables (`$stageVariables.x`, `${stageVariables.x}`).
    pub variables: BTreeMap<String, String>,
    /// Method settings keyed by `{resourcePath}/{METHOD}` (e.g. `/pets/GET`; AWS writes the path without its
    /// leading slash and with `~1` for `/`; both are accepted by [`Stage::method_settings_for`]), or `*/*` for
    /// the stage default.
    pub method_settings: BTreeMap<String, MethodSettings>,
}

/// Per-method throttling and caching settings of a stage (AWS `MethodSetting`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MethodSettings {
    /// Steady-state requests per second; `None` inherits (account level 10,000).
    pub throttling_rate_limit: Option<f64>,
    /// Bucket capacity; `None` inherits (account level 5,000).
    pub throttling_burst_limit: Option<u32>,
    /// Whether responses are cached.
    pub caching_enabled: bool,
    /// Cache TTL in seconds (0–3600, default 300).
    pub cache_ttl_seconds: u32,
    /// Whether a `Cache-Control: max-age=0` invalidation needs authorization.
    pub require_authorization_for_cache_control: bool,
    /// What happens to an unauthorized invalidation request.
    pub unauthorized_cache_control_header_strategy: UnauthorizedCacheControlHeaderStrategy,
}

impl Default for MethodSettings {
    fn default() -> MethodSettings {
        MethodSettings {
            throttling_rate_limit: None,
            throttling_burst_limit: None,
            caching_enabled: false,
            cache_ttl_seconds: 300,
            require_authorization_for_cache_control: true,
            unauthorized_cache_control_header_strategy:
                UnauthorizedCacheControlHeaderStrategy::SucceedWithResponseHeader,
        }
    }
}

/// AWS `unauthorizedCacheControlHeaderStrategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnauthorizedCacheControlHeaderStrategy {
    /// `FAIL_WITH_403`.
    FailWith403,
    /// `SUCCEED_WITH_RESPONSE_HEADER` (AWS's default).
    #[default]
    SucceedWithResponseHeader,
    /// `SUCCEED_WITHOUT_RESPONSE_HEADER`.
    SucceedWithoutResponseHeader,
}

/// A reason a [`Stage`] is not acceptable to AWS.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StageError {
    /// What is wrong, naming the offending item.
    pub message: String,
}

impl std::fmt::Display for StageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StageError {}

/// AWS limits on stage variables.
const MAX_VARIABLES: usize = 100;
const MAX_VARIABLE_NAME: usize = 64;
const MAX_VARIABLE_VALUE: usize = 512;
const MAX_STAGE_NAME: usize = 128;

impl Stage {
    /// A stage with no variables and default settings.
    #[must_use]
    pub fn new(name: &str) -> Stage {
        Stage {
            name: name.to_owned(),
            variables: BTreeMap::new(),
            method_settings: BTreeMap::new(),
        }
    }

    /// The settings that apply to `method` on `resource_path`: the method's own, else the `*/*` default,
    /// else AWS's defaults.
    #[must_use]
    pub fn method_settings_for(&self, resource_path: &str, method: &str) -> MethodSettings {
        let trimmed = resource_path.trim_start_matches('/');
        let keys = [
            format!("{resource_path}/{method}"),
            format!("{trimmed}/{method}"),
            format!("{}/{method}", trimmed.replace('/', "~1")),
            "*/*".to_owned(),
        ];
        keys.iter()
            .find_map(|key| self.method_settings.get(key))
            .cloned()
            .unwrap_or_default()
    }

    /// Checks the name and variables against AWS's rules: name of letters, digits, `-`, `_` (≤ 128);
    /// at most 100 variables; names of letters, digits, `_` (≤ 64); values of letters, digits and
    /// `-._~:/?#&=,` (≤ 512); TTLs 0–3600.
    ///
    /// # Errors
    ///
    /// Every rule broken, one entry each.
    pub fn validate(&self) -> Result<(), Vec<StageError>> {
        let mut problems = Vec::new();
        let mut problem = |message: String| problems.push(StageError { message });
        if self.name.is_empty()
            || self.name.len() > MAX_STAGE_NAME
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            problem(format!(
                "stage name `{}` must be 1 to {MAX_STAGE_NAME} letters, digits, `-` or `_`",
                self.name
            ));
        }
        if self.variables.len() > MAX_VARIABLES {
            problem(format!(
                "{} stage variables, at most {MAX_VARIABLES} allowed",
                self.variables.len()
            ));
        }
        for (name, value) in &self.variables {
            if name.is_empty()
                || name.len() > MAX_VARIABLE_NAME
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                problem(format!(
                    "stage variable name `{name}` must be 1 to {MAX_VARIABLE_NAME} letters, digits or `_`"
                ));
            }
            if value.chars().count() > MAX_VARIABLE_VALUE
                || !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#&=,".contains(c))
            {
                problem(format!(
                    "stage variable `{name}`: value must be at most {MAX_VARIABLE_VALUE} letters, digits or `-._~:/?#&=,`"
                ));
            }
        }
        for (key, settings) in &self.method_settings {
            if settings.cache_ttl_seconds > 3600 {
                problem(format!(
                    "method settings `{key}`: cache TTL {} s is above 3600",
                    settings.cache_ttl_seconds
                ));
            }
            if settings
                .throttling_rate_limit
                .is_some_and(|rate| !rate.is_finite() || rate < 0.0)
            {
                problem(format!(
                    "method settings `{key}`: throttling rate limit must be a non-negative number"
                ));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}
