//! Template positions map back into the definition file, for each scalar style.
//!
//! The scenario is the runtime's: a VTL compiler reports an error at template line L, column C; the report
//! must point at the same character in the definition file.

use tollgate_model::{ImportOptions, LineCol, load};

/// Loads a one-method MOCK API whose request template is written as `template_yaml` (the YAML after
/// `application/json:`) and returns the file position of template line/column `at`.
fn file_position(definition: &str, at: LineCol) -> (String, LineCol) {
    let loaded = load("api", definition.as_bytes(), &ImportOptions::default());
    assert!(loaded.diagnostics.is_empty(), "{}", loaded.render_diagnostics());
    let api = loaded.api.expect("api");
    let (_, method) = api.methods().next().expect("a method");
    let template = &method.integration.as_ref().expect("integration").request_templates[0].template;
    let offset = template.file_offset_at(at);
    let character = api.source.text()[offset as usize..]
        .chars()
        .next()
        .map(String::from)
        .unwrap_or_default();
    (character, api.source.line_col(offset))
}

fn yaml_api(template: &str) -> String {
    format!(
        "openapi: 3.0.1\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      responses: {{'200': {{description: ok}}}}\n      x-amazon-apigateway-integration:\n        type: mock\n        responses: {{default: {{statusCode: '200'}}}}\n        requestTemplates:\n          application/json: {template}\n"
    )
}

fn check(definition: &str, at: (u32, u32), expected_char: &str, expected: (u32, u32)) {
    let (character, position) = file_position(
        definition,
        LineCol {
            line: at.0,
            column: at.1,
        },
    );
    assert_eq!(
        (character.as_str(), position),
        (
            expected_char,
            LineCol {
                line: expected.0,
                column: expected.1
            }
        ),
        "template {}:{}",
        at.0,
        at.1
    );
}

#[test]
fn literal_block_lines_keep_their_file_lines() {
    // Template line 3 is `  "b": $x.y(` — column 9 is the `$`.
    let definition = yaml_api("|\n            {\n              \"a\": 1,\n              \"b\": $x.y(\n            }");
    check(&definition, (3, 8), "$", (14, 20));
    check(&definition, (1, 1), "{", (12, 13));
}

#[test]
fn json_escapes_map_to_their_backslash() {
    let definition = r#"{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {
  "responses": {"200": {"description": "ok"}},
  "x-amazon-apigateway-integration": {"type": "mock", "responses": {"default": {"statusCode": "200"}},
    "requestTemplates": {"application/json": "{\n  \"q\": \"\u00e9\",\n  \"b\": $x"}}}}}}"#;
    // Line 2 of the template is `  "q": "é",`: its first quote is written `\"` in the file.
    check(definition, (2, 3), "\\", (4, 52));
    // The `é` is written as a six-character `\u00e9` escape.
    check(definition, (2, 9), "\\", (4, 61));
    // Line 3, column 8 is `$`, after more escapes.
    check(definition, (3, 8), "$", (4, 81));
}

#[test]
fn double_quoted_yaml_escapes_and_single_quote_doubling() {
    check(&yaml_api(r#""{\"a\":\n $x}""#), (2, 2), "$", (11, 40));
    check(&yaml_api("'{''a'': $x}'"), (1, 7), "$", (11, 38));
}

#[test]
fn folded_and_plain_scalars_align_across_line_breaks() {
    check(
        &yaml_api(">-\n            {\"statusCode\":\n            $x}"),
        (1, 16),
        "$",
        (13, 13),
    );
    check(&yaml_api("plain\n            $x"), (1, 7), "$", (12, 13));
}
