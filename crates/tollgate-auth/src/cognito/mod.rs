//! Cognito user-pool authorizers (`COGNITO_USER_POOLS`): a JWT checked against the pools' JWKS.
//!
//! Checks, in order, each failure a 401 `{"message":"Unauthorized"}` (spec §9.6;
//! DG/apigateway-enable-cognito-user-pool; KC/api-gateway-cognito-401-unauthorized):
//! 1. the token header (identity source, default `Authorization`) is present and non-empty; a leading
//!    `Bearer ` is accepted and removed (AWS accepts both: its own workshop sends `Bearer <token>` to the
//!    authorizer test console \[obs\]);
//! 2. three base64url parts, JSON header and claims, within [`MAX_TOKEN_BYTES`](jwt::MAX_TOKEN_BYTES);
//! 3. `alg` is exactly `RS256` (the only algorithm Cognito signs with; `none`, `HS256` and any key-confusion
//!    attempt fail here) and the header has no `crit`;
//! 4. `iss` is `https://cognito-idp.{region}.amazonaws.com/{poolId}` of one of `providerARNs`;
//! 5. that pool's JWKS has the header's `kid`, and the RS256 signature verifies with it;
//! 6. `exp` is a number later than now (no leeway), `nbf`, if present, not later than now;
//! 7. method without authorization scopes: `token_use` is `id`; with scopes: `token_use` is `access` and one
//!    of the method's scopes is in the space-separated `scope` claim (DG: "the method call succeeds if any
//!    scope that's specified on the method … matches a scope that's claimed in the incoming token");
//! 8. with an `identityValidationExpression`, `aud` (access tokens have none: `client_id`) matches it whole
//!    (AWS API reference `Authorizer.identityValidationExpression`: "API Gateway will match the aud field").

mod claims;
mod jwks;
mod jwt;
mod verified;

pub use claims::CognitoClaims;
pub use jwks::{Jwks, JwksError, MAX_JWKS_BYTES, MAX_KEYS};
pub use jwt::MAX_TOKEN_BYTES;
use jwt::UnverifiedJwt;
use verified::{Verified, VerifiedTokens};

use std::sync::Arc;

use regex::Regex;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde_json::{Map, Value};

use crate::error::{AuthError, ConfigError, TokenRejection, UnauthorizedReason};
use crate::identity::{IdentitySource, RequestParams};
use crate::lambda::compile_whole_match;

/// A Cognito authorizer as defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoAuthorizerConfig {
    /// The authorizer's name (for logs).
    pub id: String,
    /// `identitySource`: one `method.request.header.NAME`; `None` means `Authorization`.
    pub identity_source: Option<String>,
    /// `identityValidationExpression`, matched against `aud`.
    pub identity_validation_expression: Option<String>,
    /// `providerARNs`: `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`.
    pub provider_arns: Vec<String>,
}

/// One user pool named by a provider ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPool {
    arn: String,
    region: String,
    pool_id: String,
    issuer: String,
}

impl UserPool {
    /// Parses `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}` (any partition).
    ///
    /// # Errors
    /// [`ConfigError::InvalidProviderArn`].
    pub fn from_arn(arn: &str) -> Result<UserPool, ConfigError> {
        let invalid = || ConfigError::InvalidProviderArn(arn.to_owned());
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("cognito-idp"), Some(region), Some(_account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(invalid());
        };
        let pool_id = resource.strip_prefix("userpool/").ok_or_else(invalid)?;
        let well_formed = |text: &str| {
            !text.is_empty()
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if partition.is_empty() || !well_formed(region) || !well_formed(pool_id) {
            return Err(invalid());
        }
        Ok(UserPool {
            arn: arn.to_owned(),
            region: region.to_owned(),
            pool_id: pool_id.to_owned(),
            issuer: format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
        })
    }

    /// The provider ARN.
    #[must_use]
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// The pool's region.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The pool id (`us-east-1_AbCdEf123`).
    #[must_use]
    pub fn pool_id(&self) -> &str {
        &self.pool_id
    }

    /// The `iss` of the pool's tokens.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Where Cognito publishes the pool's keys.
    #[must_use]
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer)
    }
}

/// A compiled Cognito authorizer with its pools' keys, and the tokens it has verified (shared by its clones).
#[derive(Debug, Clone)]
pub struct CognitoAuthorizer {
    id: String,
    header: String,
    validation: Option<Regex>,
    pools: Vec<(UserPool, Arc<Jwks>)>,
    verified: Arc<VerifiedTokens>,
}

impl CognitoAuthorizer {
    /// Compiles `config`; `jwks_for` supplies each pool's key set (fetched from
    /// [`UserPool::jwks_url`] or read from a file by the caller).
    ///
    /// # Errors
    /// [`ConfigError`] for a bad identity source, provider ARN or expression, no providers, or a pool
    /// `jwks_for` has no keys for.
    pub fn compile(
        config: &CognitoAuthorizerConfig,
        mut jwks_for: impl FnMut(&UserPool) -> Option<Arc<Jwks>>,
    ) -> Result<CognitoAuthorizer, ConfigError> {
        let header = match config
            .identity_source
            .as_deref()
            .map(IdentitySource::parse_list)
            .transpose()?
        {
            None => "Authorization".to_owned(),
            Some(sources) => match sources.as_slice() {
                [IdentitySource::Header(name)] => name.clone(),
                [other] => {
                    return Err(ConfigError::InvalidIdentitySource {
                        source: other.expression(),
                        expected: "method.request.header.NAME",
                    });
                }
                _ => return Err(ConfigError::TokenSourceCount(sources.len())),
            },
        };
        if config.provider_arns.is_empty() {
            return Err(ConfigError::NoProviders);
        }
        let mut pools = Vec::with_capacity(config.provider_arns.len());
        for arn in &config.provider_arns {
            let pool = UserPool::from_arn(arn)?;
            let keys = jwks_for(&pool).ok_or_else(|| ConfigError::MissingJwks(arn.clone()))?;
            pools.push((pool, keys));
        }
        let validation = match config.identity_validation_expression.as_deref() {
            Some(expression) if !expression.is_empty() => Some(compile_whole_match(expression)?),
            _ => None,
        };
        Ok(CognitoAuthorizer {
            id: config.id.clone(),
            header,
            validation,
            pools,
            verified: Arc::default(),
        })
    }

    /// The authorizer's id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The header the token is read from.
    #[must_use]
    pub fn header(&self) -> &str {
        &self.header
    }

    /// The user pools, in `providerARNs` order.
    pub fn user_pools(&self) -> impl Iterator<Item = &UserPool> {
        self.pools.iter().map(|(pool, _)| pool)
    }

    /// Authorizes a request: the token from the configured header, checked as the module documentation
    /// lists, for a method requiring `scopes` (its `authorizationScopes`), at `now_seconds` (Unix time).
    ///
    /// # Errors
    /// [`AuthError::Unauthorized`] for every failure.
    pub fn authorize(
        &self,
        request: &dyn RequestParams,
        scopes: &[String],
        now_seconds: i64,
    ) -> Result<CognitoClaims, AuthError> {
        let value = request
            .header(&self.header)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| {
                AuthError::Unauthorized(UnauthorizedReason::MissingIdentitySource(format!(
                    "method.request.header.{}",
                    self.header
                )))
            })?;
        self.verify(&value, scopes, now_seconds)
            .map_err(|rejection| AuthError::Unauthorized(UnauthorizedReason::Token(rejection)))
    }

    /// Checks a token (the header's value) as [`CognitoAuthorizer::authorize`] does.
    ///
    /// # Errors
    /// Why the token is refused.
    pub fn verify(
        &self,
        header_value: &str,
        scopes: &[String],
        now_seconds: i64,
    ) -> Result<CognitoClaims, TokenRejection> {
        let token = strip_bearer(header_value);
        let verified = match self.verified.get(token) {
            Some(verified) => verified,
            None => {
                let verified = Arc::new(self.verify_signature(token)?);
                self.verified.insert(token, Arc::clone(&verified));
                verified
            }
        };
        let claims = &verified.claims;
        check_times(claims, now_seconds)?;
        let token_use = claims.get("token_use").and_then(Value::as_str);
        if scopes.is_empty() {
            if token_use != Some("id") {
                return Err(TokenRejection::WrongTokenUse);
            }
        } else {
            if token_use != Some("access") {
                return Err(TokenRejection::WrongTokenUse);
            }
            let granted = claims.get("scope").and_then(Value::as_str).unwrap_or("");
            if !granted
                .split(' ')
                .any(|scope| !scope.is_empty() && scopes.iter().any(|wanted| wanted == scope))
            {
                return Err(TokenRejection::MissingScope);
            }
        }
        if let Some(pattern) = &self.validation {
            let audience = match claims.get("aud").or_else(|| claims.get("client_id")) {
                Some(Value::String(audience)) => Some(audience.as_str()),
                Some(Value::Array(list)) => list.first().and_then(Value::as_str),
                _ => None,
            };
            if !audience.is_some_and(|audience| pattern.is_match(audience)) {
                return Err(TokenRejection::AudienceMismatch);
            }
        }
        Ok(verified.stringified.clone())
    }

    /// Steps 2–5 of the module documentation: the token decoded, its algorithm, issuer and key, and its
    /// signature verified.
    fn verify_signature(&self, token: &str) -> Result<Verified, TokenRejection> {
        let jwt = UnverifiedJwt::parse(token)?;
        if jwt.header.get("alg").and_then(Value::as_str) != Some("RS256") || jwt.header.contains_key("crit") {
            return Err(TokenRejection::UnsupportedAlgorithm);
        }
        let issuer = jwt
            .claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(TokenRejection::WrongIssuer)?;
        let (_, jwks) = self
            .pools
            .iter()
            .find(|(pool, _)| pool.issuer == issuer)
            .ok_or(TokenRejection::WrongIssuer)?;
        let kid = jwt
            .header
            .get("kid")
            .and_then(Value::as_str)
            .ok_or(TokenRejection::UnknownKey)?;
        let key = jwks.key(kid).ok_or(TokenRejection::UnknownKey)?;
        RsaPublicKeyComponents {
            n: key.n.as_slice(),
            e: key.e.as_slice(),
        }
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            jwt.signing_input.as_bytes(),
            &jwt.signature,
        )
        .map_err(|_| TokenRejection::BadSignature)?;
        Ok(Verified {
            stringified: CognitoClaims::from_claims(&jwt.claims),
            claims: jwt.claims,
        })
    }
}

fn strip_bearer(value: &str) -> &str {
    match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value.get(7..).unwrap_or("").trim_start(),
        _ => value,
    }
}

fn check_times(claims: &Map<String, Value>, now_seconds: i64) -> Result<(), TokenRejection> {
    #[allow(clippy::cast_precision_loss)]
    let now = now_seconds as f64;
    let exp = claims
        .get("exp")
        .and_then(Value::as_f64)
        .ok_or(TokenRejection::MissingExpiry)?;
    if now >= exp {
        return Err(TokenRejection::Expired);
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = nbf.as_f64().ok_or(TokenRejection::Malformed)?;
        if now < nbf {
            return Err(TokenRejection::NotYetValid);
        }
    }
    Ok(())
}
