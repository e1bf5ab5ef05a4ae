//! `$context` as the map templates see (AWS's recorded key order), and the state read back from it.

use tollgate_vtl::{Map, Value};

use super::state::{Carried, ContextState, pairs_of, status_of};
use super::values::SilentMap;
use crate::context::{Authorizer, ContextError, IDENTITY_KEYSET, KEYSET, RequestContext};

/// Keys `$context` has of its own; anything else a template put there is carried to the response template.
const OWN_KEYS: &[&str] = &[
    "authorizer",
    "awsEndpointRequestId",
    "wafResponseCode",
    "webaclArn",
    "error",
];

fn s(v: &str) -> Value {
    Value::string(v)
}

fn opt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, Value::string)
}

fn string_map(pairs: &[(String, String)]) -> Map {
    let map = Map::new();
    for (k, v) in pairs {
        map.insert(s(k), s(v));
    }
    map
}

/// The members of `$context` a template can read without the map being built (`$context.requestId`): every
/// own key but the two override maps, which hold what templates write.
pub(crate) const MEMBERS: &[&str] = &[
    "resourceId",
    "resourcePath",
    "httpMethod",
    "extendedRequestId",
    "requestTime",
    "path",
    "accountId",
    "protocol",
    "stage",
    "domainPrefix",
    "requestTimeEpoch",
    "requestId",
    "identity",
    "domainName",
    "deploymentId",
    "apiId",
    "authorizer",
    "awsEndpointRequestId",
    "wafResponseCode",
    "webaclArn",
    "error",
];

/// The position of `name` in [`MEMBERS`].
pub(crate) fn member_index(name: &str) -> Option<usize> {
    MEMBERS.iter().position(|m| *m == name)
}

/// The value of member `name` of the request's `$context`; null for a member this request does not have
/// (`authorizer` without an authorizer, …).
pub(crate) fn member(name: &str, cx: &RequestContext) -> Value {
    match name {
        "resourceId" => s(&cx.resource_id),
        "resourcePath" => s(&cx.resource_path),
        "httpMethod" => s(&cx.http_method),
        "extendedRequestId" => s(&cx.extended_request_id),
        "requestTime" => s(&cx.request_time),
        "path" => s(&cx.path),
        "accountId" => s(&cx.account_id),
        "protocol" => s(&cx.protocol),
        "stage" => s(&cx.stage),
        "domainPrefix" => s(&cx.domain_prefix),
        "requestTimeEpoch" => Value::Long(cx.request_time_epoch),
        "requestId" => s(&cx.request_id),
        "identity" => Value::object(SilentMap { map: identity(cx) }),
        "domainName" => s(&cx.domain_name),
        "deploymentId" => s(&cx.deployment_id),
        "apiId" => s(&cx.api_id),
        "authorizer" => cx.authorizer.as_ref().map_or(Value::Null, authorizer),
        "awsEndpointRequestId" => opt(cx.aws_endpoint_request_id.as_deref()),
        "wafResponseCode" => opt(cx.waf_response_code.as_deref()),
        "webaclArn" => opt(cx.webacl_arn.as_deref()),
        "error" => cx.error.as_ref().map_or(Value::Null, error),
        _ => Value::Null,
    }
}

fn authorizer(authorizer: &Authorizer) -> Value {
    let a = Map::new();
    if let Some(principal) = &authorizer.principal_id {
        a.insert(s("principalId"), s(principal));
    }
    for (k, v) in &authorizer.context {
        a.insert(s(k), s(v));
    }
    if !authorizer.claims.is_empty() {
        a.insert(
            s("claims"),
            Value::object(SilentMap {
                map: string_map(&authorizer.claims),
            }),
        );
    }
    Value::Map(a)
}

fn error(error: &ContextError) -> Value {
    let e = Map::new();
    e.insert(s("message"), opt(error.message.as_deref()));
    e.insert(s("messageString"), s(&error.message_string()));
    e.insert(s("responseType"), s(&error.response_type));
    e.insert(
        s("validationErrorString"),
        opt(error.validation_error_string.as_deref()),
    );
    Value::Map(e)
}

/// Builds `$context` for one render: the request's values in the recorded order, the overrides and carried keys
/// an earlier template of the same request left in `state`. `member` gives each member's value (the same value
/// a template may already hold from reading it before the map existed).
pub(crate) fn build(cx: &RequestContext, state: &ContextState, member: &dyn Fn(usize) -> Value) -> Map {
    let by_name = |name: &str| member_index(name).map_or(Value::Null, member);
    let map = Map::new();
    for key in KEYSET {
        let value = match *key {
            "requestOverride" => {
                let r = &state.request_override;
                Value::map([
                    ("path", Value::Map(string_map(&r.path))),
                    ("header", Value::Map(string_map(&r.header))),
                    ("querystring", Value::Map(string_map(&r.querystring))),
                ])
            }
            "responseOverride" => {
                let r = &state.response_override;
                let m = Map::new();
                m.insert(s("header"), Value::Map(string_map(&r.header)));
                if let Some(status) = r.status {
                    m.insert(s("status"), Value::Int(i32::from(status)));
                }
                Value::Map(m)
            }
            other => by_name(other),
        };
        map.insert(s(key), value);
        // With an authorizer, `authorizer` follows `resourceId` (spec §2.3).
        if *key == "resourceId" && cx.authorizer.is_some() {
            map.insert(s("authorizer"), by_name("authorizer"));
        }
    }
    // Present only when the request has them.
    for key in ["awsEndpointRequestId", "wafResponseCode", "webaclArn", "error"] {
        let value = by_name(key);
        if !value.is_null() {
            map.insert(s(key), value);
        }
    }
    for (key, value) in &state.carried {
        map.insert(s(key), value.to_value());
    }
    map
}

fn identity(cx: &RequestContext) -> Map {
    let id = &cx.identity;
    let map = Map::new();
    for key in IDENTITY_KEYSET {
        let value = match *key {
            "cognitoIdentityPoolId" => &id.cognito_identity_pool_id,
            "accountId" => &id.account_id,
            "cognitoIdentityId" => &id.cognito_identity_id,
            "caller" => &id.caller,
            "sourceIp" => &id.source_ip,
            "principalOrgId" => &id.principal_org_id,
            "accessKey" => &id.access_key,
            "cognitoAuthenticationType" => &id.cognito_authentication_type,
            "cognitoAuthenticationProvider" => &id.cognito_authentication_provider,
            "userArn" => &id.user_arn,
            "userAgent" => &id.user_agent,
            "user" => &id.user,
            _ => &None,
        };
        map.insert(s(key), opt(value.as_deref()));
        if *key == "caller"
            && let Some(api_key) = &id.api_key
        {
            map.insert(s("apiKey"), opt(api_key.key.as_deref()));
            map.insert(s("apiKeyId"), opt(api_key.id.as_deref()));
        }
    }
    if let Some(cert) = &id.client_cert {
        let validity = Value::map([("notBefore", s(&cert.not_before)), ("notAfter", s(&cert.not_after))]);
        let c = Value::map([
            ("clientCertPem", s(&cert.client_cert_pem)),
            ("subjectDN", s(&cert.subject_dn)),
            ("issuerDN", s(&cert.issuer_dn)),
            ("serialNumber", s(&cert.serial_number)),
            ("validity", validity),
        ]);
        map.insert(s("clientCert"), c);
    }
    map
}

/// Reads the overrides and carried keys back from the `$context` map a render used.
pub(crate) fn read_back(map: &Map, state: &mut ContextState) {
    let child = |key: &str| map.get_str(key);
    let sub = |outer: &str, inner: &str| match child(outer) {
        Some(Value::Map(m)) => m.get_str(inner),
        _ => None,
    };
    state.request_override.header = pairs_of(sub("requestOverride", "header"));
    state.request_override.querystring = pairs_of(sub("requestOverride", "querystring"));
    state.request_override.path = pairs_of(sub("requestOverride", "path"));
    state.response_override.header = pairs_of(sub("responseOverride", "header"));
    state.response_override.status = status_of(sub("responseOverride", "status"));
    state.carried = map
        .to_vec()
        .into_iter()
        .filter_map(|(k, v)| {
            let key = k.as_str()?.to_owned();
            let own = KEYSET.contains(&key.as_str()) || OWN_KEYS.contains(&key.as_str());
            (!own).then(|| (key, Carried::from_value(&v)))
        })
        .collect();
}
