//! Generated tables are fresh: each is rebuilt from its data file and compared with the committed copy.
//! Run with `UPDATE_GENERATED=1` to rewrite them.

// Test harness code: a failed unwrap is a failed test with its location, which is what we want.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;

#[derive(serde::Deserialize)]
struct File {
    response: Vec<Response>,
}

#[derive(serde::Deserialize)]
struct Response {
    #[serde(rename = "type")]
    kind: String,
    status: Option<u16>,
    error_type: String,
    message: Option<String>,
    form: String,
    fallback: Option<String>,
    evidence: String,
}

fn variant(aws_name: &str) -> String {
    aws_name
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).into_iter();
            first.chain(chars.map(|c| c.to_ascii_lowercase())).collect::<String>()
        })
        .collect()
}

fn generate(data: &str) -> String {
    let file: File = toml::from_str(data).expect("spec/gateway-responses.toml parses");
    let out = String::from(
        "// @generated from spec/gateway-responses.toml by tests/generated.rs (UPDATE_GENERATED=1); do not edit.\n\n\
         use http::HeaderValue;\n\
         use tollgate_model::GatewayResponseType as T;\n\n\
         use super::{BodyForm, Defaults};\n\n\
         /// AWS's defaults for every gateway response type.\n\
         pub(super) static TABLE: [Defaults; {count}] = [\n",
    );
    let mut out = out.replace("{count}", &file.response.len().to_string());
    for r in &file.response {
        let form = match r.form.as_str() {
            "compact" => "Compact",
            "spaced" => "Spaced",
            "capital" => "Capital",
            "null" => "Null",
            "plain" => "Plain",
            other => panic!("unknown form {other}"),
        };
        writeln!(out, "    // {}", r.evidence).unwrap();
        writeln!(
            out,
            "    Defaults {{ kind: T::{}, status: {}, error_type: {:?}, error_type_header: HeaderValue::from_static({:?}), message: {}, form: BodyForm::{form}, fallback: {} }},",
            variant(&r.kind),
            r.status.map_or("None".to_owned(), |s| format!("Some({s})")),
            r.error_type,
            r.error_type,
            r.message.as_ref().map_or("None".to_owned(), |m| format!("Some({m:?})")),
            r.fallback.as_ref().map_or("None".to_owned(), |f| format!("Some(T::{})", variant(f))),
        )
        .unwrap();
    }
    out.push_str("];\n");
    out
}

#[test]
fn gateway_response_table_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read_to_string(root.join("spec/gateway-responses.toml")).unwrap();
    let generated = generate(&data);
    let target = root.join("src/gateway_response/table.rs");
    let committed = std::fs::read_to_string(&target).unwrap_or_default();
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&target, &generated).unwrap();
        return;
    }
    assert!(
        committed == generated,
        "src/gateway_response/table.rs is stale: run with UPDATE_GENERATED=1"
    );
}
