//! Building an event from a `*.case.json` input description.

use super::{borrow, hex, opt_str, pairs, str_field};
use serde_json::Value;
use tollgate_lambda_event::{
    ApiKey, Authorizer, AuthorizerValue, Body, EventInput, Identity, LambdaAuthorizer, RequestContext, StagePaths,
    decode_query, write_event,
};

pub struct OwnedCase {
    resource: String,
    path: String,
    context_path: String,
    stage: String,
    http_method: String,
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
    path_parameters: Vec<(String, String)>,
    stage_variables: Vec<(String, String)>,
    context: Value,
    body: Option<(bool, Vec<u8>)>,
    claims: Vec<(String, String)>,
    lambda_context: Vec<(String, Value)>,
}

pub fn owned_case(input: &Value) -> OwnedCase {
    let (path, context_path, stage) = match opt_str(input, "rawPath") {
        Some(raw) => {
            let paths = StagePaths::parse(raw).expect("a path with a stage");
            (
                paths.path.to_owned(),
                paths.context_path.to_owned(),
                paths.stage.to_owned(),
            )
        }
        None => (
            str_field(input, "path").to_owned(),
            str_field(&input["requestContext"], "path").to_owned(),
            str_field(&input["requestContext"], "stage").to_owned(),
        ),
    };
    let query = match opt_str(input, "rawQuery") {
        Some(raw) => decode_query(raw)
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        None => pairs(input.get("query")),
    };
    let body = input.get("body").map(|body| {
        let binary = body.get("binary").and_then(Value::as_bool).unwrap_or(false);
        let bytes = match (opt_str(body, "text"), opt_str(body, "hex")) {
            (Some(text), _) => text.as_bytes().to_vec(),
            (None, Some(digits)) => hex(digits),
            _ => panic!("body needs `text` or `hex`"),
        };
        (binary, bytes)
    });
    let authorizer = input["requestContext"].get("authorizer");
    let claims = pairs(authorizer.and_then(|a| a.get("cognitoClaims")));
    let lambda_context = authorizer
        .and_then(|a| a.get("lambda"))
        .and_then(|l| l.get("context"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|pair| (pair[0].as_str().expect("a name").to_owned(), pair[1].clone()))
                .collect()
        })
        .unwrap_or_default();
    OwnedCase {
        resource: str_field(input, "resource").to_owned(),
        path,
        context_path,
        stage,
        http_method: str_field(input, "httpMethod").to_owned(),
        headers: pairs(input.get("headers")),
        query,
        path_parameters: pairs(input.get("pathParameters")),
        stage_variables: pairs(input.get("stageVariables")),
        context: input["requestContext"].clone(),
        body,
        claims,
        lambda_context,
    }
}

fn authorizer_value(value: &Value) -> AuthorizerValue<'_> {
    match value {
        Value::String(text) => AuthorizerValue::String(text),
        Value::Bool(flag) => AuthorizerValue::Bool(*flag),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => AuthorizerValue::Integer(integer),
            None => AuthorizerValue::Float(number.as_f64().expect("a number")),
        },
        other => panic!("authorizer context values are scalars, got {other}"),
    }
}

pub fn render(case: &OwnedCase) -> Vec<u8> {
    let ctx = &case.context;
    let id = &ctx["identity"];
    let identity = Identity {
        cognito_identity_pool_id: opt_str(id, "cognitoIdentityPoolId"),
        account_id: opt_str(id, "accountId"),
        cognito_identity_id: opt_str(id, "cognitoIdentityId"),
        caller: opt_str(id, "caller"),
        source_ip: str_field(id, "sourceIp"),
        principal_org_id: opt_str(id, "principalOrgId"),
        access_key: opt_str(id, "accessKey"),
        cognito_authentication_type: opt_str(id, "cognitoAuthenticationType"),
        cognito_authentication_provider: opt_str(id, "cognitoAuthenticationProvider"),
        user_arn: opt_str(id, "userArn"),
        user_agent: opt_str(id, "userAgent"),
        user: opt_str(id, "user"),
        api_key: opt_str(id, "apiKey").map(|value| ApiKey {
            value,
            id: str_field(id, "apiKeyId"),
        }),
    };
    let claims = borrow(&case.claims);
    let lambda_context: Vec<(&str, AuthorizerValue<'_>)> = case
        .lambda_context
        .iter()
        .map(|(k, v)| (k.as_str(), authorizer_value(v)))
        .collect();
    let authorizer = ctx.get("authorizer").map(|authorizer| match authorizer.get("lambda") {
        Some(lambda) => Authorizer::Lambda(LambdaAuthorizer {
            principal_id: str_field(lambda, "principalId"),
            context: &lambda_context,
            integration_latency_ms: lambda["integrationLatency"].as_u64().expect("integrationLatency"),
        }),
        None => Authorizer::Cognito { claims: &claims },
    });
    let request_context = RequestContext {
        resource_id: str_field(ctx, "resourceId"),
        resource_path: str_field(ctx, "resourcePath"),
        operation_name: opt_str(ctx, "operationName"),
        http_method: str_field(ctx, "httpMethod"),
        extended_request_id: str_field(ctx, "extendedRequestId"),
        request_time_epoch_ms: ctx["requestTimeEpoch"].as_i64().expect("requestTimeEpoch"),
        path: &case.context_path,
        account_id: str_field(ctx, "accountId"),
        protocol: str_field(ctx, "protocol"),
        stage: &case.stage,
        domain_prefix: str_field(ctx, "domainPrefix"),
        request_id: str_field(ctx, "requestId"),
        identity,
        domain_name: str_field(ctx, "domainName"),
        deployment_id: str_field(ctx, "deploymentId"),
        api_id: str_field(ctx, "apiId"),
        authorizer,
    };
    let headers = borrow(&case.headers);
    let query = borrow(&case.query);
    let path_parameters = borrow(&case.path_parameters);
    let stage_variables = borrow(&case.stage_variables);
    let body = match &case.body {
        None => Body::Text(&[]),
        Some((true, bytes)) => Body::Binary(bytes),
        Some((false, bytes)) => Body::Text(bytes),
    };
    let input = EventInput {
        resource: &case.resource,
        path: &case.path,
        http_method: &case.http_method,
        headers: &headers,
        query: &query,
        path_parameters: &path_parameters,
        stage_variables: &stage_variables,
        request_context: &request_context,
        body,
    };
    let mut out = Vec::new();
    write_event(&input, &mut out);
    out
}
