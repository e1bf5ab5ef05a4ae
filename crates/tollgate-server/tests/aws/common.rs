//! What every AWS test needs: the gateway's environment, bounds, tricky bodies, SDK set-up and read-back.

use std::future::Future;
use std::time::Duration;

use aws_sdk_sqs::types::{Message, QueueAttributeName};
use tollgate_aws::AwsClient;

use crate::gateway::{Answer, Gateway};
use crate::moto::Moto;
pub(crate) use crate::moto::create_queue;

/// Every test body runs under this bound, so a broken gateway fails the test instead of hanging it.
pub(crate) const TEST_BOUND: Duration = Duration::from_secs(180);

/// A body with what breaks naive encoders: double quotes, `&` and `=` (form syntax), `+` and `%` (URL syntax), a
/// backslash, `/`, CR LF and tab, non-ASCII in two, three and four UTF-8 bytes. No single quote: Step Functions'
/// recorded template uses `$util.escapeJavaScript`, which writes `\'`, not valid JSON (a known API Gateway trap).
pub(crate) const TRICKY: &str =
    "{\"quote\": \"\\\"\", \"amp\": \"a&b=c\"}\nline two\r\n\ttab + 100% / back\\slash grüße 日本 🚀";

/// The environment of a gateway that sends every AWS service to moto.
pub(crate) fn moto_env(moto: &Moto) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ]
}

/// Starts the fixture API against moto with `stage_variables` and extra environment.
pub(crate) fn start_gateway(moto: &Moto, extra_env: &[(&str, &str)], stage_variables: &[(&str, &str)]) -> Gateway {
    let env = moto_env(moto);
    let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(extra_env);
    Gateway::start("aws-services.yaml", &all, stage_variables)
}

pub(crate) async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(TEST_BOUND, test)
        .await
        .expect("test exceeded its bound");
}

/// The headers a non-proxy AWS integration answer may carry: API Gateway's own (spec §8) and the connection's.
/// Everything the service sent is dropped unless mapped (spec §5, AWS row).
pub(crate) fn assert_only_gateway_headers(answer: &Answer) {
    const ALLOWED: &[&str] = &[
        "content-type",
        "content-length",
        "date",
        "connection",
        "x-amzn-requestid",
        "x-amz-apigw-id",
        "x-amzn-trace-id",
    ];
    for name in answer.headers.keys() {
        assert!(
            ALLOWED.contains(&name.as_str()),
            "unexpected header {name}: {:?}",
            answer.headers
        );
    }
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert!(
        answer
            .header("x-amzn-trace-id")
            .is_some_and(|t| t.starts_with("Root=1-")),
        "{:?}",
        answer.headers
    );
}

/// Every message in the queue, received until it answers none (each stays invisible for five minutes, so none is
/// seen twice).
pub(crate) async fn receive_all(aws: &AwsClient, queue_url: &str) -> Vec<Message> {
    let sqs = aws_sdk_sqs::Client::new(aws.sdk_config());
    let mut all = Vec::new();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(300)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        if received.is_empty() {
            return all;
        }
        all.extend(received);
    }
}

/// `ApproximateNumberOfMessages` of a queue.
pub(crate) async fn queue_length(aws: &AwsClient, queue_url: &str) -> usize {
    let sqs = aws_sdk_sqs::Client::new(aws.sdk_config());
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    attributes[&QueueAttributeName::ApproximateNumberOfMessages]
        .parse()
        .unwrap()
}

pub(crate) fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}
