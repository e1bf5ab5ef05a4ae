//! The gateway handle: snapshot swaps, the tower `Service`, access logs, edge responses, body limits.

// Test code: a failed unwrap is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body::Body as _;
use http_body_util::Full;
use tollgate_model::GatewayResponseType;
use tollgate_runtime::{
    AccessLogFormat, AccessLogSink, BackendFuture, Backends, Clock, CompileOptions, Deployment, Gateway,
    GatewayOptions, HttpBackend, HttpBackendError, RandomIds, RequestBody, ResponseBody,
};

#[derive(Debug)]
struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_784_692_372_486)
    }
}

/// An HTTP backend that never answers: requests to it only end through the integration timeout.
#[derive(Debug)]
struct NeverAnswers;

impl HttpBackend for NeverAnswers {
    fn send(&self, _request: http::Request<RequestBody>) -> BackendFuture {
        Box::pin(async {
            std::future::pending::<()>().await;
            Err(HttpBackendError::Exchange("unreachable".to_owned()))
        })
    }
}

#[derive(Debug, Default)]
struct Lines(Mutex<Vec<String>>);

impl AccessLogSink for Lines {
    fn write(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }
}

fn mock_api(body: &str) -> Deployment {
    let yaml = format!(
        "openapi: 3.0.1\ninfo: {{title: t, version: '1'}}\npaths:\n  /hello:\n    get:\n      responses: {{'200': {{description: ok}}}}\n      \
         x-amazon-apigateway-integration:\n        type: mock\n        requestTemplates: {{application/json: '{{\"statusCode\": 200}}'}}\n        \
         responses: {{default: {{statusCode: '200', responseTemplates: {{application/json: '{body}'}}}}}}\n  /slow:\n    get:\n      \
         responses: {{'200': {{description: ok}}}}\n      x-amazon-apigateway-integration:\n        type: http\n        httpMethod: GET\n        \
         uri: 'http://backend.invalid/x'\n        timeoutInMillis: 50\n        responses: {{default: {{statusCode: '200'}}}}\n"
    );
    let loaded = tollgate_model::load("api.yaml", yaml.as_bytes(), &Default::default());
    let api = loaded
        .api
        .clone()
        .unwrap_or_else(|| panic!("{}", loaded.render_diagnostics()));
    Deployment::compile(&api, &tollgate_model::Stage::new("prod"), &CompileOptions::default()).unwrap()
}

fn options() -> GatewayOptions {
    let mut options = GatewayOptions::default();
    options.clock = Arc::new(FixedClock);
    options.ids = Arc::new(RandomIds::seeded(3));
    options
}

fn get(path: &str) -> http::Request<Full<Bytes>> {
    http::Request::get(format!("http://h{path}"))
        .body(Full::new(Bytes::new()))
        .unwrap()
}

async fn body(response: http::Response<ResponseBody>) -> String {
    String::from_utf8(response.into_body().collect_bytes().await.unwrap().to_vec()).unwrap()
}

#[tokio::test]
async fn install_swaps_the_snapshot_and_counts_versions() {
    let gateway = Gateway::new(mock_api("one"), Backends::new(Arc::new(NeverAnswers)), options());
    assert_eq!(gateway.version(), 1);
    assert_eq!(body(gateway.handle(get("/prod/hello")).await).await, "one");
    assert_eq!(gateway.install(mock_api("two")), 2);
    assert_eq!(gateway.version(), 2);
    assert_eq!(body(gateway.handle(get("/prod/hello")).await).await, "two");
}

/// An HTTP backend that tells the test a request arrived, then never answers.
#[derive(Debug)]
struct ArrivesThenHangs(Arc<tokio::sync::Notify>);

impl HttpBackend for ArrivesThenHangs {
    fn send(&self, _request: http::Request<RequestBody>) -> BackendFuture {
        self.0.notify_one();
        Box::pin(async {
            std::future::pending::<()>().await;
            Err(HttpBackendError::Exchange("unreachable".to_owned()))
        })
    }
}

fn without_slow() -> Deployment {
    let yaml = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /other:\n    get:\n      \
                responses: {'200': {description: ok}}\n      x-amazon-apigateway-integration: {type: mock}\n";
    let loaded = tollgate_model::load("api.yaml", yaml.as_bytes(), &Default::default());
    let api = loaded
        .api
        .clone()
        .unwrap_or_else(|| panic!("{}", loaded.render_diagnostics()));
    Deployment::compile(&api, &tollgate_model::Stage::new("prod"), &CompileOptions::default()).unwrap()
}

#[tokio::test]
async fn a_request_in_flight_keeps_its_snapshot() {
    let arrived = Arc::new(tokio::sync::Notify::new());
    let backend = ArrivesThenHangs(arrived.clone());
    let gateway = Gateway::new(mock_api("one"), Backends::new(Arc::new(backend)), options());
    let in_flight = tokio::spawn({
        let gateway = gateway.clone();
        async move { gateway.handle(get("/prod/slow")).await }
    });
    // The request is inside its integration call before the swap.
    arrived.notified().await;
    gateway.install(without_slow());
    // A new request sees the new snapshot, which has no /slow ...
    assert_eq!(gateway.handle(get("/prod/slow")).await.status(), 403);
    // ... while the one in flight finishes on the old one: its integration times out after 50 ms.
    let response = in_flight.await.unwrap();
    assert_eq!(response.status(), 504);
    assert_eq!(body(response).await, r#"{"message": "Endpoint request timed out"}"#);
}

#[tokio::test]
async fn serves_as_a_tower_service() {
    use tower_service::Service;
    let mut service = Gateway::new(mock_api("svc"), Backends::new(Arc::new(NeverAnswers)), options());
    std::future::poll_fn(|cx| Service::<http::Request<Full<Bytes>>>::poll_ready(&mut service, cx))
        .await
        .unwrap();
    let response = service.call(get("/prod/hello")).await.unwrap();
    assert_eq!(body(response).await, "svc");
}

#[tokio::test]
async fn writes_access_log_lines() {
    let lines = Arc::new(Lines::default());
    let mut options = options();
    let format = AccessLogFormat::parse(
        "$context.httpMethod $context.resourcePath $context.status $context.responseLength [$context.requestTime] $context.integration.status $context.stage",
    )
    .unwrap();
    options.access_log = Some((format, lines.clone()));
    let gateway = Gateway::new(mock_api("12345"), Backends::new(Arc::new(NeverAnswers)), options);
    gateway.handle(get("/prod/hello")).await;
    gateway.handle(get("/prod/nope")).await;
    let lines = lines.0.lock().unwrap().clone();
    assert_eq!(
        lines,
        [
            "GET /hello 200 5 [22/Jul/2026:03:52:52 +0000] 200 prod",
            "GET - 403 42 [22/Jul/2026:03:52:52 +0000] - prod",
        ]
    );
}

// Source: spec §7/§10 (REQUEST_TOO_LARGE: 413, plain text, not customizable).
#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let mut options = options();
    options.max_body_bytes = 8;
    let gateway = Gateway::new(mock_api("x"), Backends::new(Arc::new(NeverAnswers)), options);
    let request = http::Request::get("http://h/prod/hello")
        .body(Full::new(Bytes::from_static(b"123456789")))
        .unwrap();
    let response = gateway.handle(request).await;
    assert_eq!(response.status(), 413);
    assert_eq!(body(response).await, "HTTP content length exceeded 10485760 bytes.");
    let edge = gateway.edge_response(GatewayResponseType::RequestTooLarge);
    assert_eq!(edge.status(), 413);
    assert!(edge.headers().contains_key("x-amzn-requestid"));
}

#[test]
fn access_log_formats_reject_unknown_variables() {
    let err = AccessLogFormat::parse("$context.requestId $context.nonsense").unwrap_err();
    assert_eq!(err.name, "nonsense");
}

/// A backend body fed by a channel: frames arrive only when the test sends them.
struct ChannelBody(tokio::sync::mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|frame| frame.map(|bytes| Ok(http_body::Frame::data(bytes))))
    }
}

/// An HTTP_PROXY backend whose body streams from a channel.
#[derive(Debug)]
struct Streaming(Mutex<Option<tokio::sync::mpsc::Receiver<Bytes>>>);

impl HttpBackend for Streaming {
    fn send(&self, _request: http::Request<RequestBody>) -> BackendFuture {
        let receiver = self.0.lock().unwrap().take();
        Box::pin(async move {
            let receiver = receiver.ok_or_else(|| HttpBackendError::Exchange("one request only".to_owned()))?;
            Ok(http::Response::new(ResponseBody::stream(ChannelBody(receiver))))
        })
    }
}

// HTTP_PROXY bodies stream: the response head reaches the client before the backend has finished its body.
#[tokio::test]
async fn http_proxy_streams_the_backend_body() {
    let yaml = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /{proxy+}:\n    get:\n      \
                responses: {'200': {description: ok}}\n      x-amazon-apigateway-integration:\n        type: http_proxy\n        \
                httpMethod: GET\n        uri: 'http://backend.invalid/{proxy}'\n";
    let loaded = tollgate_model::load("api.yaml", yaml.as_bytes(), &Default::default());
    let api = loaded
        .api
        .clone()
        .unwrap_or_else(|| panic!("{}", loaded.render_diagnostics()));
    let deployment =
        Deployment::compile(&api, &tollgate_model::Stage::new("prod"), &CompileOptions::default()).unwrap();
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let backend = Streaming(Mutex::new(Some(receiver)));
    let gateway = Gateway::new(deployment, Backends::new(Arc::new(backend)), options());
    let response = gateway.handle(get("/prod/file")).await;
    assert_eq!(response.status(), 200);
    sender.send(Bytes::from_static(b"first ")).await.unwrap();
    let mut body = response.into_body();
    let first = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
    let first = first.unwrap().unwrap().into_data().unwrap();
    assert_eq!(&first[..], b"first ");
    sender.send(Bytes::from_static(b"second")).await.unwrap();
    drop(sender);
    let rest = body.collect_bytes().await.unwrap();
    assert_eq!(&rest[..], b"second");
}
