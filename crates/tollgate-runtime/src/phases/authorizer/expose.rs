//! What an authorizer established, as templates, mappings, logs and the Lambda proxy event see it.

use std::sync::Arc;

use tollgate_auth::{AuthorizerOutput, CognitoClaims, ContextValue};
use tollgate_lambda_event::{Authorizer as EventAuthorizerRef, AuthorizerValue, LambdaAuthorizer};

use crate::context_var::AuthorizerVar;

/// The result of the method's authorizer for this request.
#[derive(Debug, Clone)]
pub(crate) enum Authorized {
    /// A Lambda authorizer's output (cached or fresh) and how long its invocation took (0 when cached).
    Lambda {
        output: Arc<AuthorizerOutput>,
        latency_ms: u64,
    },
    /// A Cognito user pool's verified claims.
    Cognito(CognitoClaims),
}

impl Authorized {
    /// Appends `$context.authorizer.*`; false when it has no value. Lambda context values are stringified
    /// (`1` → `1`, `true` → `true`); Cognito exposes only `claims.NAME` (and no `principalId`, \[unk\]).
    pub(crate) fn push(&self, var: &AuthorizerVar, out: &mut String) -> bool {
        let value = match (self, var) {
            (Authorized::Lambda { output, .. }, AuthorizerVar::PrincipalId) => output.principal_id().map(str::to_owned),
            (Authorized::Lambda { output, .. }, AuthorizerVar::Key(name)) => output.context_variable(name),
            (Authorized::Cognito(claims), AuthorizerVar::Claim(name)) => claims.get(name).map(str::to_owned),
            _ => None,
        };
        match value {
            Some(value) => {
                out.push_str(&value);
                true
            }
            None => false,
        }
    }

    /// `$context.authorizer` for mapping templates.
    pub(crate) fn template_context(&self) -> tollgate_mapping::context::Authorizer {
        match self {
            Authorized::Lambda { output, .. } => tollgate_mapping::context::Authorizer {
                principal_id: output.principal_id().map(str::to_owned),
                claims: Vec::new(),
                context: output
                    .context()
                    .iter()
                    .filter(|(key, _)| key != "principalId")
                    .map(|(key, value)| (key.clone(), value.to_context_string()))
                    .collect(),
            },
            Authorized::Cognito(claims) => tollgate_mapping::context::Authorizer {
                principal_id: None,
                claims: claims.entries().to_vec(),
                context: Vec::new(),
            },
        }
    }

    /// The borrowed parts of the proxy event's `requestContext.authorizer`.
    pub(crate) fn event(&self) -> EventAuthorizer<'_> {
        match self {
            Authorized::Lambda { output, latency_ms } => EventAuthorizer::Lambda {
                principal_id: output.principal_id().unwrap_or(""),
                context: output
                    .context()
                    .iter()
                    .map(|(key, value)| {
                        let value = match value {
                            ContextValue::String(text) => AuthorizerValue::String(text),
                            ContextValue::Integer(number) => AuthorizerValue::Integer(*number),
                            ContextValue::Float(number) => AuthorizerValue::Float(*number),
                            ContextValue::Bool(flag) => AuthorizerValue::Bool(*flag),
                        };
                        (key.as_str(), value)
                    })
                    .collect(),
                latency_ms: *latency_ms,
            },
            Authorized::Cognito(claims) => EventAuthorizer::Cognito(
                claims
                    .entries()
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .collect(),
            ),
        }
    }
}

/// `requestContext.authorizer` of the proxy event, owning the slices the event borrows.
#[derive(Debug)]
pub(crate) enum EventAuthorizer<'a> {
    Lambda {
        principal_id: &'a str,
        context: Vec<(&'a str, AuthorizerValue<'a>)>,
        latency_ms: u64,
    },
    Cognito(Vec<(&'a str, &'a str)>),
}

impl EventAuthorizer<'_> {
    /// The event's view.
    pub(crate) fn as_event(&self) -> EventAuthorizerRef<'_> {
        match self {
            EventAuthorizer::Lambda {
                principal_id,
                context,
                latency_ms,
            } => EventAuthorizerRef::Lambda(LambdaAuthorizer {
                principal_id,
                context,
                integration_latency_ms: *latency_ms,
            }),
            EventAuthorizer::Cognito(claims) => EventAuthorizerRef::Cognito { claims },
        }
    }
}
