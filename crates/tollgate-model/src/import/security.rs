//! Security schemes: API keys, IAM (SigV4) and authorizers (`x-amazon-apigateway-authorizer`).

use super::context::{Ctx, describe_value, join};
use crate::model::{Authorizer, AuthorizerType, Located, SpecVersion};
use crate::value::Value;

/// What a security scheme means to API Gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SchemeKind {
    /// `type: apiKey, name: x-api-key, in: header`: the method requires an API key.
    ApiKey,
    /// `x-amazon-apigateway-authtype: awsSigv4`: the method uses IAM authorization.
    Sigv4,
    /// A scheme with `x-amazon-apigateway-authorizer`, by authorizer name.
    Authorizer(AuthorizerType),
    /// Anything else: API Gateway ignores it.
    Other,
}

pub(crate) struct Schemes {
    pub(crate) kinds: Vec<(String, SchemeKind)>,
    pub(crate) authorizers: Vec<Authorizer>,
}

impl Schemes {
    pub(crate) fn kind(&self, name: &str) -> Option<&SchemeKind> {
        self.kinds
            .iter()
            .find(|(scheme, _)| scheme == name)
            .map(|(_, kind)| kind)
    }
}

/// AWS's authorizer result TTL range and default.
const MAX_TTL: i64 = 3600;
const DEFAULT_TTL: u32 = 300;

pub(crate) fn read_schemes(ctx: &mut Ctx<'_>) -> Schemes {
    let root = ctx.root;
    let mut schemes = Schemes {
        kinds: Vec::new(),
        authorizers: Vec::new(),
    };
    let (container, path) = match ctx.version {
        SpecVersion::Swagger2 => (root.get("securityDefinitions"), "securityDefinitions"),
        SpecVersion::OpenApi3 => (
            root.get("components")
                .and_then(|components| components.get("securitySchemes")),
            "components.securitySchemes",
        ),
    };
    let Some(container) = container else {
        return schemes;
    };
    let Some(members) = ctx.object(container, path) else {
        return schemes;
    };
    for member in members {
        let scheme_path = join(path, &member.key);
        let Some(scheme) = ctx.resolve(&member.value, &scheme_path) else {
            continue;
        };
        if ctx.object(scheme, &scheme_path).is_none() {
            continue;
        }
        let kind = read_scheme(ctx, &member.key, scheme, &scheme_path, &mut schemes.authorizers);
        schemes.kinds.push((member.key.clone(), kind));
    }
    schemes
}

fn read_scheme<'a>(
    ctx: &mut Ctx<'a>,
    name: &str,
    scheme: &'a Value,
    path: &str,
    authorizers: &mut Vec<Authorizer>,
) -> SchemeKind {
    let auth_type = ctx.string_member(scheme, "x-amazon-apigateway-authtype", path);
    let scheme_type = scheme.get("type").and_then(Value::as_str).unwrap_or("");
    let header_name = scheme.get("name").and_then(Value::as_str);
    if let Some(authorizer) = scheme.get("x-amazon-apigateway-authorizer") {
        let authorizer_path = join(path, "x-amazon-apigateway-authorizer");
        return match read_authorizer(
            ctx,
            name,
            authorizer,
            &authorizer_path,
            header_name,
            auth_type.map(|text| text.value),
        ) {
            Some(authorizer) => {
                let kind = SchemeKind::Authorizer(authorizer.authorizer_type);
                authorizers.push(authorizer);
                kind
            }
            None => SchemeKind::Other,
        };
    }
    if auth_type
        .as_ref()
        .is_some_and(|text| text.value.eq_ignore_ascii_case("awsSigv4"))
    {
        return SchemeKind::Sigv4;
    }
    let in_header = scheme.get("in").and_then(Value::as_str) == Some("header");
    if scheme_type == "apiKey"
        && in_header
        && header_name.is_some_and(|header| header.eq_ignore_ascii_case("x-api-key"))
    {
        return SchemeKind::ApiKey;
    }
    SchemeKind::Other
}

fn read_authorizer<'a>(
    ctx: &mut Ctx<'a>,
    name: &str,
    value: &'a Value,
    path: &str,
    header_name: Option<&str>,
    auth_type: Option<String>,
) -> Option<Authorizer> {
    let fields = ctx.object(value, path)?;
    ctx.check_fields(
        fields,
        path,
        &[
            "type",
            "authorizerUri",
            "authorizerCredentials",
            "identitySource",
            "identityValidationExpression",
            "authorizerResultTtlInSeconds",
            "providerARNs",
            "authorizerPayloadFormatVersion",
            "enableSimpleResponses",
            "jwtConfiguration",
        ],
        "an authorizer",
    );
    let Some(type_value) = value.get("type") else {
        ctx.error(
            value.span(),
            path,
            "authorizer without `type`",
            "expected `type`: token, request or cognito_user_pools",
        );
        return None;
    };
    let type_text = ctx.string(type_value, &join(path, "type"))?;
    let authorizer_type = match type_text.value.to_ascii_lowercase().as_str() {
        "token" => AuthorizerType::Token,
        "request" => AuthorizerType::Request,
        "cognito_user_pools" => AuthorizerType::CognitoUserPools,
        "jwt" => {
            ctx.error(
                type_text.span,
                &join(path, "type"),
                "JWT authorizers exist only in HTTP APIs",
                "expected token, request or cognito_user_pools",
            );
            return None;
        }
        _ => {
            ctx.error(
                type_text.span,
                &join(path, "type"),
                format!("unknown authorizer type {}", describe_value(type_value)),
                "expected one of token, request, cognito_user_pools",
            );
            return None;
        }
    };
    let authorizer_uri = ctx.string_member(value, "authorizerUri", path);
    let authorizer_credentials = ctx.string_member(value, "authorizerCredentials", path);
    let identity_validation_expression = ctx.string_member(value, "identityValidationExpression", path);
    let provider_arns = match value.get("providerARNs") {
        Some(arns) => {
            let arns_path = join(path, "providerARNs");
            let arns = ctx.strings(arns, &arns_path);
            for arn in &arns {
                if !is_user_pool_arn(&arn.value) {
                    ctx.error(
                        arn.span,
                        &arns_path,
                        format!("invalid user pool ARN `{}`", arn.value),
                        "expected arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID",
                    );
                }
            }
            arns.into_iter().map(|arn| arn.value).collect()
        }
        None => Vec::new(),
    };
    let result_ttl_seconds = match value.get("authorizerResultTtlInSeconds") {
        None => DEFAULT_TTL,
        Some(ttl) => {
            let ttl_path = join(path, "authorizerResultTtlInSeconds");
            match ctx.integer(ttl, &ttl_path) {
                Some(seconds) if (0..=MAX_TTL).contains(&seconds) => u32::try_from(seconds).unwrap_or(DEFAULT_TTL),
                Some(seconds) => {
                    ctx.error(
                        ttl.span(),
                        &ttl_path,
                        "authorizer result TTL out of range",
                        format!("expected 0 to {MAX_TTL} seconds, found {seconds}"),
                    );
                    DEFAULT_TTL
                }
                None => DEFAULT_TTL,
            }
        }
    };
    let identity_source: Vec<Located<String>> = match ctx.string_member(value, "identitySource", path) {
        Some(source) => split_identity_source(&source),
        // A token (or Cognito) authorizer reads the header named by the security scheme.
        None => match (authorizer_type, header_name) {
            (AuthorizerType::Token | AuthorizerType::CognitoUserPools, Some(header)) => {
                vec![Located::new(format!("method.request.header.{header}"), value.span())]
            }
            _ => Vec::new(),
        },
    };
    match authorizer_type {
        AuthorizerType::Token | AuthorizerType::Request if authorizer_uri.is_none() => {
            ctx.error(
                value.span(),
                path,
                "Lambda authorizer without `authorizerUri`",
                "expected the Lambda invocation ARN in `authorizerUri`",
            );
        }
        AuthorizerType::CognitoUserPools if provider_arns.is_empty() => {
            ctx.error(
                value.span(),
                path,
                "Cognito authorizer without `providerARNs`",
                "expected the user pool ARNs in `providerARNs`",
            );
        }
        AuthorizerType::Token if identity_source.is_empty() => {
            ctx.error(
                value.span(),
                path,
                "token authorizer without an identity source",
                "set the security scheme's `name` to the token header",
            );
        }
        AuthorizerType::Request if identity_source.is_empty() && result_ttl_seconds > 0 => {
            ctx.error(
                value.span(),
                path,
                "request authorizer with caching but no `identitySource`",
                "AWS requires identity sources when authorizerResultTtlInSeconds > 0",
            );
        }
        _ => {}
    }
    for source in &identity_source {
        check_identity_source(ctx, source, authorizer_type, &join(path, "identitySource"));
    }
    Some(Authorizer {
        name: name.to_owned(),
        authorizer_type,
        auth_type,
        authorizer_uri,
        authorizer_credentials,
        identity_source,
        identity_validation_expression,
        result_ttl_seconds,
        provider_arns,
        span: value.span(),
    })
}

/// `arn:PARTITION:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID` (API reference `Authorizer.providerARNs`).
fn is_user_pool_arn(arn: &str) -> bool {
    let word = |text: &str| {
        !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "cognito-idp", region, account, resource] => {
            word(partition)
                && word(region)
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.strip_prefix("userpool/").is_some_and(word)
        }
        _ => false,
    }
}

/// `a, b` → `[a, b]`.
fn split_identity_source(source: &Located<String>) -> Vec<Located<String>> {
    // Each part points at the whole scalar: quotes and escapes make offsets inside it inexact.
    source
        .value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| Located::new(part.to_owned(), source.span))
        .collect()
}

fn check_identity_source(ctx: &mut Ctx<'_>, source: &Located<String>, kind: AuthorizerType, path: &str) {
    let text = source.as_str();
    let header = text.strip_prefix("method.request.header.");
    let valid = match kind {
        AuthorizerType::Token | AuthorizerType::CognitoUserPools => header.is_some_and(|name| !name.is_empty()),
        AuthorizerType::Request => [
            "method.request.header.",
            "method.request.querystring.",
            "stageVariables.",
            "context.",
        ]
        .iter()
        .any(|prefix| text.strip_prefix(prefix).is_some_and(|name| !name.is_empty())),
    };
    if !valid {
        let expected = match kind {
            AuthorizerType::Request => {
                "expected method.request.header.N, method.request.querystring.N, stageVariables.N or context.N"
            }
            _ => "expected method.request.header.NAME",
        };
        ctx.error(source.span, path, format!("invalid identity source `{text}`"), expected);
    }
}
