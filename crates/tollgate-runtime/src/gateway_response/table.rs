// @generated from spec/gateway-responses.toml by tests/generated.rs (UPDATE_GENERATED=1); do not edit.

use http::HeaderValue;
use tollgate_model::GatewayResponseType as T;

use super::{BodyForm, Defaults};

/// AWS's defaults for every gateway response type.
pub(super) static TABLE: [Defaults; 21] = [
    // doc+obs: DG/supported-gateway-response-types.html, KC/api-gateway-403-error-lambda-authorizer
    Defaults { kind: T::AccessDenied, status: Some(403), error_type: "AccessDeniedException", error_type_header: HeaderValue::from_static("AccessDeniedException"), message: Some("User is not authorized to access this resource with an explicit deny"), form: BodyForm::Capital, fallback: Some(T::Default4xx) },
    // rec: LocalStack test_apigateway_integrations TestApiGatewayHeaderRemapping (36-byte body)
    Defaults { kind: T::ApiConfigurationError, status: Some(500), error_type: "InternalServerErrorException", error_type_header: HeaderValue::from_static("InternalServerErrorException"), message: Some("Internal server error"), form: BodyForm::Spaced, fallback: Some(T::Default5xx) },
    // obs: KC/api-gateway-lambda-authorization-errors
    Defaults { kind: T::AuthorizerConfigurationError, status: Some(500), error_type: "AuthorizerConfigurationException", error_type_header: HeaderValue::from_static("AuthorizerConfigurationException"), message: None, form: BodyForm::Null, fallback: Some(T::Default5xx) },
    // unk: status doc; header and body decided as AUTHORIZER_CONFIGURATION_ERROR
    Defaults { kind: T::AuthorizerFailure, status: Some(500), error_type: "AuthorizerConfigurationException", error_type_header: HeaderValue::from_static("AuthorizerConfigurationException"), message: None, form: BodyForm::Null, fallback: Some(T::Default5xx) },
    // rec: LocalStack test_apigateway_common request validator (message); bytes unk, template form
    Defaults { kind: T::BadRequestParameters, status: Some(400), error_type: "BadRequestException", error_type_header: HeaderValue::from_static("BadRequestException"), message: Some("Missing required request parameters"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // rec: LocalStack test_apigateway_common request validator (message); bytes unk, template form
    Defaults { kind: T::BadRequestBody, status: Some(400), error_type: "BadRequestException", error_type_header: HeaderValue::from_static("BadRequestException"), message: Some("Invalid request body"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // doc: DG/supported-gateway-response-types.html (no status of its own)
    Defaults { kind: T::Default4xx, status: None, error_type: "BadRequestException", error_type_header: HeaderValue::from_static("BadRequestException"), message: None, form: BodyForm::Compact, fallback: None },
    // doc: DG/supported-gateway-response-types.html (no status of its own)
    Defaults { kind: T::Default5xx, status: None, error_type: "InternalServerErrorException", error_type_header: HeaderValue::from_static("InternalServerErrorException"), message: None, form: BodyForm::Compact, fallback: None },
    // unk: status doc; SigV4 is out of scope
    Defaults { kind: T::ExpiredToken, status: Some(403), error_type: "ExpiredTokenException", error_type_header: HeaderValue::from_static("ExpiredTokenException"), message: Some("The security token included in the request is expired"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // unk: status doc; used for refused/reset/TLS-failed backends (spec §5 Timeout)
    Defaults { kind: T::IntegrationFailure, status: Some(504), error_type: "InternalServerErrorException", error_type_header: HeaderValue::from_static("InternalServerErrorException"), message: Some("Internal server error"), form: BodyForm::Spaced, fallback: Some(T::Default5xx) },
    // obs: KC/api-gateway-504-errors (body); header unk
    Defaults { kind: T::IntegrationTimeout, status: Some(504), error_type: "InternalServerErrorException", error_type_header: HeaderValue::from_static("InternalServerErrorException"), message: Some("Endpoint request timed out"), form: BodyForm::Spaced, fallback: Some(T::Default5xx) },
    // doc+obs: DG/api-gateway-api-key-source.html (23-byte body)
    Defaults { kind: T::InvalidApiKey, status: Some(403), error_type: "ForbiddenException", error_type_header: HeaderValue::from_static("ForbiddenException"), message: Some("Forbidden"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // unk: status doc; SigV4 is out of scope
    Defaults { kind: T::InvalidSignature, status: Some(403), error_type: "InvalidSignatureException", error_type_header: HeaderValue::from_static("InvalidSignatureException"), message: Some("The request signature we calculated does not match the signature you provided"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // rec: LocalStack test_apigateway_common test_routing_not_found
    Defaults { kind: T::MissingAuthenticationToken, status: Some(403), error_type: "MissingAuthenticationTokenException", error_type_header: HeaderValue::from_static("MissingAuthenticationTokenException"), message: Some("Missing Authentication Token"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // doc+obs: KC/api-gateway-429-limit
    Defaults { kind: T::QuotaExceeded, status: Some(429), error_type: "LimitExceededException", error_type_header: HeaderValue::from_static("LimitExceededException"), message: Some("Limit Exceeded"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // doc+obs: DG/limits.html; cannot be customized
    Defaults { kind: T::RequestTooLarge, status: Some(413), error_type: "", error_type_header: HeaderValue::from_static(""), message: Some("HTTP content length exceeded 10485760 bytes."), form: BodyForm::Plain, fallback: None },
    // unk: status doc; routing never yields it
    Defaults { kind: T::ResourceNotFound, status: Some(404), error_type: "NotFoundException", error_type_header: HeaderValue::from_static("NotFoundException"), message: Some("Not Found"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // doc+obs: DG/api-gateway-request-throttling.html, KC/api-gateway-429-limit
    Defaults { kind: T::Throttled, status: Some(429), error_type: "TooManyRequestsException", error_type_header: HeaderValue::from_static("TooManyRequestsException"), message: Some("Too Many Requests"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // obs: KC/api-gateway-401-error-unauthorized (26-byte body)
    Defaults { kind: T::Unauthorized, status: Some(401), error_type: "UnauthorizedException", error_type_header: HeaderValue::from_static("UnauthorizedException"), message: Some("Unauthorized"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // unk: status doc (DG/integration-passthrough-behaviors.html); message and header decided
    Defaults { kind: T::UnsupportedMediaType, status: Some(415), error_type: "UnsupportedMediaTypeException", error_type_header: HeaderValue::from_static("UnsupportedMediaTypeException"), message: Some("Unsupported Media Type"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
    // obs: DG/supported-gateway-response-types.html
    Defaults { kind: T::WafFiltered, status: Some(403), error_type: "ForbiddenException", error_type_header: HeaderValue::from_static("ForbiddenException"), message: Some("Forbidden"), form: BodyForm::Compact, fallback: Some(T::Default4xx) },
];
