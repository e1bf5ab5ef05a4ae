use super::*;

#[test]
fn empty_event_gets_defaults() {
    let request = parse_proxy_event("{}").unwrap();
    assert_eq!(request.body, "");
    assert!(!request.body_is_base64);
    assert_eq!(request.context.http_method, "GET");
    assert_eq!(request.context.path, "/prod/");
    assert_eq!(request.context.resource_path, "/");
    assert!(request.method.headers().is_empty());
}

#[test]
fn sam_style_event() {
    // The shape `sam local generate-event apigateway aws-proxy` prints (abridged).
    let event = r#"{
      "body": "eyJ0ZXN0IjoiYm9keSJ9", "resource": "/{proxy+}", "path": "/path/to/resource",
      "httpMethod": "POST", "isBase64Encoded": true,
      "queryStringParameters": {"foo": "bar"},
      "multiValueQueryStringParameters": {"foo": ["bar", "baz"]},
      "pathParameters": {"proxy": "/path/to/resource"},
      "stageVariables": {"baz": "qux"},
      "headers": {"Accept": "text/html", "User-Agent": "Custom User Agent String", "Connection": "close"},
      "multiValueHeaders": null,
      "requestContext": {
        "accountId": "123456789012", "resourceId": "123456", "stage": "prod",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "requestTime": "09/Apr/2015:12:34:56 +0000",
        "requestTimeEpoch": 1428582896000,
        "identity": {"sourceIp": "127.0.0.1", "userAgent": "Custom User Agent String", "accessKey": null,
                     "apiKey": null},
        "path": "/prod/path/to/resource", "resourcePath": "/{proxy+}", "httpMethod": "POST",
        "apiId": "1234567890", "protocol": "HTTP/1.1",
        "authorizer": {"principalId": "user", "n": 1, "ok": true, "claims": {"sub": "abc"}}
      }
    }"#;
    let request = parse_proxy_event(event).unwrap();
    assert_eq!(request.body, "eyJ0ZXN0IjoiYm9keSJ9");
    assert!(request.body_is_base64);
    assert_eq!(request.method.query_values("foo").collect::<Vec<_>>(), ["bar", "baz"]);
    assert_eq!(request.method.path_param("proxy"), Some("/path/to/resource"));
    assert_eq!(request.method.header("accept"), Some("text/html"));
    assert_eq!(request.method.header("connection"), None, "spec §4.3: invisible");
    assert_eq!(request.stage_variables, vec![("baz".to_owned(), "qux".to_owned())]);
    let cx = &request.context;
    assert_eq!(cx.request_time_epoch, 1_428_582_896_000);
    assert_eq!(cx.lookup("identity.sourceIp").as_deref(), Some("127.0.0.1"));
    assert_eq!(cx.identity.api_key, Some(ApiKey { key: None, id: None }));
    assert_eq!(cx.lookup("authorizer.n").as_deref(), Some("1"));
    assert_eq!(cx.lookup("authorizer.ok").as_deref(), Some("true"));
    assert_eq!(cx.lookup("authorizer.claims.sub").as_deref(), Some("abc"));
    assert_eq!(cx.lookup("authorizer.principalId").as_deref(), Some("user"));
}

#[test]
fn shape_errors_name_the_field() {
    let err = |text: &str| parse_proxy_event(text).unwrap_err().to_string();
    assert_eq!(err("[]"), "event field `(root)` must be an object");
    assert_eq!(
        err(r#"{"headers": {"a": [1]}}"#),
        "event field `headers.a` must be a string"
    );
    assert_eq!(
        err(r#"{"multiValueHeaders": {"a": "x"}}"#),
        "event field `multiValueHeaders.a` must be an array of strings"
    );
    assert_eq!(
        err(r#"{"requestContext": {"requestTimeEpoch": "soon"}}"#),
        "event field `requestContext.requestTimeEpoch` must be an integer"
    );
    assert!(err("{").starts_with("the event is not JSON"));
}
