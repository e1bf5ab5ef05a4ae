use super::*;

/// A context with every optional part filled, so each documented variable has a value.
fn full() -> RequestContext {
    let mut cx = RequestContext::example();
    cx.aws_endpoint_request_id = Some("5b4a4e6f".into());
    cx.waf_response_code = Some("WAF_ALLOW".into());
    cx.webacl_arn = Some("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/example/abc".into());
    let id = &mut cx.identity;
    for field in [
        &mut id.cognito_identity_pool_id,
        &mut id.account_id,
        &mut id.cognito_identity_id,
        &mut id.caller,
        &mut id.principal_org_id,
        &mut id.access_key,
        &mut id.cognito_authentication_type,
        &mut id.cognito_authentication_provider,
        &mut id.user_arn,
        &mut id.user,
    ] {
        *field = Some("x".into());
    }
    id.api_key = Some(ApiKey {
        key: Some("k".into()),
        id: Some("kid".into()),
    });
    id.client_cert = Some(ClientCert {
        client_cert_pem: "pem".into(),
        subject_dn: "CN=s".into(),
        issuer_dn: "CN=i".into(),
        serial_number: "1".into(),
        not_before: "a".into(),
        not_after: "b".into(),
    });
    cx.authorizer = Some(Authorizer {
        principal_id: Some("me".into()),
        claims: vec![("property".into(), "claim".into())],
        context: vec![("property".into(), "1".into())],
    });
    cx.error = Some(ContextError {
        message: Some("Missing Authentication Token".into()),
        response_type: "MISSING_AUTHENTICATION_TOKEN".into(),
        validation_error_string: Some("v".into()),
    });
    cx
}

#[test]
fn every_documented_variable_outside_access_logs_resolves() {
    let cx = full();
    let mut checked = 0;
    for var in VARIABLES {
        let templates = Availability::REQUEST_TEMPLATE.with(Availability::RESPONSE_TEMPLATE);
        let reachable = var.available.contains(Availability::GATEWAY_RESPONSE)
            || var.available.contains(Availability::PARAMETER_MAPPING)
            || (var.available.0 & templates.0) != 0;
        // Overrides are template-writable maps (see `overrides`), not request data.
        if !reachable || var.name.starts_with("requestOverride.") || var.name.starts_with("responseOverride.") {
            continue;
        }
        assert!(cx.lookup(var.name).is_some(), "$context.{} does not resolve", var.name);
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} variables checked");
}

#[test]
fn lookups() {
    let cx = full();
    assert_eq!(
        cx.lookup("error.messageString").as_deref(),
        Some("\"Missing Authentication Token\"")
    );
    assert_eq!(cx.lookup("requestTimeEpoch").as_deref(), Some("1784692372486"));
    assert_eq!(cx.lookup("identity").as_deref(), None);
    assert_eq!(cx.lookup("nope").as_deref(), None);
    assert_eq!(cx.lookup("authorizer.claims.missing").as_deref(), None);
    let error = ContextError {
        message: None,
        ..ContextError::default()
    };
    assert_eq!(error.message_string(), "null");
}

#[test]
fn recorded_keyset_orders() {
    assert_eq!(KEYSET.len(), 18);
    assert_eq!(KEYSET.first(), Some(&"resourceId"));
    assert_eq!(IDENTITY_KEYSET.len(), 12);
}
