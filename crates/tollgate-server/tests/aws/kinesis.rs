//! Kinesis PutRecord and PutRecords through the gateway (JSON 1.1 protocol), read back from the shard.

use aws_sdk_kinesis::types::ShardIteratorType;
use http::{Method, StatusCode};
use serde_json::json;
use tollgate_aws::AwsClient;

use crate::common::{TRICKY, assert_only_gateway_headers, bounded, start_gateway};
use crate::moto::{client, moto, unique};

/// (partition key, data, sequence number) of every record of a one-shard stream, in order.
async fn read_stream(aws: &AwsClient, stream: &str) -> Vec<(String, Vec<u8>, String)> {
    let kinesis = aws_sdk_kinesis::Client::new(aws.sdk_config());
    let iterator = kinesis
        .get_shard_iterator()
        .stream_name(stream)
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap();
    let records = kinesis
        .get_records()
        .shard_iterator(iterator)
        .send()
        .await
        .unwrap()
        .records;
    records
        .into_iter()
        .map(|r| {
            (
                r.partition_key.unwrap_or_default(),
                r.data.into_inner(),
                r.sequence_number,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_record_and_put_records() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let stream = unique("s");
        let kinesis = aws_sdk_kinesis::Client::new(aws.sdk_config());
        kinesis
            .create_stream()
            .stream_name(&stream)
            .shard_count(1)
            .send()
            .await
            .unwrap();
        let gateway = start_gateway(&moto, &[], &[("stream", &stream)]);

        // PutRecord: the raw body, base64-encoded by `$util.base64Encode($input.body)`.
        let put = gateway.post_text("/records?key=k%201", TRICKY).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text());
        assert_only_gateway_headers(&put);
        let answer = put.json();
        assert_eq!(answer["shard"], "shardId-000000000000");
        let sequence = answer["sequence"].as_str().unwrap().to_owned();

        // PutRecords: one record per list element.
        let batch = json!({"records": [
            {"key": "a", "data": "first & \"one\""},
            {"key": "b", "data": "second\r\nü 日本"},
        ]});
        let put = gateway
            .send(
                Method::PUT,
                "/records",
                &[("Content-Type", "application/json")],
                &batch.to_string(),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text());
        assert_eq!(put.text(), r#"{"failed": 0, "records": 2}"#);

        let records = read_stream(&aws, &stream).await;
        let expected = vec![
            ("k 1".to_owned(), TRICKY.as_bytes().to_vec()),
            ("a".to_owned(), b"first & \"one\"".to_vec()),
            ("b".to_owned(), "second\r\nü 日本".as_bytes().to_vec()),
        ];
        let read: Vec<_> = records
            .iter()
            .map(|(key, data, _)| (key.clone(), data.clone()))
            .collect();
        assert_eq!(read, expected);
        assert_eq!(records[0].2, sequence);
    })
    .await;
}
