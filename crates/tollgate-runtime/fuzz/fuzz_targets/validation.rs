//! Request-validation fuzzing: arbitrary bodies (and content types) against models that use every draft-4
//! keyword, references between models, `oneOf`/`anyOf`/`allOf`/`not`, and a binary endpoint with
//! CONVERT_TO_BINARY. Beyond "no panic, no hang": every answer is one the pipeline can give (200, 400, 500),
//! and a body the validator refuses always has a non-empty `validationErrorString` of the form `[...]`.
#![no_main]

use std::sync::OnceLock;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use tollgate_runtime::{Backends, CompileOptions, Deployment, Gateway, GatewayOptions};

const API: &str = r##"
openapi: 3.0.1
info: {title: fuzz-validation, version: "1"}
x-amazon-apigateway-binary-media-types: [image/png]
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
x-amazon-apigateway-gateway-responses:
  BAD_REQUEST_BODY:
    responseTemplates:
      application/json: '$context.error.validationErrorString'
components:
  schemas:
    Leaf:
      type: object
      properties:
        n: {type: number, minimum: -5, maximum: 5, exclusiveMaximum: true, multipleOf: 0.5}
        s: {type: string, minLength: 1, maxLength: 8, pattern: '^[a-z]+(-[a-z]+)*$', format: email}
        e: {enum: [a, 1, null, [1], {"k": "v"}]}
      required: [n]
      additionalProperties: false
    Tree:
      type: object
      properties:
        leaf: {$ref: '#/components/schemas/Leaf'}
        kids: {type: array, items: {$ref: '#/components/schemas/Tree'}, maxItems: 4, uniqueItems: true}
        pair: {type: array, items: [{type: integer}, {type: string}], additionalItems: false}
        one: {oneOf: [{type: string}, {type: "null"}, {type: integer, minimum: 0}]}
        any: {anyOf: [{type: boolean}, {$ref: '#/components/schemas/Leaf'}]}
        all: {allOf: [{type: object, required: [a]}, {type: object, required: [b]}, {minProperties: 1, maxProperties: 3}]}
        not: {not: {type: string}}
        map: {type: object, patternProperties: {'^x-': {type: integer}}, additionalProperties: {type: string}}
        dep: {type: object, dependencies: {a: [b], c: {required: [d]}}}
        when: {type: string, format: date-time}
      required: [leaf]
paths:
  /tree:
    post:
      x-amazon-apigateway-request-validator: all
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/Tree'}}
          $default: {schema: {$ref: '#/components/schemas/Leaf'}}
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
          text/plain: '{"statusCode": 200}'
        responses: {default: {statusCode: "200"}}
  /bytes:
    post:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        contentHandling: CONVERT_TO_BINARY
        requestTemplates: {text/plain: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", contentHandling: CONVERT_TO_TEXT}}
"##;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    gateway: Gateway,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let loaded = tollgate_model::load("fuzz.yaml", API.as_bytes(), &Default::default());
        let api = loaded.api.expect("the fuzz API imports");
        let stage = tollgate_model::Stage::new("test");
        let deployment = Deployment::compile(&api, &stage, &CompileOptions::default()).expect("the fuzz API compiles");
        let backends = Backends::production().expect("backends");
        let gateway = Gateway::new(deployment, backends, GatewayOptions::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Fixture { runtime, gateway }
    })
}

const CONTENT_TYPES: [&str; 4] = [
    "application/json",
    "text/plain",
    "image/png",
    "application/json; charset=UTF-8",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let fixture = fixture();
    let path = if selector & 0x80 == 0 {
        "/test/tree"
    } else {
        "/test/bytes"
    };
    let content_type = CONTENT_TYPES[usize::from(selector) % CONTENT_TYPES.len()];
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://localhost{path}"))
        .header("content-type", content_type)
        .body(http_body_util::Full::new(Bytes::copy_from_slice(body)))
        .expect("request");
    let (status, answer) = fixture.runtime.block_on(async {
        let response = fixture.gateway.handle(request).await;
        let status = response.status().as_u16();
        (status, response.into_body().collect_bytes().await.expect("body"))
    });
    assert!(matches!(status, 200 | 400 | 415 | 500), "status {status}");
    if status == 400 {
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.starts_with('[') && text.ends_with(']') && text.len() > 2,
            "report {text:?}"
        );
    }
});
