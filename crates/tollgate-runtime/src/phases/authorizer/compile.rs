//! Load time: the API's authorizers compiled for one stage (identity sources parsed, validation expressions
//! compiled, the function resolved with the stage's variables, Cognito pools paired with their keys) and
//! attached to the methods that use them. Every problem is a diagnostic located at the authorizer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tollgate_auth::{
    AuthorizerCache, CognitoAuthorizer, CognitoAuthorizerConfig, ConfigError, Jwks, LambdaAuthorizer,
    LambdaAuthorizerConfig, LambdaAuthorizerKind,
};
use tollgate_aws::{IntegrationCredentials, IntegrationUri, Placeholders, ServiceTable};
use tollgate_model::{AuthorizationType, Authorizer, AuthorizerType, Diagnostic, RestApi, Stage};

use crate::deployment::CompiledMethod;
use crate::lambda::FunctionRef;

/// How long the gateway waits for a Lambda authorizer. AWS does not document a REST authorizer timeout;
/// HTTP APIs document 10 seconds for theirs, which Tollgate uses (a timeout answers 500, as AWS does).
pub(crate) const AUTHORIZER_TIMEOUT: Duration = Duration::from_secs(10);

/// Results cached per deployment at most (least recently used evicted first).
const CACHE_CAPACITY: usize = 10_000;

/// The keys of Cognito user pools, by pool id (`us-east-1_AbC123`) or `*` for every pool without its own.
#[derive(Debug, Clone, Default)]
pub struct UserPoolKeys {
    pools: BTreeMap<String, Arc<Jwks>>,
}

impl UserPoolKeys {
    /// No keys: every Cognito authorizer fails to compile until it gets some.
    pub fn new() -> UserPoolKeys {
        UserPoolKeys::default()
    }

    /// Adds the JWKS of pool `pool` (its id, or `*` for every pool not named otherwise).
    pub fn insert(&mut self, pool: impl Into<String>, jwks: Arc<Jwks>) {
        self.pools.insert(pool.into(), jwks);
    }

    /// Parses `bytes` as a JWKS document and adds it for `pool` (as [`UserPoolKeys::insert`]).
    ///
    /// # Errors
    /// Why the document is not a usable key set.
    pub fn insert_jwks(&mut self, pool: &str, bytes: &[u8]) -> Result<(), String> {
        let jwks = Jwks::parse(bytes).map_err(|err| err.to_string())?;
        self.insert(pool, Arc::new(jwks));
        Ok(())
    }

    /// The keys of the pool with id `pool_id`.
    pub fn get(&self, pool_id: &str) -> Option<Arc<Jwks>> {
        self.pools.get(pool_id).or_else(|| self.pools.get("*")).cloned()
    }

    /// Whether no keys were given.
    pub fn is_empty(&self) -> bool {
        self.pools.is_empty()
    }
}

/// A compiled authorizer.
#[derive(Debug)]
pub(crate) enum CompiledAuthorizer {
    Lambda(LambdaFunctionAuthorizer),
    Cognito(CognitoAuthorizer),
}

/// A Lambda (TOKEN or REQUEST) authorizer and the function it invokes.
#[derive(Debug)]
pub(crate) struct LambdaFunctionAuthorizer {
    pub(crate) rules: LambdaAuthorizer,
    /// The function, or why the URI names none for this stage (500 when invoked, as on AWS).
    pub(crate) function: Result<FunctionRef, Arc<str>>,
    /// `authorizerCredentials`: the role to invoke it with (stage variables substituted).
    pub(crate) credentials: Option<Arc<str>>,
}

/// What a method needs from its authorizer.
#[derive(Debug)]
pub(crate) struct MethodAuthorizer {
    pub(crate) authorizer: Arc<CompiledAuthorizer>,
    /// `authorizationScopes` (Cognito).
    pub(crate) scopes: Vec<String>,
}

/// The stage's authorizer state: the result cache and the method ARN's fixed prefix.
#[derive(Debug)]
pub(crate) struct StageAuthorizers {
    pub(crate) cache: AuthorizerCache,
    /// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/`.
    pub(crate) arn_prefix: Box<str>,
}

impl Default for StageAuthorizers {
    fn default() -> Self {
        StageAuthorizers {
            cache: AuthorizerCache::new(CACHE_CAPACITY),
            arn_prefix: "".into(),
        }
    }
}

/// Where the method ARN's fixed part comes from.
pub(crate) struct ArnParts<'a> {
    pub(crate) region: &'a str,
    pub(crate) account_id: &'a str,
    pub(crate) api_id: &'a str,
}

/// Compiles every authorizer of `api` for `stage` and gives each method that uses one its share. `methods`
/// are in `api`'s resource and method order.
pub(crate) fn compile(
    api: &RestApi,
    stage: &Stage,
    keys: &UserPoolKeys,
    arn: &ArnParts<'_>,
    methods: &mut [CompiledMethod],
    diagnostics: &mut Vec<Diagnostic>,
) -> StageAuthorizers {
    let mut compiled: Vec<(&str, Option<Arc<CompiledAuthorizer>>)> = Vec::new();
    for authorizer in &api.authorizers {
        let id = format!("{}/{}/{}", arn.api_id, stage.name, authorizer.name);
        let result = compile_one(api, stage, keys, authorizer, id, diagnostics).map(Arc::new);
        compiled.push((authorizer.name.as_str(), result));
    }
    let pairs = api
        .resources
        .iter()
        .flat_map(|resource| resource.methods.iter().map(move |method| (resource, method)));
    for ((resource, method), target) in pairs.zip(methods.iter_mut()) {
        if !matches!(
            method.authorization,
            AuthorizationType::Custom | AuthorizationType::CognitoUserPools
        ) {
            continue;
        }
        let Some(name) = method.authorizer.as_deref() else {
            continue;
        };
        match compiled.iter().find(|(n, _)| *n == name) {
            Some((_, Some(authorizer))) => {
                target.authorizer = Some(MethodAuthorizer {
                    authorizer: Arc::clone(authorizer),
                    scopes: method.authorization_scopes.clone(),
                });
            }
            // Already reported where the authorizer is defined.
            Some((_, None)) => {}
            None => diagnostics.push(Diagnostic::error(
                &api.source,
                method.span,
                format!(
                    "{} {}: no authorizer named `{name}` in the security schemes",
                    method.http_method.as_str(),
                    resource.path
                ),
            )),
        }
    }
    StageAuthorizers {
        cache: AuthorizerCache::new(CACHE_CAPACITY),
        arn_prefix: format!(
            "arn:aws:execute-api:{}:{}:{}/{}/",
            arn.region, arn.account_id, arn.api_id, stage.name
        )
        .into(),
    }
}

fn compile_one(
    api: &RestApi,
    stage: &Stage,
    keys: &UserPoolKeys,
    authorizer: &Authorizer,
    id: String,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<CompiledAuthorizer> {
    let source = &api.source;
    let mut error = |message: String, note: Option<&str>| {
        let mut diagnostic = Diagnostic::error(source, authorizer.span, message);
        if let Some(note) = note {
            diagnostic = diagnostic.with_note(note.to_owned());
        }
        diagnostics.push(diagnostic);
    };
    let identity_source: Vec<String> = authorizer.identity_source.iter().map(|s| s.value.clone()).collect();
    let expression = authorizer
        .identity_validation_expression
        .as_ref()
        .map(|e| e.value.clone());
    let kind = match authorizer.authorizer_type {
        AuthorizerType::Token => LambdaAuthorizerKind::Token,
        AuthorizerType::Request => LambdaAuthorizerKind::Request,
        AuthorizerType::CognitoUserPools => {
            let config = CognitoAuthorizerConfig {
                id,
                identity_source: (!identity_source.is_empty()).then(|| identity_source.join(",")),
                identity_validation_expression: expression,
                provider_arns: authorizer.provider_arns.clone(),
            };
            return match CognitoAuthorizer::compile(&config, |pool| keys.get(pool.pool_id())) {
                Ok(compiled) => Some(CompiledAuthorizer::Cognito(compiled)),
                Err(err) => {
                    let note = matches!(err, ConfigError::MissingJwks(_)).then_some(
                        "give each user pool's keys with `--jwks POOL_ID=FILE|URL` (or `--jwks FILE|URL` for all \
                         pools); see README.md",
                    );
                    error(format!("authorizer `{}`: {}", authorizer.name, short(&err)), note);
                    None
                }
            };
        }
        _ => {
            error(format!("authorizer `{}`: unsupported type", authorizer.name), None);
            return None;
        }
    };
    let config = LambdaAuthorizerConfig {
        id,
        kind,
        identity_source,
        identity_validation_expression: expression,
        result_ttl_seconds: authorizer.result_ttl_seconds,
    };
    let rules = match LambdaAuthorizer::compile(&config) {
        Ok(rules) => rules,
        Err(err) => {
            // An expression that does not compile is pointed at where it is written.
            match (&err, &authorizer.identity_validation_expression) {
                (ConfigError::InvalidValidationExpression { .. }, Some(expression)) => diagnostics.push(
                    Diagnostic::error(source, expression.span, short(&err))
                        .with_note("the expression is a regular expression the whole token must match"),
                ),
                _ => error(format!("authorizer `{}`: {}", authorizer.name, short(&err)), None),
            }
            return None;
        }
    };
    let variables = StageVariables(&stage.variables);
    let function = match &authorizer.authorizer_uri {
        None => Err(Arc::from("the authorizer has no authorizerUri")),
        Some(uri) => match function_of(&uri.value, &variables) {
            Ok(function) => Ok(function),
            Err(message) if uri.value.contains("${") => {
                diagnostics.push(
                    Diagnostic::warning(source, uri.span, message.clone())
                        .with_note("AWS answers such a request with 500; check the stage variables"),
                );
                Err(Arc::from(message))
            }
            Err(message) => {
                diagnostics.push(Diagnostic::error(source, uri.span, message));
                return None;
            }
        },
    };
    let credentials =
        match IntegrationCredentials::parse(authorizer.authorizer_credentials.as_ref().map(|c| c.value.as_str())) {
            Ok(credentials) => credentials.role_arn(&variables).map(|role| Arc::from(role.as_ref())),
            Err(err) => {
                let span = authorizer
                    .authorizer_credentials
                    .as_ref()
                    .map_or(authorizer.span, |c| c.span);
                diagnostics.push(Diagnostic::error(source, span, err.to_string()));
                return None;
            }
        };
    Some(CompiledAuthorizer::Lambda(LambdaFunctionAuthorizer {
        rules,
        function,
        credentials,
    }))
}

/// A definition problem on one line: the regex compiler's multi-line message reduced to its last line.
fn short(err: &ConfigError) -> String {
    match err {
        ConfigError::InvalidValidationExpression { expression, reason } => {
            let reason = reason
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("")
                .trim_start_matches("error: ");
            format!("invalid identityValidationExpression `{expression}`: {reason}")
        }
        other => other.to_string(),
    }
}

/// The function an `authorizerUri` names: `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn}/invocations`.
fn function_of(uri: &str, variables: &StageVariables<'_>) -> Result<FunctionRef, String> {
    let parsed = IntegrationUri::parse(uri, ServiceTable::builtin()).map_err(|err| err.to_string())?;
    if !parsed.is_lambda_invoke() {
        return Err(format!(
            "authorizerUri `{uri}` names no Lambda function: expected \
             arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION/invocations"
        ));
    }
    let target = parsed.resolve(variables).map_err(|err| err.to_string())?;
    let function = target
        .lambda_function()
        .ok_or_else(|| format!("authorizerUri `{uri}` names no Lambda function"))?;
    FunctionRef::parse(&function, parsed.region())
}

/// Stage variables for `${stageVariables.x}` in an authorizer's URI and credentials (no path parameters there).
struct StageVariables<'a>(&'a BTreeMap<String, String>);

impl Placeholders for StageVariables<'_> {
    fn stage_variable(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn path_parameter(&self, _: &str) -> Option<&str> {
        None
    }
}
