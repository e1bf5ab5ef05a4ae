//! Lambda (TOKEN and REQUEST) authorizers: compiled definition, identity check, event, result.

pub(crate) mod event;
pub(crate) mod output;

use regex::Regex;

use crate::cache::CacheKey;
use crate::error::{AuthError, ConfigError, UnauthorizedReason};
use crate::identity::{IdentitySource, IdentityValues, RequestParams};

/// Largest `authorizerResultTtlInSeconds` (AWS API reference `Authorizer`).
pub const MAX_TTL_SECONDS: u32 = 3600;
/// Default `authorizerResultTtlInSeconds`.
pub const DEFAULT_TTL_SECONDS: u32 = 300;
/// Compiled-size limit of an `identityValidationExpression` (bounded memory; matching is linear anyway).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// TOKEN or REQUEST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LambdaAuthorizerKind {
    /// One header's value goes to the function as `authorizationToken`.
    Token,
    /// Headers, query strings, path parameters, stage variables and context go to the function.
    Request,
}

/// A Lambda authorizer as defined (the runtime fills it from the model's `Authorizer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaAuthorizerConfig {
    /// A name unique per API and stage (for instance `{apiId}/{stage}/{authorizerName}`): part of every cache
    /// key, so two authorizers never share results.
    pub id: String,
    /// TOKEN or REQUEST.
    pub kind: LambdaAuthorizerKind,
    /// `identitySource` entries (already split on commas, or one comma-separated string).
    pub identity_source: Vec<String>,
    /// `identityValidationExpression` (TOKEN only; AWS ignores it for REQUEST).
    pub identity_validation_expression: Option<String>,
    /// `authorizerResultTtlInSeconds` (0 disables caching).
    pub result_ttl_seconds: u32,
}

/// A compiled Lambda authorizer.
#[derive(Debug, Clone)]
pub struct LambdaAuthorizer {
    id: String,
    kind: LambdaAuthorizerKind,
    sources: Vec<IdentitySource>,
    validation: Option<Regex>,
    ttl_seconds: u32,
}

impl LambdaAuthorizer {
    /// Checks and compiles a definition.
    ///
    /// # Errors
    /// [`ConfigError`] for a bad identity source (TOKEN: exactly one header), an expression that does not
    /// compile, a TTL above 3600, or caching without identity sources (AWS API reference
    /// `Authorizer.identitySource`: required when caching is enabled).
    pub fn compile(config: &LambdaAuthorizerConfig) -> Result<LambdaAuthorizer, ConfigError> {
        let mut sources = Vec::new();
        for entry in &config.identity_source {
            sources.extend(IdentitySource::parse_list(entry)?);
        }
        if config.kind == LambdaAuthorizerKind::Token {
            match sources.as_slice() {
                [IdentitySource::Header(_)] => {}
                [other] => {
                    return Err(ConfigError::InvalidIdentitySource {
                        source: other.expression(),
                        expected: "method.request.header.NAME",
                    });
                }
                _ => return Err(ConfigError::TokenSourceCount(sources.len())),
            }
        }
        if config.result_ttl_seconds > MAX_TTL_SECONDS {
            return Err(ConfigError::TtlOutOfRange(config.result_ttl_seconds));
        }
        if config.result_ttl_seconds > 0 && sources.is_empty() {
            return Err(ConfigError::CachingWithoutIdentitySource);
        }
        let validation = match (&config.identity_validation_expression, config.kind) {
            (Some(expression), LambdaAuthorizerKind::Token) if !expression.is_empty() => {
                Some(compile_whole_match(expression)?)
            }
            _ => None,
        };
        Ok(LambdaAuthorizer {
            id: config.id.clone(),
            kind: config.kind,
            sources,
            validation,
            ttl_seconds: config.result_ttl_seconds,
        })
    }

    /// The authorizer's id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// TOKEN or REQUEST.
    #[must_use]
    pub fn kind(&self) -> LambdaAuthorizerKind {
        self.kind
    }

    /// The parsed identity sources.
    #[must_use]
    pub fn identity_sources(&self) -> &[IdentitySource] {
        &self.sources
    }

    /// `authorizerResultTtlInSeconds`.
    #[must_use]
    pub fn ttl_seconds(&self) -> u32 {
        self.ttl_seconds
    }

    /// Step 1 of a request: reads the identity and applies the checks made before any invocation.
    ///
    /// * TOKEN: the header must be present and non-empty, and match `identityValidationExpression` (whole
    ///   token, Java `String.matches` semantics) when one is set; else 401.
    /// * REQUEST with caching on: every source present and non-empty, else 401. With caching off (TTL 0) the
    ///   sources are optional (AWS API reference `Authorizer.identitySource`: "When the authorization caching
    ///   is not enabled, this property is optional"): the function is invoked whatever is missing.
    ///
    /// # Errors
    /// [`AuthError::Unauthorized`].
    pub fn identity(&self, request: &dyn RequestParams) -> Result<IdentityValues, AuthError> {
        let required = self.kind == LambdaAuthorizerKind::Token || self.ttl_seconds > 0;
        let identity = IdentityValues::collect(&self.sources, request, required)?;
        if let (Some(pattern), Some(token)) = (&self.validation, identity.first())
            && !pattern.is_match(token)
        {
            return Err(AuthError::Unauthorized(
                UnauthorizedReason::ValidationExpressionMismatch,
            ));
        }
        Ok(identity)
    }

    /// The result-cache key for `identity`, or `None` when caching is off (TTL 0) or an identity value is
    /// missing (never cache what a missing source produced).
    #[must_use]
    pub fn cache_key(&self, identity: &IdentityValues) -> Option<CacheKey> {
        if self.ttl_seconds == 0 || !identity.is_complete() {
            return None;
        }
        Some(CacheKey::new(&self.id, identity.values()))
    }
}

/// Compiles `expression` to match whole strings only.
pub(crate) fn compile_whole_match(expression: &str) -> Result<Regex, ConfigError> {
    let invalid = |error: regex::Error| ConfigError::InvalidValidationExpression {
        expression: expression.to_owned(),
        reason: error.to_string(),
    };
    // Compiled alone first: only a balanced expression may be wrapped (`a)|(b` would escape the anchors).
    regex::RegexBuilder::new(expression)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(invalid)?;
    regex::RegexBuilder::new(&format!("^(?:{expression})$"))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(invalid)
}
