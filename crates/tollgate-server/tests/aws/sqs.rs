//! SQS SendMessage through the gateway: by path (query protocol, the recorded setup), by action in SQS's JSON
//! protocol with a response template, by action with query-string parameters; a missing queue's 400 selected by
//! `4\d{2}`.

use http::StatusCode;
use serde_json::json;

use crate::common::{TRICKY, assert_only_gateway_headers, between, bounded, create_queue, receive_all, start_gateway};
use crate::moto::{ACCOUNT, client, moto, unique};

/// moto 5.2.5 answers SQS query-protocol requests in XML even with `Accept: application/json` (it switches to JSON
/// only for a `ContentType=JSON` form field). Real SQS honours the `Accept: application/json` API Gateway sends and
/// answers `{"SendMessageResponse": {"SendMessageResult": {"MessageId": …}}}` (recorded:
/// test_sqs_request_and_response_xml_templates_integration). The gateway passes either through unchanged.
const MOTO_SQS_QUERY_ANSWERS_XML: &str = "<SendMessageResponse";

/// moto 5.2.5 parses a body-less request without `Content-Type` as SQS's JSON protocol, so the query-string
/// fixture (`/sqs/query`) maps the form type to reach the Query protocol. AWS needs no Content-Type there (the
/// recorded SSM integration maps only query-string parameters: test_apigateway_ssm::test_ssm_aws_integration).
const MOTO_QUERY_NEEDS_THE_FORM_CONTENT_TYPE: &str = "'application/x-www-form-urlencoded'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_message_by_path_keeps_the_body_byte_for_byte() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let (name, url) = create_queue(&aws).await;
        let gateway = start_gateway(&moto, &[], &[("account", ACCOUNT)]);

        let text = gateway.post_text(&format!("/sqs/path/{name}"), TRICKY).await;
        assert_eq!(text.status, StatusCode::OK, "{}", text.text());
        assert_only_gateway_headers(&text);
        let body = text.text();
        assert!(body.contains(MOTO_SQS_QUERY_ANSWERS_XML), "{body}");
        let first_id = between(&body, "<MessageId>", "</MessageId>").unwrap().to_owned();

        // The same template for JSON bodies (`Content-Type: application/json`).
        let document = json!({"order": 7, "note": TRICKY}).to_string();
        let json = gateway.post_json(&format!("/sqs/path/{name}"), &document).await;
        assert_eq!(json.status, StatusCode::OK, "{}", json.text());
        let second_id = between(&json.text(), "<MessageId>", "</MessageId>").unwrap().to_owned();

        let mut received: Vec<(String, String)> = receive_all(&aws, &url)
            .await
            .into_iter()
            .map(|m| (m.message_id.unwrap(), m.body.unwrap()))
            .collect();
        received.sort();
        let mut expected = vec![(first_id, TRICKY.to_owned()), (second_id, document)];
        expected.sort();
        assert_eq!(received, expected);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_message_by_action_with_a_response_template() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let (_, url) = create_queue(&aws).await;
        let gateway = start_gateway(&moto, &[], &[("queueUrl", &url)]);

        let answer = gateway
            .post_json("/sqs/action", &json!({"message": TRICKY}).to_string())
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_only_gateway_headers(&answer);

        let received = receive_all(&aws, &url).await;
        assert_eq!(received.len(), 1, "{received:?}");
        let message = &received[0];
        assert_eq!(message.body.as_deref(), Some(TRICKY));
        // The template re-shapes SQS's {"MD5OfMessageBody", "MessageId"} into {"sent", "md5"}.
        assert_eq!(
            answer.text(),
            format!(
                "{{\"sent\": \"{}\", \"md5\": \"{}\"}}",
                message.message_id.as_deref().unwrap(),
                message.md5_of_body.as_deref().unwrap()
            )
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_message_by_action_with_query_string_parameters() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let fixture = std::fs::read_to_string(crate::gateway::fixture("aws-services.yaml")).unwrap();
        assert!(fixture.contains(MOTO_QUERY_NEEDS_THE_FORM_CONTENT_TYPE));
        let (_, url) = create_queue(&aws).await;
        let gateway = start_gateway(&moto, &[], &[("queueUrl", &url)]);

        let answer = gateway.post_text("/sqs/query", TRICKY).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_only_gateway_headers(&answer);
        let id = between(&answer.text(), "<MessageId>", "</MessageId>")
            .unwrap()
            .to_owned();

        let received = receive_all(&aws, &url).await;
        let received: Vec<_> = received
            .into_iter()
            .map(|m| (m.message_id.unwrap(), m.body.unwrap()))
            .collect();
        assert_eq!(received, vec![(id, TRICKY.to_owned())]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_queue_is_selected_by_4xx_and_mapped() {
    let moto = moto();
    bounded(async {
        let gateway = start_gateway(&moto, &[], &[("account", ACCOUNT)]);
        let queue = unique("missing");
        let answer = gateway.post_text(&format!("/sqs/path/{queue}"), "lost").await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text());
        assert_only_gateway_headers(&answer);
        assert_eq!(answer.text(), format!("{{\"message\": \"no such queue: {queue}\"}}"));
    })
    .await;
}
