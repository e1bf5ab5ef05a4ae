//! The fixture format (TOML): one file per feature, an API definition, cases.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fixture {
    pub(crate) feature: String,
    #[serde(default = "default_stage")]
    pub(crate) stage: String,
    #[serde(default)]
    pub(crate) stage_variables: BTreeMap<String, String>,
    /// A usage-plans file (docs/usage-plans.md): API keys, usage plans, stage method settings and cache. Cases
    /// of such a fixture share the gateway's throttle, quota and cache state, in order.
    #[serde(default)]
    pub(crate) usage_plans: Option<String>,
    /// The OpenAPI definition (YAML or JSON).
    pub(crate) definition: String,
    /// A JWKS file (relative to the crate) holding the keys of every Cognito user pool the API names.
    #[serde(default)]
    pub(crate) jwks: Option<String>,
    #[serde(rename = "case")]
    pub(crate) cases: Vec<Case>,
    #[serde(skip)]
    pub(crate) file_name: String,
}

fn default_stage() -> String {
    "test".to_owned()
}

impl Fixture {
    pub(crate) fn read(path: &Path) -> Fixture {
        let text = std::fs::read_to_string(path).unwrap();
        let mut fixture: Fixture = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        fixture.file_name = path.file_name().unwrap().to_string_lossy().replace(".toml", ".yaml");
        fixture
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Case {
    pub(crate) name: String,
    /// Where the expectation comes from (`rec: …`, `doc: …`, `obs: …`, `unk: …`).
    pub(crate) source: String,
    #[serde(default, deserialize_with = "expect")]
    pub(crate) expect: Expect,
    pub(crate) request: ClientRequest,
    #[serde(default)]
    pub(crate) backend: Option<BackendAnswer>,
    pub(crate) response: ExpectedResponse,
    #[serde(default)]
    pub(crate) backend_received: Option<ExpectedBackendRequest>,
    /// Whether the backend must (true) or must not (false) have been called, e.g. a cache hit.
    #[serde(default)]
    pub(crate) backend_called: Option<bool>,
    /// The gateway's clock for this request and the following ones, in milliseconds since the epoch.
    #[serde(default)]
    pub(crate) clock_ms: Option<u64>,
    /// How the (scripted) Lambda function answers.
    #[serde(default)]
    pub(crate) function: Option<crate::function::FunctionAnswer>,
    /// What the Lambda function must have received.
    #[serde(default)]
    pub(crate) function_received: Option<crate::function::ExpectedInvocation>,
    /// Whether the Lambda function must (true) or must not (false) have been invoked, e.g. an authorizer's
    /// cached result or a request refused before the authorizer is called.
    #[serde(default)]
    pub(crate) function_invoked: Option<bool>,
}

#[derive(Default)]
pub(crate) enum Expect {
    #[default]
    Pass,
    /// `divergence: NAME — why`: the expectation pins Tollgate's behaviour, which differs from AWS.
    Divergence(String),
}

fn expect<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Expect, D::Error> {
    let text = String::deserialize(d)?;
    if text == "pass" {
        return Ok(Expect::Pass);
    }
    match text.strip_prefix("divergence:") {
        Some(name) => Ok(Expect::Divergence(name.trim().to_owned())),
        None => Err(serde::de::Error::custom("expect is `pass` or `divergence: NAME — why`")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClientRequest {
    #[serde(default = "get")]
    pub(crate) method: String,
    /// Path and query, stage included (`/test/pets?a=1`).
    pub(crate) path: String,
    #[serde(default)]
    pub(crate) headers: Vec<(String, String)>,
    #[serde(default)]
    pub(crate) body: String,
    /// A binary body, base64-encoded in the fixture (replaces `body`).
    #[serde(default)]
    pub(crate) body_base64: Option<String>,
}

fn get() -> String {
    "GET".to_owned()
}

impl ClientRequest {
    pub(crate) fn build(&self) -> http::Request<Vec<u8>> {
        let mut builder = http::Request::builder()
            .method(self.method.as_str())
            .uri(format!("http://localhost{}", self.path));
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(bytes_of(&self.body, self.body_base64.as_deref())).unwrap()
    }
}

/// How the loopback backend answers this case.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackendAnswer {
    #[serde(default = "ok")]
    pub(crate) status: u16,
    #[serde(default)]
    pub(crate) headers: Vec<(String, String)>,
    #[serde(default)]
    pub(crate) body: String,
    /// A binary body, base64-encoded in the fixture (replaces `body`).
    #[serde(default)]
    pub(crate) body_base64: Option<String>,
    /// Wait this long before answering (timeouts).
    #[serde(default)]
    pub(crate) delay_ms: u64,
    /// `garbage`: write bytes that are not HTTP and close.
    #[serde(default)]
    pub(crate) garbage: bool,
}

fn ok() -> u16 {
    200
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedResponse {
    pub(crate) status: u16,
    /// Headers that must be present with exactly these values (names case-insensitive).
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// Headers that must be absent.
    #[serde(default)]
    pub(crate) absent_headers: Vec<String>,
    /// Headers that must be present, whatever their value.
    #[serde(default)]
    pub(crate) present_headers: Vec<String>,
    /// The exact body; omitted = not checked.
    pub(crate) body: Option<String>,
    /// The exact body as base64 (binary bodies); omitted = not checked.
    #[serde(default)]
    pub(crate) body_base64: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedBackendRequest {
    pub(crate) method: Option<String>,
    /// Path and query as received.
    pub(crate) path: Option<String>,
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) absent_headers: Vec<String>,
    pub(crate) body: Option<String>,
    /// The exact body as base64 (binary bodies).
    #[serde(default)]
    pub(crate) body_base64: Option<String>,
}

/// A fixture body: `base64` decoded when given, else the text.
pub(crate) fn bytes_of(text: &str, base64: Option<&str>) -> Vec<u8> {
    use base64::Engine as _;
    match base64 {
        Some(encoded) => base64::engine::general_purpose::STANDARD.decode(encoded).unwrap(),
        None => text.as_bytes().to_vec(),
    }
}

/// What the backend saw.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Case {
    /// Every way the outcome differs from the expectation.
    pub(crate) fn check(&self, parts: &http::response::Parts, body: &[u8], received: Option<&Received>) -> Vec<String> {
        let mut problems = Vec::new();
        let want = &self.response;
        if let Some(called) = self.backend_called
            && called != received.is_some()
        {
            problems.push(format!("backend called: {} (want {called})", received.is_some()));
        }
        if parts.status.as_u16() != want.status {
            problems.push(format!("status {} (want {})", parts.status.as_u16(), want.status));
        }
        check_headers(
            &parts.headers,
            &want.headers,
            &want.absent_headers,
            "response",
            &mut problems,
        );
        for name in &want.present_headers {
            if !parts.headers.contains_key(name.as_str()) {
                problems.push(format!("response header {name} missing"));
            }
        }
        if let Some(expected) = &want.body
            && body != expected.as_bytes()
        {
            problems.push(format!("body {:?} (want {expected:?})", String::from_utf8_lossy(body)));
        }
        if let Some(expected) = &want.body_base64
            && body != bytes_of("", Some(expected))
        {
            problems.push(format!(
                "body {:?} (want base64 {expected})",
                String::from_utf8_lossy(body)
            ));
        }
        if let Some(want) = &self.backend_received {
            match received {
                None => problems.push("the backend received nothing".to_owned()),
                Some(got) => {
                    if let Some(method) = &want.method
                        && &got.method != method
                    {
                        problems.push(format!("backend method {} (want {method})", got.method));
                    }
                    if let Some(path) = &want.path
                        && &got.path != path
                    {
                        problems.push(format!("backend path {} (want {path})", got.path));
                    }
                    check_headers(
                        &got.headers,
                        &want.headers,
                        &want.absent_headers,
                        "backend",
                        &mut problems,
                    );
                    if let Some(body) = &want.body
                        && got.body != body.as_bytes()
                    {
                        problems.push(format!(
                            "backend body {:?} (want {body:?})",
                            String::from_utf8_lossy(&got.body)
                        ));
                    }
                    if let Some(expected) = &want.body_base64
                        && got.body != bytes_of("", Some(expected))
                    {
                        problems.push(format!(
                            "backend body {:?} (want base64 {expected})",
                            String::from_utf8_lossy(&got.body)
                        ));
                    }
                }
            }
        }
        problems
    }
}

fn check_headers(
    got: &http::HeaderMap,
    want: &BTreeMap<String, String>,
    absent: &[String],
    side: &str,
    problems: &mut Vec<String>,
) {
    for (name, value) in want {
        let values: Vec<&str> = got
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if values.join(", ") != *value {
            problems.push(format!("{side} header {name}: {values:?} (want {value:?})"));
        }
    }
    for name in absent {
        if let Some(value) = got.get(name.as_str()) {
            problems.push(format!("{side} header {name} should be absent, got {value:?}"));
        }
    }
}
