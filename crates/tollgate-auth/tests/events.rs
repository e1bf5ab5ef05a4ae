//! The events sent to a Lambda authorizer, against golden files in `fixtures/events/`.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use serde_json::Value;
use tollgate_auth::{RequestContext, RequestEvent, method_arn, write_request_event, write_token_event};

fn golden(name: &str) -> String {
    String::from_utf8(common::fixture_bytes(&format!("events/{name}")))
        .unwrap()
        .trim_end()
        .to_owned()
}

#[test]
fn method_arns() {
    // DG/api-gateway-lambda-authorizer-input: `…/{stage}/{httpVerb}/[{resource}/[{child-resources}]]`, the root
    // with a trailing slash (`ymy8tbxw7b/*/GET/`).
    assert_eq!(
        method_arn("us-east-1", "123456789012", "s4x3opwd6i", "test", "GET", "/request"),
        "arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/GET/request"
    );
    assert_eq!(
        method_arn("us-west-2", "123456789012", "ymy8tbxw7b", "dev", "GET", "/"),
        "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/dev/GET/"
    );
    assert_eq!(
        method_arn("us-east-1", "1", "a", "prod", "POST", "/pets/1/toys"),
        "arn:aws:execute-api:us-east-1:1:a/prod/POST/pets/1/toys"
    );
}

#[test]
fn token_event() {
    // DG/api-gateway-lambda-authorizer-input, TOKEN input format (key order as documented).
    let mut out = Vec::new();
    write_token_event(
        "allow",
        "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/",
        &mut out,
    );
    assert_eq!(String::from_utf8(out).unwrap(), golden("token.json"));
    let mut escaped = Vec::new();
    write_token_event("a\"b\\c\u{1}/é", "arn", &mut escaped);
    assert_eq!(
        String::from_utf8(escaped).unwrap(),
        r#"{"type":"TOKEN","authorizationToken":"a\"b\\c\u0001/é","methodArn":"arn"}"#
    );
}

fn context() -> RequestContext<'static> {
    RequestContext {
        resource_id: "05c7jb",
        resource_path: "/request",
        http_method: "GET",
        extended_request_id: "A463RGFevHcEhcA=",
        request_time_epoch_ms: 1_784_692_372_486,
        path: "/test/request",
        account_id: "123456789012",
        protocol: "HTTP/1.1",
        stage: "test",
        domain_prefix: "s4x3opwd6i",
        request_id: "0547626d-6f57-4e19-b03e-92289aea3627",
        source_ip: "198.51.100.7",
        user_agent: Some("curl/8.10.1"),
        domain_name: "s4x3opwd6i.execute-api.us-east-1.amazonaws.com",
        deployment_id: "2pi5mk",
        api_id: "s4x3opwd6i",
    }
}

#[test]
fn request_event() {
    // DG/api-gateway-lambda-authorizer-input, REQUEST input format (the guide's GET /request example, values
    // kept); map rules as the proxy event's (spec §6).
    let context = context();
    let event = RequestEvent {
        method_arn: "arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/GET/request",
        resource: "/request",
        path: "/request",
        http_method: "GET",
        headers: &[
            ("X-AMZ-Date", "20170718T062915Z"),
            ("Accept", "*/*"),
            ("HeaderAuth1", "headerValue1"),
            ("accept", "text/plain"),
            ("cache-control", "no-cache"),
        ],
        query: &[("QueryString1", "queryValue1"), ("multi", "1"), ("multi", "2")],
        path_parameters: &[],
        stage_variables: &[("StageVar1", "stageValue1")],
        request_context: &context,
    };
    let mut out = Vec::new();
    write_request_event(&event, &mut out);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text, golden("request.json"));
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        parsed["headers"]["Accept"], "text/plain",
        "last value of a repeated header"
    );
    assert_eq!(
        parsed["multiValueQueryStringParameters"]["multi"],
        serde_json::json!(["1", "2"])
    );
}

#[test]
fn request_event_empty_maps() {
    let context = context();
    let event = RequestEvent {
        method_arn: "arn",
        resource: "/",
        path: "/",
        http_method: "GET",
        headers: &[],
        query: &[],
        path_parameters: &[("id", "1")],
        stage_variables: &[],
        request_context: &context,
    };
    let mut out = Vec::new();
    write_request_event(&event, &mut out);
    let parsed: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(parsed["headers"], serde_json::json!({}));
    assert_eq!(parsed["multiValueHeaders"], serde_json::json!({}));
    assert!(parsed["queryStringParameters"].is_null());
    assert!(parsed["multiValueQueryStringParameters"].is_null());
    assert!(parsed["stageVariables"].is_null());
    assert_eq!(parsed["pathParameters"]["id"], "1");
    let keys: Vec<&str> = parsed.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "type",
            "methodArn",
            "resource",
            "path",
            "httpMethod",
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "requestContext"
        ]
    );
}
