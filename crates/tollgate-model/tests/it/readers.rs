//! The JSON and YAML readers: core-schema scalars, limits, encodings, and what reaches the model.

use tollgate_model::{ImportOptions, ValueKind, load};

fn model_json(yaml_schema: &str) -> String {
    let definition = format!(
        "openapi: 3.0.1\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n    M: {yaml_schema}\n"
    );
    let loaded = load("api.yaml", definition.as_bytes(), &ImportOptions::default());
    assert!(loaded.diagnostics.is_empty(), "{}", loaded.render_diagnostics());
    loaded.api.expect("api").model("M").expect("model").schema.to_json()
}

#[test]
fn yaml_scalars_resolve_by_the_core_schema() {
    let cases = [
        (
            "{a: true, b: False, c: null, d: ~, e: }",
            r#"{"a":true,"b":false,"c":null,"d":null,"e":null}"#,
        ),
        (
            "{a: 1, b: -007, c: +1.5, d: .5, e: 1e3, f: 0x1F, g: 0o17}",
            r#"{"a":1,"b":-7,"c":1.5,"d":0.5,"e":1e3,"f":31,"g":15}"#,
        ),
        (
            "{a: 'true', b: \"1\", c: !!str 2, d: yes, e: 1.2.3, f: .inf}",
            r#"{"a":"true","b":"1","c":"2","d":"yes","e":"1.2.3","f":".inf"}"#,
        ),
        ("{200: x, true: y}", r#"{"200":"x","true":"y"}"#),
        ("{x: [a, [b, {c: d}]]}", r#"{"x":["a",["b",{"c":"d"}]]}"#),
    ];
    for (yaml, json) in cases {
        assert_eq!(model_json(yaml), json, "{yaml}");
    }
}

#[test]
fn yaml_anchors_aliases_and_merge_keys() {
    assert_eq!(
        model_json("{defs: {base: &b {x: 1, y: 2}}, use: {<<: *b, y: 3}, again: *b}"),
        r#"{"defs":{"base":{"x":1,"y":2}},"use":{"y":3,"x":1},"again":{"x":1,"y":2}}"#
    );
}

fn first_error(bytes: &[u8]) -> String {
    let loaded = load("api", bytes, &ImportOptions::default());
    assert!(loaded.api.is_none());
    loaded.diagnostics.first().map(ToString::to_string).unwrap_or_default()
}

#[test]
fn nesting_is_bounded_in_both_syntaxes() {
    let deep_json = format!("{{\"a\": {}{}}}", "[".repeat(200), "]".repeat(200));
    assert_eq!(
        first_error(deep_json.as_bytes()),
        "api:1:134: error: document nested too deeply (at most 128 levels of arrays and objects)"
    );
    let deep_yaml = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
    assert!(first_error(deep_yaml.as_bytes()).contains("nested too deeply"));
}

#[test]
fn alias_expansion_is_bounded() {
    let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..8 {
        let previous = level - 1;
        yaml.push_str(&format!("a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"));
    }
    assert!(first_error(yaml.as_bytes()).contains("too large after expanding aliases"));
}

#[test]
fn input_must_be_utf8_and_within_the_size_limit() {
    assert_eq!(
        first_error(b"openapi: 3.0.1\ntitle: \xff\n"),
        "api:2:8: error: the file is not valid UTF-8 (invalid byte sequence here)"
    );
    let mut options = ImportOptions::default();
    options.max_bytes = 10;
    let loaded = load("api", b"openapi: 3.0.1\n", &options);
    assert_eq!(
        loaded.diagnostics[0].to_string(),
        "api:1:1: error: definition too large: 15 bytes (at most 10 bytes are accepted)"
    );
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let loaded = load(
        "api.json",
        b"\xef\xbb\xbf{\"swagger\": \"2.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}}",
        &ImportOptions::default(),
    );
    assert!(loaded.diagnostics.is_empty(), "{}", loaded.render_diagnostics());
}

#[test]
fn warnings_are_fatal_only_on_request() {
    let definition = b"swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\nx-amazon-apigateway-unknown: 1\n";
    let lenient = load("api", definition, &ImportOptions::default());
    assert!(lenient.api.is_some());
    assert_eq!(lenient.diagnostics.len(), 1);
    let mut options = ImportOptions::default();
    options.fail_on_warnings = true;
    assert!(load("api", definition, &options).api.is_none());
}

#[test]
fn numbers_keep_their_literal() {
    let loaded = load("api", b"{\"swagger\": \"2.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}, \"definitions\": {\"M\": {\"maximum\": 1.50e+2}}}", &ImportOptions::default());
    let api = loaded.api.expect("api");
    let maximum = api
        .model("M")
        .and_then(|model| model.schema.get("maximum"))
        .expect("maximum");
    match maximum.kind() {
        ValueKind::Number(number) => assert_eq!((number.as_str(), number.as_i64()), ("1.50e+2", Some(150))),
        other => panic!("not a number: {other:?}"),
    }
}
