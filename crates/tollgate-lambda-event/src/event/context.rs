//! `requestContext` and its `identity` and `authorizer` objects.

use crate::clf_time::write_clf;
use crate::java_hash::{sort_into_iteration_order, spread, string_hash};
use crate::java_number::write_java_double;
use crate::json_out::{write_field, write_int, write_key, write_opt_str, write_str};

use super::groups::{GroupOrder, with_groups};

/// `requestContext`: the `$context` of the request, written in the iteration order of the Java hash map AWS
/// builds it in (see the crate documentation). Only what applies to the event is here: `requestOverride` and
/// `responseOverride` exist for templates only.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// `resourceId`, the matched resource's id (`nfuwwd`).
    pub resource_id: &'a str,
    /// `resourcePath`, the matched resource template (`/{proxy+}`).
    pub resource_path: &'a str,
    /// `operationName`, present only when the method defines one.
    pub operation_name: Option<&'a str>,
    /// `httpMethod`, the client's method.
    pub http_method: &'a str,
    /// `extendedRequestId`, also sent as `x-amz-apigw-id` (`A463RGFevHcEhcA=`).
    pub extended_request_id: &'a str,
    /// The request time in milliseconds since the Unix epoch: `requestTimeEpoch`, and `requestTime` in Common
    /// Log Format (`22/Jul/2026:03:52:52 +0000`).
    pub request_time_epoch_ms: i64,
    /// `path`: the path as received, stage included ([`StagePaths::context_path`](crate::StagePaths)).
    pub path: &'a str,
    /// `accountId`, the API owner's account.
    pub account_id: &'a str,
    /// `protocol`, `HTTP/1.1`.
    pub protocol: &'a str,
    /// `stage`.
    pub stage: &'a str,
    /// `domainPrefix`, the first label of the host name.
    pub domain_prefix: &'a str,
    /// `requestId`, a UUID, also sent as `x-amzn-RequestId`.
    pub request_id: &'a str,
    /// `identity`.
    pub identity: Identity<'a>,
    /// `domainName`, the host name the client called.
    pub domain_name: &'a str,
    /// `deploymentId`.
    pub deployment_id: &'a str,
    /// `apiId`.
    pub api_id: &'a str,
    /// `authorizer`, present only when the method has an authorizer.
    pub authorizer: Option<Authorizer<'a>>,
}

/// `requestContext.identity`. Fields that do not apply are `null`, as AWS writes them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity<'a> {
    /// `cognitoIdentityPoolId`.
    pub cognito_identity_pool_id: Option<&'a str>,
    /// `accountId` of an IAM caller.
    pub account_id: Option<&'a str>,
    /// `cognitoIdentityId`.
    pub cognito_identity_id: Option<&'a str>,
    /// `caller`.
    pub caller: Option<&'a str>,
    /// `sourceIp`, the immediate TCP peer.
    pub source_ip: &'a str,
    /// `principalOrgId`.
    pub principal_org_id: Option<&'a str>,
    /// `accessKey`.
    pub access_key: Option<&'a str>,
    /// `cognitoAuthenticationType`.
    pub cognito_authentication_type: Option<&'a str>,
    /// `cognitoAuthenticationProvider`.
    pub cognito_authentication_provider: Option<&'a str>,
    /// `userArn`.
    pub user_arn: Option<&'a str>,
    /// `userAgent`, the caller's `User-Agent` header.
    pub user_agent: Option<&'a str>,
    /// `user`.
    pub user: Option<&'a str>,
    /// `apiKey` and `apiKeyId`, present only when the method requires an API key.
    pub api_key: Option<ApiKey<'a>>,
}

/// The API key a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiKey<'a> {
    /// `apiKey`, the key value.
    pub value: &'a str,
    /// `apiKeyId`, the key's id.
    pub id: &'a str,
}

/// `requestContext.authorizer`.
#[derive(Debug, Clone, Copy)]
pub enum Authorizer<'a> {
    /// A Lambda (TOKEN or REQUEST) authorizer's result.
    Lambda(LambdaAuthorizer<'a>),
    /// A Cognito user-pool authorizer: `{"claims":{…}}` with the token's claims as strings, in token order
    /// (`cognito:groups` one string, `exp`/`iat` in Java `Date.toString()` form, spec §6).
    Cognito {
        /// The claims.
        claims: &'a [(&'a str, &'a str)],
    },
}

/// A Lambda authorizer's output as the event carries it: the `context` entries in the authorizer's order with
/// their JSON types, then `principalId`, then `integrationLatency` (observed event shapes; see the crate
/// documentation).
#[derive(Debug, Clone, Copy)]
pub struct LambdaAuthorizer<'a> {
    /// `principalId`.
    pub principal_id: &'a str,
    /// The `context` map returned by the authorizer. Entries named `principalId` or `integrationLatency` are
    /// left out; a repeated name keeps its first position and last value.
    pub context: &'a [(&'a str, AuthorizerValue<'a>)],
    /// `integrationLatency`: how long the authorizer call took, in milliseconds (0 for a cached result).
    pub integration_latency_ms: u64,
}

/// A value in a Lambda authorizer's `context` (the authorizer may return only strings, numbers and booleans).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AuthorizerValue<'a> {
    /// A string.
    String(&'a str),
    /// An integer, written as such.
    Integer(i64),
    /// A floating-point number, written as Java's `Double.toString` does (`1.0`, `1.0E7`).
    Float(f64),
    /// A boolean.
    Bool(bool),
}

#[derive(Debug, Clone, Copy)]
enum ContextField {
    ResourceId,
    Authorizer,
    ResourcePath,
    OperationName,
    HttpMethod,
    ExtendedRequestId,
    RequestTime,
    Path,
    AccountId,
    Protocol,
    Stage,
    DomainPrefix,
    RequestTimeEpoch,
    RequestId,
    Identity,
    DomainName,
    DeploymentId,
    ApiId,
}

/// `requestContext` keys in the order AWS inserts them; only the relative order of keys sharing a bucket
/// matters, and the recorded orders fix it (`path` before `accountId`, `requestId` before `identity`, …).
const CONTEXT_KEYS: [(&str, ContextField); 18] = [
    ("resourceId", ContextField::ResourceId),
    ("authorizer", ContextField::Authorizer),
    ("resourcePath", ContextField::ResourcePath),
    ("operationName", ContextField::OperationName),
    ("httpMethod", ContextField::HttpMethod),
    ("extendedRequestId", ContextField::ExtendedRequestId),
    ("requestTime", ContextField::RequestTime),
    ("path", ContextField::Path),
    ("accountId", ContextField::AccountId),
    ("protocol", ContextField::Protocol),
    ("stage", ContextField::Stage),
    ("domainPrefix", ContextField::DomainPrefix),
    ("requestTimeEpoch", ContextField::RequestTimeEpoch),
    ("requestId", ContextField::RequestId),
    ("identity", ContextField::Identity),
    ("domainName", ContextField::DomainName),
    ("deploymentId", ContextField::DeploymentId),
    ("apiId", ContextField::ApiId),
];

const CONTEXT_HASHES: [u32; 18] = hashes(&CONTEXT_KEYS);

#[derive(Debug, Clone, Copy)]
enum IdentityField {
    CognitoIdentityPoolId,
    AccountId,
    CognitoIdentityId,
    Caller,
    ApiKey,
    SourceIp,
    PrincipalOrgId,
    AccessKey,
    CognitoAuthenticationType,
    CognitoAuthenticationProvider,
    UserArn,
    ApiKeyId,
    UserAgent,
    User,
}

/// `identity` keys in AWS's insertion order: `apiKey` before `sourceIp` (a 2017 event, 16 buckets) and before
/// `principalOrgId` (a 2022 TestInvoke log, 32 buckets), `sourceIp` before `principalOrgId` (recorded).
const IDENTITY_KEYS: [(&str, IdentityField); 14] = [
    ("cognitoIdentityPoolId", IdentityField::CognitoIdentityPoolId),
    ("accountId", IdentityField::AccountId),
    ("cognitoIdentityId", IdentityField::CognitoIdentityId),
    ("caller", IdentityField::Caller),
    ("apiKey", IdentityField::ApiKey),
    ("sourceIp", IdentityField::SourceIp),
    ("principalOrgId", IdentityField::PrincipalOrgId),
    ("accessKey", IdentityField::AccessKey),
    ("cognitoAuthenticationType", IdentityField::CognitoAuthenticationType),
    (
        "cognitoAuthenticationProvider",
        IdentityField::CognitoAuthenticationProvider,
    ),
    ("userArn", IdentityField::UserArn),
    ("apiKeyId", IdentityField::ApiKeyId),
    ("userAgent", IdentityField::UserAgent),
    ("user", IdentityField::User),
];

const IDENTITY_HASHES: [u32; 14] = hashes(&IDENTITY_KEYS);

const fn hashes<T, const N: usize>(keys: &[(&str, T); N]) -> [u32; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = spread(string_hash(keys[i].0));
        i += 1;
    }
    out
}

/// Puts the present keys of `keys` into Java `HashMap` iteration order; returns how many are present.
fn present_in_order<T: Copy, const N: usize>(
    keys: &[(&'static str, T); N],
    hashes: &[u32; N],
    present: impl Fn(T) -> bool,
    order: &mut [(u32, usize); N],
) -> usize {
    let mut count = 0;
    for (index, ((_, field), &hash)) in keys.iter().zip(hashes).enumerate() {
        if present(*field) {
            order[count] = (hash, index);
            count += 1;
        }
    }
    sort_into_iteration_order(&mut order[..count]);
    count
}

impl RequestContext<'_> {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let mut order = [(0, 0); 18];
        let count = present_in_order(
            &CONTEXT_KEYS,
            &CONTEXT_HASHES,
            |field| match field {
                ContextField::Authorizer => self.authorizer.is_some(),
                ContextField::OperationName => self.operation_name.is_some(),
                _ => true,
            },
            &mut order,
        );
        out.push(b'{');
        for (n, &(_, index)) in order[..count].iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            let (key, field) = CONTEXT_KEYS[index];
            write_field(out, key);
            match field {
                ContextField::ResourceId => write_str(out, self.resource_id),
                ContextField::Authorizer => match &self.authorizer {
                    Some(authorizer) => authorizer.write(out),
                    None => out.extend_from_slice(b"null"),
                },
                ContextField::ResourcePath => write_str(out, self.resource_path),
                ContextField::OperationName => write_opt_str(out, self.operation_name),
                ContextField::HttpMethod => write_str(out, self.http_method),
                ContextField::ExtendedRequestId => write_str(out, self.extended_request_id),
                ContextField::RequestTime => {
                    out.push(b'"');
                    write_clf(out, self.request_time_epoch_ms);
                    out.push(b'"');
                }
                ContextField::Path => write_str(out, self.path),
                ContextField::AccountId => write_str(out, self.account_id),
                ContextField::Protocol => write_str(out, self.protocol),
                ContextField::Stage => write_str(out, self.stage),
                ContextField::DomainPrefix => write_str(out, self.domain_prefix),
                ContextField::RequestTimeEpoch => write_int(out, self.request_time_epoch_ms),
                ContextField::RequestId => write_str(out, self.request_id),
                ContextField::Identity => self.identity.write(out),
                ContextField::DomainName => write_str(out, self.domain_name),
                ContextField::DeploymentId => write_str(out, self.deployment_id),
                ContextField::ApiId => write_str(out, self.api_id),
            }
        }
        out.push(b'}');
    }

    pub(crate) fn estimated_len(&self) -> usize {
        let strings = [
            self.resource_id,
            self.resource_path,
            self.operation_name.unwrap_or(""),
            self.http_method,
            self.extended_request_id,
            self.path,
            self.account_id,
            self.protocol,
            self.stage,
            self.domain_prefix,
            self.request_id,
            self.domain_name,
            self.deployment_id,
            self.api_id,
        ];
        let authorizer = match &self.authorizer {
            None => 0,
            Some(Authorizer::Lambda(lambda)) => {
                64 + lambda.principal_id.len() + lambda.context.iter().map(|(k, _)| k.len() + 32).sum::<usize>()
            }
            Some(Authorizer::Cognito { claims }) => {
                16 + claims.iter().map(|(k, v)| k.len() + v.len() + 6).sum::<usize>()
            }
        };
        640 + strings.iter().map(|s| s.len()).sum::<usize>() + self.identity.estimated_len() + authorizer
    }
}

impl Identity<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        let mut order = [(0, 0); 14];
        let count = present_in_order(
            &IDENTITY_KEYS,
            &IDENTITY_HASHES,
            |field| !matches!(field, IdentityField::ApiKey | IdentityField::ApiKeyId) || self.api_key.is_some(),
            &mut order,
        );
        out.push(b'{');
        for (n, &(_, index)) in order[..count].iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            let (key, field) = IDENTITY_KEYS[index];
            write_field(out, key);
            let value = match field {
                IdentityField::CognitoIdentityPoolId => self.cognito_identity_pool_id,
                IdentityField::AccountId => self.account_id,
                IdentityField::CognitoIdentityId => self.cognito_identity_id,
                IdentityField::Caller => self.caller,
                IdentityField::ApiKey => self.api_key.map(|key| key.value),
                IdentityField::SourceIp => Some(self.source_ip),
                IdentityField::PrincipalOrgId => self.principal_org_id,
                IdentityField::AccessKey => self.access_key,
                IdentityField::CognitoAuthenticationType => self.cognito_authentication_type,
                IdentityField::CognitoAuthenticationProvider => self.cognito_authentication_provider,
                IdentityField::UserArn => self.user_arn,
                IdentityField::ApiKeyId => self.api_key.map(|key| key.id),
                IdentityField::UserAgent => self.user_agent,
                IdentityField::User => self.user,
            };
            write_opt_str(out, value);
        }
        out.push(b'}');
    }

    fn estimated_len(&self) -> usize {
        let strings = [
            self.cognito_identity_pool_id,
            self.account_id,
            self.cognito_identity_id,
            self.caller,
            Some(self.source_ip),
            self.principal_org_id,
            self.access_key,
            self.cognito_authentication_type,
            self.cognito_authentication_provider,
            self.user_arn,
            self.user_agent,
            self.user,
            self.api_key.map(|key| key.value),
            self.api_key.map(|key| key.id),
        ];
        strings.iter().map(|s| s.map_or(0, str::len)).sum()
    }
}

impl Authorizer<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Authorizer::Lambda(lambda) => lambda.write(out),
            Authorizer::Cognito { claims } => {
                out.extend_from_slice(b"{\"claims\":");
                write_unique_string_map(out, claims);
                out.push(b'}');
            }
        }
    }
}

impl LambdaAuthorizer<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        let context = self.context;
        let reserved = |name: &str| name == "principalId" || name == "integrationLatency";
        out.push(b'{');
        with_groups(
            context.len(),
            |a, b| context[a].0.cmp(context[b].0),
            GroupOrder::FirstAppearance,
            |groups| {
                for group in groups.iter() {
                    let (name, _) = context[group[0] as usize];
                    if reserved(name) {
                        continue;
                    }
                    write_key(out, name);
                    match context[group[group.len() - 1] as usize].1 {
                        AuthorizerValue::String(value) => write_str(out, value),
                        AuthorizerValue::Integer(value) => write_int(out, value),
                        AuthorizerValue::Float(value) => write_java_double(out, value),
                        AuthorizerValue::Bool(value) => out.extend_from_slice(if value { b"true" } else { b"false" }),
                    }
                    out.push(b',');
                }
            },
        );
        write_field(out, "principalId");
        write_str(out, self.principal_id);
        out.push(b',');
        write_field(out, "integrationLatency");
        write_int(out, self.integration_latency_ms);
        out.push(b'}');
    }
}

/// A string map whose repeated names keep their first position and last value.
fn write_unique_string_map(out: &mut Vec<u8>, pairs: &[(&str, &str)]) {
    out.push(b'{');
    with_groups(
        pairs.len(),
        |a, b| pairs[a].0.cmp(pairs[b].0),
        GroupOrder::FirstAppearance,
        |groups| {
            for (n, group) in groups.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_key(out, pairs[group[0] as usize].0);
                write_str(out, pairs[group[group.len() - 1] as usize].1);
            }
        },
    );
    out.push(b'}');
}
