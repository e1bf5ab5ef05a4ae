//! Compatibility oracle: the Rust Lambda runtime's event types (`aws_lambda_events`, `ApiGatewayProxyRequest`)
//! read every event this crate writes, field for field. They lower-case header names and ignore keys they do
//! not model (`extendedRequestId`, `deploymentId`), so the comparison does the same.
//!
//! Two sources of events: the golden fixtures, and a deterministic generator of odd inputs (repeated names in
//! several cases, escapes, non-ASCII, bodies that are not UTF-8, binary bodies, authorizers) whose semantics
//! the test recomputes independently.

mod support;

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use serde_json::{Map, Value};
use std::collections::HashMap;
use support::event_case::{owned_case, render};
use support::{borrow, fixtures, read_json};
use tollgate_lambda_event::{
    ApiKey, Authorizer, AuthorizerValue, Body, EventInput, Identity, LambdaAuthorizer, RequestContext, write_event,
};

fn opt(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// Checks that `aws_lambda_events` reads `event` (our bytes) without losing anything it models.
fn assert_readable(event: &[u8], what: &str) {
    let json: Value = serde_json::from_slice(event).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
    let request: ApiGatewayProxyRequest =
        serde_json::from_slice(event).unwrap_or_else(|e| panic!("{what}: aws_lambda_events refuses it: {e}"));
    assert_eq!(request.resource, opt(&json["resource"]), "{what}: resource");
    assert_eq!(request.path, opt(&json["path"]), "{what}: path");
    assert_eq!(
        request.http_method.as_str(),
        json["httpMethod"].as_str().expect("httpMethod"),
        "{what}: method"
    );

    let headers = json["headers"].as_object().cloned().unwrap_or_default();
    assert_eq!(request.headers.len(), headers.len(), "{what}: one value per header");
    for (name, value) in &headers {
        let got: Vec<&[u8]> = request
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| v.as_bytes())
            .collect();
        assert_eq!(
            got,
            [value.as_str().expect("a string").as_bytes()],
            "{what}: header {name}"
        );
    }
    let multi = json["multiValueHeaders"].as_object().cloned().unwrap_or_default();
    for (name, values) in &multi {
        let got: Vec<&[u8]> = request
            .multi_value_headers
            .get_all(name.as_str())
            .iter()
            .map(|v| v.as_bytes())
            .collect();
        let want: Vec<&[u8]> = values
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_str().expect("a string").as_bytes())
            .collect();
        assert_eq!(got, want, "{what}: multi-value header {name}");
    }

    let query = json["queryStringParameters"].as_object().cloned().unwrap_or_default();
    for (name, value) in &query {
        assert_eq!(
            request.query_string_parameters.first(name),
            value.as_str(),
            "{what}: query {name}"
        );
    }
    let multi_query = json["multiValueQueryStringParameters"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (name, values) in &multi_query {
        let want: Vec<&str> = values
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_str().expect("a string"))
            .collect();
        assert_eq!(
            request.multi_value_query_string_parameters.all(name),
            Some(want),
            "{what}: multi query {name}"
        );
    }
    let as_map = |value: &Value| -> HashMap<String, String> {
        value
            .as_object()
            .map(|object| {
                object
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().expect("a string").to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        request.path_parameters,
        as_map(&json["pathParameters"]),
        "{what}: pathParameters"
    );
    assert_eq!(
        request.stage_variables,
        as_map(&json["stageVariables"]),
        "{what}: stageVariables"
    );

    let ctx = &json["requestContext"];
    let rc = &request.request_context;
    assert_eq!(rc.account_id, opt(&ctx["accountId"]), "{what}: accountId");
    assert_eq!(rc.resource_id, opt(&ctx["resourceId"]), "{what}: resourceId");
    assert_eq!(rc.operation_name, opt(&ctx["operationName"]), "{what}: operationName");
    assert_eq!(rc.stage, opt(&ctx["stage"]), "{what}: stage");
    assert_eq!(rc.domain_name, opt(&ctx["domainName"]), "{what}: domainName");
    assert_eq!(rc.domain_prefix, opt(&ctx["domainPrefix"]), "{what}: domainPrefix");
    assert_eq!(rc.request_id, opt(&ctx["requestId"]), "{what}: requestId");
    assert_eq!(rc.protocol, opt(&ctx["protocol"]), "{what}: protocol");
    assert_eq!(rc.resource_path, opt(&ctx["resourcePath"]), "{what}: resourcePath");
    assert_eq!(rc.path, opt(&ctx["path"]), "{what}: context path");
    assert_eq!(
        rc.http_method.as_str(),
        ctx["httpMethod"].as_str().expect("httpMethod"),
        "{what}: context method"
    );
    assert_eq!(rc.request_time, opt(&ctx["requestTime"]), "{what}: requestTime");
    assert_eq!(
        Some(rc.request_time_epoch),
        ctx["requestTimeEpoch"].as_i64(),
        "{what}: requestTimeEpoch"
    );
    assert_eq!(rc.apiid, opt(&ctx["apiId"]), "{what}: apiId");
    let id = &ctx["identity"];
    let identity = &rc.identity;
    assert_eq!(identity.source_ip, opt(&id["sourceIp"]), "{what}: sourceIp");
    assert_eq!(identity.user_agent, opt(&id["userAgent"]), "{what}: userAgent");
    assert_eq!(identity.api_key, opt(&id["apiKey"]), "{what}: apiKey");
    assert_eq!(identity.api_key_id, opt(&id["apiKeyId"]), "{what}: apiKeyId");
    assert_eq!(identity.caller, opt(&id["caller"]), "{what}: caller");
    assert_eq!(identity.user_arn, opt(&id["userArn"]), "{what}: userArn");
    assert_eq!(
        identity.cognito_identity_id,
        opt(&id["cognitoIdentityId"]),
        "{what}: cognitoIdentityId"
    );
    let authorizer: HashMap<String, Value> = ctx
        .get("authorizer")
        .and_then(Value::as_object)
        .map(|o| o.clone().into_iter().collect())
        .unwrap_or_default();
    assert_eq!(rc.authorizer.fields, authorizer, "{what}: authorizer");

    assert_eq!(request.body, opt(&json["body"]), "{what}: body");
    assert_eq!(
        request.is_base64_encoded,
        json["isBase64Encoded"].as_bool().expect("a boolean"),
        "{what}: isBase64Encoded"
    );
}

#[test]
fn golden_events_read_back() {
    let mut checked = 0;
    for path in fixtures("events")
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".case.json"))
    {
        let case = read_json(&path);
        let event = render(&owned_case(&case["input"]));
        assert_readable(&event, &path.display().to_string());
        checked += 1;
    }
    assert!(checked >= 10, "expected the golden event fixtures, found {checked}");
}

/// xorshift64*: a fixed sequence, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A header name from a small pool, in a random case, so names repeat across case.
    fn header_name(&mut self) -> String {
        let base = self.pick(&[
            "x-a",
            "X-Trace",
            "accept",
            "Set-Cookie",
            "content-type",
            "x_u",
            "Connection",
            "TE",
            "host",
        ]);
        base.chars()
            .map(|c| {
                if self.below(2) == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    /// A value valid in an HTTP field: visible ASCII, space, tab, non-ASCII.
    fn field_value(&mut self) -> String {
        let len = self.below(12);
        (0..len)
            .map(|_| match self.below(10) {
                0 => '\t',
                1 => 'é',
                2 => '"',
                3 => '\\',
                4 => '€',
                5 => '/',
                _ => char::from(b' ' + self.below(95) as u8),
            })
            .collect()
    }

    /// Any string: control characters, quotes, non-ASCII.
    fn text(&mut self) -> String {
        let len = self.below(10);
        (0..len)
            .map(|_| match self.below(8) {
                0 => char::from(self.below(32) as u8),
                1 => '\u{7f}',
                2 => '😀',
                3 => '\u{2028}',
                _ => char::from(b' ' + self.below(95) as u8),
            })
            .collect()
    }

    fn bytes(&mut self) -> Vec<u8> {
        let len = self.below(40);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn generated_events_read_back_and_keep_their_meaning() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for iteration in 0..1500 {
        let headers: Vec<(String, String)> = (0..rng.below(14))
            .map(|_| (rng.header_name(), rng.field_value()))
            .collect();
        let query: Vec<(String, String)> = (0..rng.below(6))
            .map(|_| (rng.pick(&["a", "b", "ä", "a b"]).to_owned(), rng.text()))
            .collect();
        let path_parameters: Vec<(String, String)> = (0..rng.below(3)).map(|i| (format!("p{i}"), rng.text())).collect();
        let stage_variables: Vec<(String, String)> = (0..rng.below(3)).map(|i| (format!("v{i}"), rng.text())).collect();
        let body_bytes = rng.bytes();
        let binary = rng.below(3) == 0;
        let context_entries: Vec<(String, u64)> = (0..rng.below(4))
            .map(|i| (format!("k{i}"), rng.next() % 1000))
            .collect();
        let claims: Vec<(String, String)> = (0..rng.below(4)).map(|i| (format!("c{i}"), rng.text())).collect();
        let context_values: Vec<(&str, AuthorizerValue<'_>)> = context_entries
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    if v % 2 == 0 {
                        AuthorizerValue::Integer(*v as i64)
                    } else {
                        AuthorizerValue::Bool(true)
                    },
                )
            })
            .collect();
        let claim_pairs: Vec<(&str, &str)> = claims.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let user_agent = rng.text();
        let authorizer = match rng.below(3) {
            0 => None,
            1 => Some(Authorizer::Lambda(LambdaAuthorizer {
                principal_id: "user",
                context: &context_values,
                integration_latency_ms: 7,
            })),
            _ => Some(Authorizer::Cognito { claims: &claim_pairs }),
        };
        let context = RequestContext {
            resource_id: "abc123",
            resource_path: "/{proxy+}",
            operation_name: (rng.below(2) == 0).then_some("op"),
            http_method: "PATCH",
            extended_request_id: "A463RGFevHcEhcA=",
            request_time_epoch_ms: (rng.next() % 4_000_000_000_000) as i64,
            path: "/prod/x",
            account_id: "123456789012",
            protocol: "HTTP/1.1",
            stage: "prod",
            domain_prefix: "a1b2c3d4e5",
            request_id: "0547626d-6f57-4e19-b03e-92289aea3627",
            identity: Identity {
                source_ip: "198.51.100.7",
                user_agent: Some(&user_agent),
                api_key: (rng.below(2) == 0).then_some(ApiKey {
                    value: "key",
                    id: "kid",
                }),
                ..Identity::default()
            },
            domain_name: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
            deployment_id: "2pi5mk",
            api_id: "a1b2c3d4e5",
            authorizer,
        };
        let (h, q, p, s) = (
            borrow(&headers),
            borrow(&query),
            borrow(&path_parameters),
            borrow(&stage_variables),
        );
        let input = EventInput {
            resource: "/{proxy+}",
            path: "/x",
            http_method: "PATCH",
            headers: &h,
            query: &q,
            path_parameters: &p,
            stage_variables: &s,
            request_context: &context,
            body: if binary {
                Body::Binary(&body_bytes)
            } else {
                Body::Text(&body_bytes)
            },
        };
        let mut out = Vec::new();
        write_event(&input, &mut out);
        let what = format!("generated event #{iteration}");
        assert_readable(&out, &what);
        let json: Value = serde_json::from_slice(&out).expect("JSON");

        // Headers: dropped names gone; one entry per case-insensitive name with its last value.
        let dropped = ["connection", "te"];
        let mut expected: Vec<(String, Vec<String>)> = Vec::new();
        for (name, value) in &headers {
            if dropped.contains(&name.to_ascii_lowercase().as_str()) {
                continue;
            }
            match expected.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                Some((_, values)) => values.push(value.clone()),
                None => expected.push((name.clone(), vec![value.clone()])),
            }
        }
        expected.sort_by_key(|(name, _)| name.to_ascii_lowercase());
        let got_headers: Vec<(String, String)> = json["headers"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().expect("a string").to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let want_headers: Vec<(String, String)> = expected
            .iter()
            .map(|(n, values)| (n.clone(), values.last().cloned().unwrap_or_default()))
            .collect();
        assert_eq!(got_headers, want_headers, "{what}: headers");
        let got_multi: Map<String, Value> = json["multiValueHeaders"].as_object().cloned().unwrap_or_default();
        let want_multi: Map<String, Value> = expected
            .iter()
            .map(|(n, values)| (n.clone(), Value::from(values.clone())))
            .collect();
        assert_eq!(
            got_multi.iter().collect::<Vec<_>>(),
            want_multi.iter().collect::<Vec<_>>(),
            "{what}: multiValueHeaders"
        );

        // Body: base64 round-trips the bytes; text is the lossy UTF-8 reading.
        let body = json["body"].as_str();
        if body_bytes.is_empty() {
            assert_eq!(body, None, "{what}: empty body is null");
        } else if binary {
            use base64::Engine as _;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(body.expect("a body"))
                .expect("base64");
            assert_eq!(decoded, body_bytes, "{what}: binary body");
            assert_eq!(json["isBase64Encoded"], Value::Bool(true));
        } else {
            assert_eq!(
                body,
                Some(String::from_utf8_lossy(&body_bytes).as_ref()),
                "{what}: text body"
            );
        }
    }
}
