use super::*;

#[test]
fn every_type_has_defaults() {
    for kind in GatewayResponseType::ALL {
        assert!(
            table::TABLE.iter().any(|d| d.kind == kind),
            "{kind} is missing from spec/gateway-responses.toml"
        );
    }
    assert_eq!(table::TABLE.len(), GatewayResponseType::ALL.len());
}

// Source: spec §7 byte forms (LocalStack AWS-validated test_routing_not_found; header-remapping 500s).
#[test]
fn default_bodies_are_byte_exact() {
    let body = |kind| {
        default_body(
            defaults(kind).form,
            &ErrorInfo {
                kind,
                message: defaults(kind).message.map(str::to_owned),
                validation_error: None,
                status: None,
            },
        )
    };
    assert_eq!(
        &body(GatewayResponseType::MissingAuthenticationToken)[..],
        br#"{"message":"Missing Authentication Token"}"#
    );
    assert_eq!(
        &body(GatewayResponseType::ApiConfigurationError)[..],
        br#"{"message": "Internal server error"}"#
    );
    assert_eq!(body(GatewayResponseType::ApiConfigurationError).len(), 36);
    assert_eq!(
        &body(GatewayResponseType::AuthorizerConfigurationError)[..],
        br#"{"message":null}"#
    );
    assert_eq!(body(GatewayResponseType::AccessDenied).len(), 82);
    assert_eq!(body(GatewayResponseType::InvalidApiKey).len(), 23);
    assert_eq!(body(GatewayResponseType::Unauthorized).len(), 26);
}
