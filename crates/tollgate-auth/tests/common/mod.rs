//! Shared test helpers: a request for identity sources, fixture loading.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::borrow::Cow;
use std::path::PathBuf;

use serde_json::Value;
use tollgate_auth::RequestParams;

/// A request given as lists of pairs.
#[derive(Debug, Default, Clone)]
pub struct Params {
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub stage_variables: Vec<(String, String)>,
    pub context: Vec<(String, String)>,
}

fn pairs(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

impl Params {
    /// From `{"headers":{…},"query":{…},"stageVariables":{…},"context":{…}}`.
    pub fn from_json(value: &Value) -> Params {
        Params {
            headers: pairs(value.get("headers")),
            query: pairs(value.get("query")),
            stage_variables: pairs(value.get("stageVariables")),
            context: pairs(value.get("context")),
        }
    }

    pub fn header(name: &str, value: &str) -> Params {
        Params {
            headers: vec![(name.to_owned(), value.to_owned())],
            ..Params::default()
        }
    }
}

impl RequestParams for Params {
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| Cow::Borrowed(v.as_str()))
    }
    fn query_string(&self, name: &str) -> Option<Cow<'_, str>> {
        self.query
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| Cow::Borrowed(v.as_str()))
    }
    fn stage_variable(&self, name: &str) -> Option<Cow<'_, str>> {
        self.stage_variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| Cow::Borrowed(v.as_str()))
    }
    fn context(&self, name: &str) -> Option<Cow<'_, str>> {
        self.context
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| Cow::Borrowed(v.as_str()))
    }
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("reading fixture {name}: {e}"))
}

/// The `cases` list of a JSON fixture file; every case must name its `source`.
pub fn cases(name: &str) -> Vec<Value> {
    let document: Value = serde_json::from_slice(&fixture_bytes(name)).unwrap();
    let cases = document["cases"].as_array().unwrap().clone();
    assert!(!cases.is_empty(), "{name} has no cases");
    for case in &cases {
        assert!(case["name"].is_string(), "{name}: a case without name");
        assert!(
            case["source"].is_string(),
            "{name}: case {} names no source",
            case["name"]
        );
    }
    cases
}
