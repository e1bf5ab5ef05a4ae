//! Fixture-driven tests without network: integration-URI parsing, wire-request building and SigV4 signing.
//! Each case in `tests/data/*.toml` names its source.

// Test helpers outside #[test] functions unwrap too: a failed setup is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::Method;
use serde::Deserialize;
use tollgate_aws::{
    Credentials, Endpoint, IntegrationRequest, IntegrationUri, Operation, PlaceholderValues, RequestError,
    ServiceTable, SigningFlavor, UriErrorKind, WireRequest, build_request, sign_request,
};

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn pairs(map: &BTreeMap<String, String>) -> Vec<(&str, &str)> {
    map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UriCases {
    valid: Vec<ValidUri>,
    invalid: Vec<InvalidUri>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidUri {
    source: String,
    uri: String,
    #[serde(default)]
    stage_variables: BTreeMap<String, String>,
    #[serde(default)]
    path_parameters: BTreeMap<String, String>,
    service: String,
    subdomain: Option<String>,
    region: String,
    action: Option<String>,
    params: Option<String>,
    path: Option<String>,
    query: Option<String>,
    lambda_function: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvalidUri {
    uri: String,
    kind: String,
    offending: String,
    at: usize,
}

#[test]
fn integration_uris() {
    let cases: UriCases = toml::from_str(&data("integration-uris.toml")).unwrap();
    let table = ServiceTable::builtin();
    for case in &cases.valid {
        let context = format!("{} ({})", case.uri, case.source);
        let parsed = IntegrationUri::parse(&case.uri, table).unwrap_or_else(|e| panic!("{context}: {e}"));
        let stage = pairs(&case.stage_variables);
        let path = pairs(&case.path_parameters);
        let vars = PlaceholderValues {
            stage_variables: &stage,
            path_parameters: &path,
        };
        let target = parsed.resolve(&vars).unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_eq!(target.service().name(), case.service, "{context}");
        assert_eq!(target.region(), case.region, "{context}");
        assert_eq!(target.subdomain(), case.subdomain.as_deref(), "{context}");
        match target.operation() {
            Operation::Action { name, params } => {
                assert_eq!(Some(name), case.action.as_ref(), "{context}");
                assert_eq!(Some(params), case.params.as_ref(), "{context}");
            }
            Operation::Path { path, query } => {
                assert_eq!(Some(path), case.path.as_ref(), "{context}");
                assert_eq!(Some(query), case.query.as_ref(), "{context}");
            }
            other => panic!("{context}: unexpected {other:?}"),
        }
        assert_eq!(
            target.lambda_function().as_deref(),
            case.lambda_function.as_deref(),
            "{context}"
        );
        assert_eq!(parsed.is_lambda_invoke(), case.lambda_function.is_some(), "{context}");
        let placeholders = !case.stage_variables.is_empty() || !case.path_parameters.is_empty();
        assert_eq!(
            parsed.is_static(),
            !placeholders && !case.uri.contains("${"),
            "{context}"
        );
    }
    for case in &cases.invalid {
        let err = IntegrationUri::parse(&case.uri, table)
            .err()
            .unwrap_or_else(|| panic!("{} parsed", case.uri));
        assert_eq!(format!("{:?}", err.kind()), case.kind, "{}: {err}", case.uri);
        assert_eq!(err.offending(), case.offending, "{}: {err}", case.uri);
        assert_eq!(err.span().start, case.at, "{}: {err}", case.uri);
        assert!(err.to_string().contains(&format!("column {}", case.at + 1)), "{err}");
    }
}

#[test]
fn uri_errors_read_well() {
    let err = IntegrationUri::parse("arn:aws:apigateway:us-east-1:sqss:path/1/q", ServiceTable::builtin()).unwrap_err();
    assert_eq!(err.kind(), UriErrorKind::UnknownService);
    assert_eq!(
        err.to_string(),
        "unknown AWS service (not in the service table): `sqss` at column 30"
    );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCases {
    case: Vec<WireCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCase {
    name: String,
    source: String,
    uri: String,
    endpoint: Option<String>,
    #[serde(default)]
    stage_variables: BTreeMap<String, String>,
    #[serde(default)]
    path_parameters: BTreeMap<String, String>,
    method: String,
    #[serde(default)]
    query: Vec<(String, String)>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    content_type: Option<String>,
    #[serde(default)]
    body: String,
    expect: WireExpect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireExpect {
    error: Option<String>,
    method: Option<String>,
    url: Option<String>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    body: Option<String>,
    signing_region: Option<String>,
    signing_name: Option<String>,
}

fn build(case: &WireCase) -> Result<WireRequest, RequestError> {
    let table = ServiceTable::builtin();
    let uri = IntegrationUri::parse(&case.uri, table).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let stage = pairs(&case.stage_variables);
    let path = pairs(&case.path_parameters);
    let target = uri
        .resolve(&PlaceholderValues {
            stage_variables: &stage,
            path_parameters: &path,
        })
        .unwrap();
    let endpoint = match &case.endpoint {
        Some(url) => Endpoint::parse(url).unwrap(),
        None => Endpoint::public(&target),
    };
    let method = Method::from_bytes(case.method.as_bytes()).unwrap();
    let query: Vec<(&str, &str)> = case.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let headers: Vec<(&str, &str)> = case.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request = IntegrationRequest {
        method: &method,
        query: &query,
        headers: &headers,
        content_type: case.content_type.as_deref(),
        body: Bytes::from(case.body.clone()),
    };
    build_request(&target, &endpoint, &request)
}

#[test]
fn wire_requests() {
    let cases: WireCases = toml::from_str(&data("wire-requests.toml")).unwrap();
    assert!(cases.case.len() >= 15);
    for case in &cases.case {
        let context = format!("{} ({})", case.name, case.source);
        match (&case.expect.error, build(case)) {
            (Some(expected), Err(err)) => {
                let kind = format!("{err:?}");
                assert!(kind.starts_with(&format!("{expected}(")), "{context}: {kind}");
            }
            (Some(expected), Ok(wire)) => panic!("{context}: expected {expected}, built {wire:?}"),
            (None, Err(err)) => panic!("{context}: {err}"),
            (None, Ok(wire)) => {
                let expect = &case.expect;
                assert_eq!(Some(wire.method.as_str()), expect.method.as_deref(), "{context}");
                assert_eq!(Some(wire.uri.to_string()), expect.url, "{context}");
                let mut headers: Vec<(String, String)> = wire
                    .headers
                    .iter()
                    .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                    .collect();
                headers.sort();
                assert_eq!(headers, expect.headers, "{context}");
                assert_eq!(
                    Some(&wire.body[..]),
                    expect.body.as_deref().map(str::as_bytes),
                    "{context}"
                );
                assert_eq!(Some(&wire.signing_region), expect.signing_region.as_ref(), "{context}");
                assert_eq!(Some(&wire.signing_name), expect.signing_name.as_ref(), "{context}");
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningCases {
    case: Vec<SigningCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningCase {
    name: String,
    source: String,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// Seconds since the Unix epoch.
    time: u64,
    region: String,
    service: String,
    #[serde(default)]
    s3: bool,
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: String,
    authorization: String,
    #[serde(default)]
    also: Vec<(String, String)>,
}

#[test]
fn sigv4_signatures() {
    let cases: SigningCases = toml::from_str(&data("sigv4.toml")).unwrap();
    for case in &cases.case {
        let context = format!("{} ({})", case.name, case.source);
        let mut headers = http::HeaderMap::new();
        for (name, value) in &case.headers {
            headers.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let mut wire = WireRequest {
            method: Method::from_bytes(case.method.as_bytes()).unwrap(),
            uri: case.url.parse().unwrap(),
            headers,
            body: Bytes::from(case.body.clone()),
            signing_region: case.region.clone(),
            signing_name: case.service.clone(),
            signing_flavor: if case.s3 {
                SigningFlavor::S3
            } else {
                SigningFlavor::Standard
            },
        };
        let credentials = Credentials::new(
            &case.access_key_id,
            &case.secret_access_key,
            case.session_token.clone(),
            None,
            "fixture",
        );
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(case.time);
        sign_request(&mut wire, &credentials, time).unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_eq!(wire.headers["authorization"], case.authorization.as_str(), "{context}");
        for (name, value) in &case.also {
            assert_eq!(wire.headers[name.as_str()], value.as_str(), "{context}: {name}");
        }
    }
}

/// A built request signs the same as the same request written out by hand: building and signing compose.
#[test]
fn built_requests_sign_like_the_fixture() {
    let cases: WireCases = toml::from_str(&data("wire-requests.toml")).unwrap();
    let signing: SigningCases = toml::from_str(&data("sigv4.toml")).unwrap();
    let pairs = [
        (
            "dynamodb action: target and JSON 1.0 content type added, no client Content-Type",
            "dynamodb PutItem",
        ),
        (
            "sqs path with the form Content-Type mapped, as every recorded SQS setup does",
            "sqs SendMessage by path",
        ),
    ];
    for (wire_name, signing_name) in pairs {
        let wire_case = cases.case.iter().find(|c| c.name == wire_name).unwrap();
        let sig = signing.case.iter().find(|c| c.name == signing_name).unwrap();
        let mut wire = build(wire_case).unwrap();
        let credentials = Credentials::new(&sig.access_key_id, &sig.secret_access_key, None, None, "fixture");
        sign_request(
            &mut wire,
            &credentials,
            SystemTime::UNIX_EPOCH + Duration::from_secs(sig.time),
        )
        .unwrap();
        assert_eq!(wire.headers["authorization"], sig.authorization.as_str(), "{wire_name}");
    }
}
