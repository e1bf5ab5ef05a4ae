use super::*;
use crate::context::RequestContext;
use crate::request::MethodRequest;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn parse_err(target: &str, source: &str, side: MappingSide) -> (Part, usize) {
    let err = ParameterMapping::parse(target, source, side).unwrap_err();
    (err.part, err.offset)
}

#[test]
fn parses_every_documented_form() {
    use MappingSide::*;
    let cases: &[(&str, &str, MappingSide)] = &[
        ("integration.request.path.id", "method.request.path.id", Request),
        (
            "integration.request.querystring.q",
            "method.request.querystring.q",
            Request,
        ),
        (
            "integration.request.querystring.q",
            "method.request.multivaluequerystring.q",
            Request,
        ),
        ("integration.request.header.x-a", "method.request.header.X-A", Request),
        (
            "integration.request.header.x-a",
            "method.request.multivalueheader.X-A",
            Request,
        ),
        ("integration.request.header.x-a", "method.request.body", Request),
        ("integration.request.header.x-a", "method.request.body.a.b[0]", Request),
        ("integration.request.header.x-a", "stageVariables.v", Request),
        ("integration.request.header.x-a", "context.identity.sourceIp", Request),
        ("integration.request.header.x-a", "'application/json'", Request),
        ("method.response.header.x", "integration.response.header.y", Response),
        (
            "method.response.header.x",
            "integration.response.multivalueheader.y",
            Response,
        ),
        ("method.response.header.x", "integration.response.body", Response),
        ("method.response.header.x", "integration.response.body.id", Response),
        ("method.response.header.x", "'*'", Response),
        (
            "gatewayresponse.header.x",
            "method.request.header.origin",
            GatewayResponse,
        ),
        ("gatewayresponse.header.x", "context.requestId", GatewayResponse),
    ];
    for (target, source, side) in cases {
        assert!(
            ParameterMapping::parse(target, source, *side).is_ok(),
            "{target} <- {source}"
        );
    }
}

#[test]
fn malformed_expressions_point_at_the_problem() {
    use MappingSide::*;
    assert_eq!(
        parse_err("integration.request.header.x", "method.request.header.", Request),
        (Part::Source, 22)
    );
    assert_eq!(
        parse_err("integration.request.header.x", "method.request.header.a b", Request),
        (Part::Source, 23)
    );
    assert_eq!(
        parse_err("integration.request.header.x", "'unterminated", Request),
        (Part::Source, 13)
    );
    assert_eq!(
        parse_err("integration.request.header.x", "method.request.bodyx", Request),
        (Part::Source, 0)
    );
    assert_eq!(
        parse_err("integration.request.header.x", "method.request.body.a[", Request),
        (Part::Source, 22)
    );
    assert_eq!(
        parse_err("integration.request.header.x", "integration.response.body", Request),
        (Part::Source, 0)
    );
    assert_eq!(parse_err("integration.request.body", "'x'", Request), (Part::Target, 0));
    assert_eq!(
        parse_err("method.response.header.x", "method.request.body", Response),
        (Part::Source, 0)
    );
    assert_eq!(
        parse_err("integration.request.header.x", "context.", Request),
        (Part::Source, 8)
    );
    assert_eq!(
        parse_err("integration.request.header.x", "context.a..b", Request),
        (Part::Source, 8)
    );
    assert_eq!(
        parse_err("gatewayresponse.header.x", "method.request.body", GatewayResponse),
        (Part::Source, 0)
    );
    let err = ParameterMapping::parse("x", "'y'", Request).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid mapping target at offset 0: expected `integration.request.path.NAME` or \
         `integration.request.querystring.NAME` or `integration.request.header.NAME`"
    );
}

#[test]
fn evaluates_sources() {
    let method = MethodRequest::new(
        pairs(&[("id", "42")]),
        pairs(&[("q", "a"), ("q", "b")]),
        pairs(&[("X-A", "1"), ("x-a", "2"), ("Connection", "keep-alive")]),
    );
    let stage = pairs(&[("v", "stage-value")]);
    let cx = RequestContext::example();
    let body = r#"{"a":{"b":["first"],"n":1.50,"o":{"k":"v"},"z":null}}"#;
    let input = MappingInput::new(&method, body, &stage, &cx);
    let eval = |source: &str| -> Option<String> {
        let mapping = ParameterMapping::parse("integration.request.header.t", source, MappingSide::Request).unwrap();
        mapping.evaluate(&input).unwrap().map(|v| v.joined().into_owned())
    };
    assert_eq!(eval("method.request.path.id").as_deref(), Some("42"));
    assert_eq!(eval("method.request.querystring.q").as_deref(), Some("b"));
    assert_eq!(eval("method.request.multivaluequerystring.q").as_deref(), Some("a,b"));
    assert_eq!(eval("method.request.header.x-A").as_deref(), Some("2"));
    assert_eq!(eval("method.request.multivalueheader.X-a").as_deref(), Some("1,2"));
    assert_eq!(
        eval("method.request.header.Connection"),
        None,
        "spec §4.3: invisible header"
    );
    assert_eq!(eval("method.request.header.missing"), None);
    assert_eq!(eval("method.request.body").as_deref(), Some(body));
    assert_eq!(eval("method.request.body.a.b[0]").as_deref(), Some("first"));
    assert_eq!(eval("method.request.body.a.n").as_deref(), Some("1.50"));
    assert_eq!(eval("method.request.body.a.o").as_deref(), Some(r#"{"k":"v"}"#));
    assert_eq!(eval("method.request.body.a.z"), None);
    assert_eq!(eval("method.request.body.nope"), None);
    assert_eq!(eval("stageVariables.v").as_deref(), Some("stage-value"));
    assert_eq!(eval("stageVariables.w"), None);
    assert_eq!(
        eval("context.requestId").as_deref(),
        Some("0547626d-6f57-4e19-b03e-92289aea3627")
    );
    assert_eq!(eval("context.identity.sourceIp").as_deref(), Some("192.0.2.1"));
    assert_eq!(eval("'it''s'").as_deref(), Some("it''s"));
}

#[test]
fn response_side_and_invalid_json() {
    let method = MethodRequest::default();
    let cx = RequestContext::example();
    let headers = pairs(&[("Content-Type", "text/plain"), ("Set-Cookie", "a"), ("set-cookie", "b")]);
    let input = MappingInput::new(&method, "not json", &[], &cx).with_integration_response(IntegrationResponseView {
        headers: &headers,
        body: r#"{"id":7}"#,
    });
    let eval = |source: &str| {
        let mapping = ParameterMapping::parse("method.response.header.t", source, MappingSide::Response).unwrap();
        mapping.evaluate(&input).map(|v| v.map(|v| v.joined().into_owned()))
    };
    assert_eq!(
        eval("integration.response.header.content-type").unwrap().as_deref(),
        Some("text/plain")
    );
    assert_eq!(
        eval("integration.response.multivalueheader.Set-Cookie")
            .unwrap()
            .as_deref(),
        Some("a,b")
    );
    assert_eq!(eval("integration.response.body.id").unwrap().as_deref(), Some("7"));
    assert_eq!(
        eval("integration.response.body").unwrap().as_deref(),
        Some(r#"{"id":7}"#)
    );
    let request = ParameterMapping::parse(
        "integration.request.header.t",
        "method.request.body.a",
        MappingSide::Request,
    )
    .unwrap();
    assert!(matches!(
        request.evaluate(&input),
        Err(MappingError::InvalidJsonBody(_))
    ));
}
