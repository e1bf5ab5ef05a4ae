//! Endpoints that fail: a closed port answers 504 INTEGRATION_FAILURE, a silent one 504 after the integration
//! timeout (INTEGRATION_TIMEOUT), a mapped `Authorization` header 500 (spec §4.1); none of them hangs a client.

use std::net::TcpListener;

use http::StatusCode;

use crate::common::bounded;
use crate::common::start_gateway;
use crate::moto::moto;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_and_silent_endpoints_answer_gateway_responses() {
    let moto = moto();
    // A port nothing listens on, and a listener that accepts and never answers (its backlog holds connections).
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{closed}");
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    bounded(async {
        let gateway = start_gateway(
            &moto,
            &[
                ("AWS_ENDPOINT_URL_SNS", &dead_url),
                ("AWS_ENDPOINT_URL_FIREHOSE", &silent_url),
            ],
            &[],
        );

        let dead = gateway.post_json("/dead", "{}").await;
        assert_eq!(dead.status, StatusCode::GATEWAY_TIMEOUT, "{}", dead.text());
        assert_eq!(dead.text(), r#"{"message": "Internal server error"}"#);
        assert_eq!(dead.header("x-amzn-errortype"), Some("InternalServerErrorException"));

        // Several at once: each is cut off by its own 500 ms timeout, none waits for another.
        let slow = futures_join(&gateway).await;
        for answer in slow {
            assert_eq!(answer.status, StatusCode::GATEWAY_TIMEOUT, "{}", answer.text());
            assert_eq!(answer.text(), r#"{"message": "Endpoint request timed out"}"#);
        }

        let reserved = gateway.post_json("/reserved", "{}").await;
        assert_eq!(
            reserved.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            reserved.text()
        );
        assert_eq!(reserved.text(), r#"{"message": "Internal server error"}"#);
    })
    .await;
    drop(silent);
}

async fn futures_join(gateway: &crate::gateway::Gateway) -> Vec<crate::gateway::Answer> {
    let (a, b, c, d) = tokio::join!(
        gateway.post_json("/slow", "{}"),
        gateway.post_json("/slow", "{}"),
        gateway.post_json("/slow", "{}"),
        gateway.post_json("/slow", "{}"),
    );
    vec![a, b, c, d]
}
